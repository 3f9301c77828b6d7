from __future__ import annotations

from django.urls import path

from civicshield.web.evidence import views

app_name = "evidence"
urlpatterns = [
    path("", views.index, name="index"),
    path("messages/<int:pk>/record/", views.record_message, name="record_message"),
    path("messages/<int:pk>/pack.zip", views.message_pack, name="message_pack"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("records/<int:pk>/correct/", views.record_correct, name="record_correct"),
    path("records/<int:pk>/original", views.record_original, name="record_original"),
    path(
        "records/<int:pk>/screenshot/<str:kind>.png",
        views.record_screenshot,
        name="record_screenshot",
    ),
    path("screenshots/<int:pk>.png", views.screenshot_image, name="screenshot"),
    path("authors/<int:pk>/record-all/", views.record_author_messages, name="record_author"),
    path("authors/<int:pk>/pack.zip", views.author_pack, name="author_pack"),
    path("authors/<int:pk>/cases/", views.author_cases, name="author_cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/action/", views.case_action, name="case_action"),
    path("cases/<int:pk>/pack.zip", views.case_pack, name="case_pack"),
    path("cases/<int:pk>/report-text/", views.case_report_text, name="case_report_text"),
    path("reports/<int:pk>/outcome/", views.report_outcome, name="report_outcome"),
]
