from __future__ import annotations

from django.urls import path

from civicshield.web.dataprotection import views

app_name = "dataprotection"
urlpatterns = [
    path("", views.index, name="index"),
    path("retention/", views.change_retention, name="retention"),
    path("authors/<int:pk>/hold/", views.hold_author, name="hold_author"),
    path("messages/<int:pk>/hold/", views.hold_message, name="hold_message"),
    path("holds/<int:pk>/lift/", views.lift_hold, name="hold_lift"),
    path("authors/<int:pk>/export/", views.export_author, name="export_author"),
    path("authors/<int:pk>/erase/", views.erase_author, name="erase_author"),
    path("people/<int:pk>/export/", views.export_person, name="export_person"),
]
