from __future__ import annotations

from django.urls import path

from civicshield.web.habits import views

app_name = "habits"
urlpatterns = [
    path("", views.index, name="index"),
    path("passphrase/", views.passphrase, name="passphrase"),
    path("assessment/", views.assessment, name="assessment"),
    path("assessment/start/", views.assessment_start, name="assessment_start"),
    path("assessment/<int:pk>/complete/", views.assessment_complete, name="assessment_complete"),
    path("assessment/<int:pk>/export.csv", views.assessment_export, name="assessment_export"),
    path("exposure/", views.exposure, name="exposure"),
    path("impersonation/", views.impersonation, name="impersonation"),
]
