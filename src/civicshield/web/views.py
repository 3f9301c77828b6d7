"""Pages that belong to no single capability: the dashboard, health check and error pages."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static

from civicshield.web.accounts.decorators import member_required
from civicshield.web.accounts.http import MemberRequest
from civicshield.web.accounts.roles import Capability
from civicshield.web.inbox import selectors as inbox_selectors
from civicshield.web.jobs.services import failed_jobs


@member_required()
def dashboard(request: MemberRequest) -> HttpResponse:
    member = request.member
    context = {
        "failed_jobs": failed_jobs(office=member.office).order_by("-finished")[:10],
        "inbox_stats": (
            inbox_selectors.dashboard_stats(member=member)
            if member.can(Capability.TRIAGE_INBOX)
            else None
        ),
    }
    return render(request, "dashboard.html", context)


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on their own: send them to the shield in the static files."""
    return HttpResponsePermanentRedirect(static("civicshield/favicon.svg"))


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)
