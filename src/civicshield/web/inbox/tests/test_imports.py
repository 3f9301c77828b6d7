from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicshield.web.inbox.models import ImportRun, Message
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db

CSV = b"id,author,text,posted_at\n1,@a,I know where you live,2026-11-01T10:00:00Z\n2,@b,,2026-11-01\n3,@c,hello,not a date\n4,@d,thanks,2026-11-02\n"


def test_an_upload_is_imported_in_the_background_with_bad_rows_listed(
    cast, django_capture_on_commit_callbacks, settings
):
    settings.JOBS_RUN_EAGERLY = True
    client = signed_in_client(cast.caseworker.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("inbox:import"),
            {
                "kind": "table",
                "platform": "facebook",
                "file": SimpleUploadedFile("abuse.csv", CSV),
            },
        )
    run = ImportRun.objects.get()
    assert response["Location"] == reverse("inbox:import_status", kwargs={"pk": run.pk})
    assert run.status == "done" and run.added == 2
    assert {e["id"] for e in run.errors} == {"2", "3"}
    assert set(Message.objects.values_list("platform", flat=True)) == {"facebook"}
    status = client.get(
        reverse("inbox:import_status", kwargs={"pk": run.pk}) + "?format=json"
    ).json()
    assert status["added"] == 2 and status["errors"] == 2


def test_an_oversized_upload_is_refused_with_a_clear_message(cast, monkeypatch):
    from civicshield.web.inbox import forms

    monkeypatch.setattr(forms, "MAX_IMPORT_BYTES", 10)
    client = signed_in_client(cast.caseworker.user)
    response = client.post(
        reverse("inbox:import"),
        {
            "kind": "table",
            "platform": "other",
            "file": SimpleUploadedFile("big.csv", CSV),
        },
    )
    assert response.status_code == 200 and "larger than" in response.content.decode()
    assert not ImportRun.objects.exists()
