from __future__ import annotations

from django.urls import path

from civicshield.web.emergency import views

app_name = "emergency"
urlpatterns = [
    path("", views.plan, name="plan"),
    path("plan.pdf", views.plan_download, name="plan_pdf"),
    path("notes/", views.notes_edit, name="notes_edit"),
    path("contacts/add/", views.contact_add, name="contact_add"),
    path("contacts/<int:pk>/", views.contact_edit, name="contact_edit"),
    path("playbooks/<int:pk>/", views.playbook_edit, name="playbook_edit"),
    path("incident/start/", views.incident_open, name="incident_open"),
    path("incidents/<int:pk>/", views.incident, name="incident"),
    path("incidents/<int:pk>/note/", views.incident_note, name="incident_note"),
    path("incidents/<int:pk>/close/", views.incident_close, name="incident_close"),
    path("steps/<int:pk>/", views.step_mark, name="step_mark"),
]
