from __future__ import annotations

from django.urls import include, path

from civicshield.web import views
from civicshield.web.inbox.urls import api_urlpatterns as inbox_api

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("civicshield.web.accounts.urls")),
    path("audit/", include("civicshield.web.audit.urls")),
    path("inbox/", include("civicshield.web.inbox.urls")),
    path("mail/", include("civicshield.web.mailguard.urls")),
    path("evidence/", include("civicshield.web.evidence.urls")),
    path("api/", include((inbox_api, "api"))),
    path("team/", include("civicshield.web.team.urls")),
    path("emergency/", include("civicshield.web.emergency.urls")),
    path("habits/", include("civicshield.web.habits.urls")),
    path("publishing/", include("civicshield.web.publishing.urls")),
    path("data-protection/", include("civicshield.web.dataprotection.urls")),
]

handler403 = "civicshield.web.views.forbidden"
handler404 = "civicshield.web.views.not_found"
