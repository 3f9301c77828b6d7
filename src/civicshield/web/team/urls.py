from __future__ import annotations

from django.urls import path

from civicshield.web.team import views

app_name = "team"
urlpatterns = [
    path("", views.staff, name="staff"),
    path("invite/", views.invite, name="invite"),
    path("invitations/<int:pk>/withdraw/", views.revoke_invitation, name="invitation_revoke"),
    path("join/<str:token>/", views.accept_invitation, name="invitation_accept"),
    path("join/", views.join, name="invitation_join"),
    path("people/<int:pk>/offboard/", views.offboard, name="offboard"),
    path("people/<int:pk>/role/", views.change_role, name="change_role"),
    path("offboardings/<int:pk>/", views.offboarding_record, name="offboarding_record"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/add/", views.account_add, name="account_add"),
    path("accounts/<int:pk>/", views.account_edit, name="account_edit"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/done/", views.task_done, name="task_done"),
    path("review/", views.review, name="review"),
    path("review/start/", views.review_start, name="review_start"),
    path("review/items/<int:pk>/confirm/", views.review_confirm, name="review_confirm"),
    path("review/<int:pk>/complete/", views.review_complete, name="review_complete"),
    path("settings/", views.team_settings, name="settings"),
]
