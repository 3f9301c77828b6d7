from __future__ import annotations

from django.urls import path

from civicshield.web.publishing import views

app_name = "publishing"
urlpatterns = [
    path("", views.draft_list, name="drafts"),
    path("new/", views.new_draft, name="draft_new"),
    path("review/", views.review_queue, name="review"),
    path("calendar/", views.post_calendar, name="calendar"),
    path("pause/", views.pause, name="pause"),
    path("checks/", views.check_settings, name="checks"),
    path("drafts/<int:pk>/", views.draft_detail, name="draft"),
    path("drafts/<int:pk>/<slug:action>/", views.draft_action, name="draft_action"),
    path("images/<int:pk>/", views.draft_image, name="image"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/connect/bluesky/", views.connect_bluesky, name="connect_bluesky"),
    path("accounts/connect/mastodon/", views.connect_mastodon, name="connect_mastodon"),
    path("accounts/connect/mastodon/done/", views.mastodon_callback, name="mastodon_callback"),
    path("accounts/connect/demo/", views.connect_demo, name="connect_demo"),
    path("accounts/<int:pk>/", views.account_settings, name="account"),
    path("accounts/<int:pk>/access/", views.account_access, name="account_access"),
    path(
        "accounts/<int:pk>/app-password/",
        views.replace_app_password,
        name="account_app_password",
    ),
    path("accounts/<int:pk>/disconnect/", views.account_disconnect, name="account_disconnect"),
    path("accounts/<int:pk>/log/", views.account_log, name="account_log"),
]
