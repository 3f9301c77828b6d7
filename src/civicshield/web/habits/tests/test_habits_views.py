from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicshield.web.audit.models import AuditEntry
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db


def test_the_manager_sets_checkin_hours_and_gets_bio_lines(cast):
    client = signed_in_client(cast.manager.user)
    response = client.post(
        reverse("habits:index"),
        {
            "start": "10:00",
            "end": "16:00",
            "days": ["0", "1", "2", "3"],
            "casework_contact": "help@a.example",
        },
    )
    assert response.status_code == 302
    cast.office_a.refresh_from_db()
    assert cast.office_a.checkin_start == dt.time(10, 0)
    assert cast.office_a.checkin_days == [0, 1, 2, 3]
    page = client.get(reverse("habits:index")).content.decode()
    assert "Mon–Thu 10am–4pm" in page
    assert "help@a.example" in page
    assert AuditEntry.objects.filter(action="habits.checkin_hours.changed").exists()


def test_end_before_start_is_refused(cast):
    client = signed_in_client(cast.manager.user)
    response = client.post(
        reverse("habits:index"), {"start": "17:00", "end": "09:00", "days": ["0"]}
    )
    assert response.status_code == 200
    assert "must be after the start" in response.content.decode()


def test_a_caseworker_sees_the_hours_but_cannot_change_them(cast):
    client = signed_in_client(cast.caseworker.user)
    assert client.get(reverse("habits:index")).status_code == 200
    response = client.post(
        reverse("habits:index"), {"start": "10:00", "end": "16:00", "days": ["0"]}
    )
    assert response.status_code == 403


def test_the_passphrase_page_suggests_words_and_checks_strength_without_echoing(cast):
    client = signed_in_client(cast.volunteer.user)
    page = client.get(reverse("habits:passphrase") + "?words=4").content.decode()
    assert page.count("<code>") == 5
    response = client.post(reverse("habits:passphrase"), {"password": "Password123"})
    page = response.content.decode()
    assert "weak" in page.lower()
    assert "Password123" not in page


def test_the_exposure_audit_lists_posts_with_personal_details(cast):
    lines = [
        {
            "id": "1",
            "text": "Great to meet residents today!",
            "url": "https://social.example/@mp/1",
        },
        {
            "id": "2",
            "text": "Call me on 07700 900123 any time",
            "url": "https://social.example/@mp/2",
        },
    ]
    upload = SimpleUploadedFile(
        "posts.jsonl", "\n".join(json.dumps(line) for line in lines).encode(), "application/json"
    )
    client = signed_in_client(cast.manager.user)
    page = client.post(reverse("habits:exposure"), {"archive": upload}).content.decode()
    assert "1 of 2 posts give away personal details" in page
    assert "https://social.example/@mp/2" in page
    entry = AuditEntry.objects.get(action="habits.exposure.audited")
    assert entry.details == {"posts": 2, "exposed": 1}
    assert signed_in_client(cast.caseworker.user).get(reverse("habits:exposure")).status_code == 403
