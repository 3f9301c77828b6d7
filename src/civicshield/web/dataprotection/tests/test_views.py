"""The data protection page and the legal-hold panels on the inbox's pages."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from civicshield.web.accounts.reauth import REAUTH_SESSION_KEY
from civicshield.web.audit.models import AuditEntry
from civicshield.web.dataprotection import services
from civicshield.web.dataprotection.forms import ERROR_CONFIRM, ERROR_DAYS_OR_KEEP
from civicshield.web.dataprotection.jobs import PurgeFailed, purge
from civicshield.web.dataprotection.models import LastPurge, LegalHold, RetentionSetting
from civicshield.web.inbox.models import Author, Message
from civicshield.web.testing import make_message, signed_in_client

pytestmark = pytest.mark.django_db
INDEX = reverse("dataprotection:index")


@pytest.fixture
def manager(cast):
    return signed_in_client(cast.manager.user)


def _reauthenticated(client):
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    return client


def test_it_lists_each_kind_with_its_period_and_says_the_purge_has_not_run(manager):
    page = manager.get(INDEX).content.decode()
    assert "Dismissed inbox messages" in page and "180 days" in page
    assert "Email check findings" in page and "90 days" in page
    assert "Evidence" in page and page.count("Never deleted automatically") == 1
    # A form for each kind that is purged: dismissed messages, audit log, email findings.
    assert page.count('name="days"') == 3
    assert 'min="365"' in page  # the audit log's shortest period
    assert "The daily purge has not run yet" in page


def test_the_page_is_linked_from_the_navigation_for_managers_only(cast, manager):
    assert f'href="{INDEX}"' in manager.get(reverse("dashboard")).content.decode()
    caseworker = signed_in_client(cast.caseworker.user)
    assert f'href="{INDEX}"' not in caseworker.get(reverse("dashboard")).content.decode()
    assert caseworker.get(INDEX).status_code == 403


def test_changing_a_period_is_validated_and_audited(cast, manager):
    url = reverse("dataprotection:retention")
    response = manager.post(url, {"kind": "inbox.dismissed_messages", "days": ""}, follow=True)
    assert ERROR_DAYS_OR_KEEP in response.content.decode()
    assert not RetentionSetting.objects.exists()
    manager.post(url, {"kind": "inbox.dismissed_messages", "days": "30"})
    assert services.retention_days(cast.office_a, "inbox.dismissed_messages") == 30
    manager.post(url, {"kind": "mailguard.findings", "days": "5", "keep": "on"})
    assert services.retention_days(cast.office_a, "mailguard.findings") is None
    # Evidence has no automatic purge, so no period can be set for it.
    manager.post(url, {"kind": "evidence", "days": "1"})
    assert services.retention_days(cast.office_a, "evidence") is None
    changes = AuditEntry.objects.filter(action="dataprotection.retention.changed")
    assert [e.details["days"] for e in changes.order_by("seq")] == [30, None]
    assert "30 days" in manager.get(INDEX).content.decode()


def test_the_page_shows_the_last_purge_and_what_it_deleted(cast, manager):
    message = make_message(cast.office_a, "old and dismissed")
    Message.objects.filter(pk=message.pk).update(
        state=Message.State.DISMISSED, state_changed_at=timezone.now() - dt.timedelta(days=200)
    )
    services.purge_office(cast.office_a)
    page = manager.get(INDEX).content.decode()
    assert "Last purge:" in page and "dismissed inbox messages, 1." in page
    LastPurge.objects.filter(office=cast.office_a).update(
        ran_at=timezone.now() - dt.timedelta(days=3)
    )
    assert "has not run for more than two days" in manager.get(INDEX).content.decode()


def test_a_failed_purge_is_shown_and_the_other_offices_still_run(cast, manager, monkeypatch):
    def fail_for_office_a(office):
        if office == cast.office_a:
            raise RuntimeError("disk full")
        return services.purge_office(office)

    monkeypatch.setattr("civicshield.web.dataprotection.jobs.purge_office", fail_for_office_a)
    with pytest.raises(PurgeFailed):
        purge()
    assert LastPurge.objects.get(office=cast.office_b).error == ""
    assert "could not finish: disk full" in manager.get(INDEX).content.decode()


def test_a_hold_is_placed_from_the_author_page_and_lifted_from_the_page(cast, manager):
    author = make_message(cast.office_a, "I know where you live", author="@suspect").author
    author_url = reverse("inbox:author", args=[author.pk])
    assert "Place a legal hold" in manager.get(author_url).content.decode()
    response = manager.post(
        reverse("dataprotection:hold_author", args=[author.pk]),
        {"reason": "Police ref <b>CAD-42</b>", "next": author_url},
    )
    assert response.status_code == 302 and response["Location"] == author_url
    hold = LegalHold.objects.get(author=author, lifted_at__isnull=True)
    assert AuditEntry.objects.filter(action="dataprotection.hold.placed").count() == 1
    for page in (manager.get(author_url), manager.get(INDEX)):
        html = page.content.decode()
        assert "Police ref &lt;b&gt;CAD-42&lt;/b&gt;" in html and "<b>CAD-42" not in html
    manager.post(reverse("dataprotection:hold_lift", args=[hold.pk]))
    hold.refresh_from_db()
    assert hold.lifted_at is not None
    assert "Lifted" in manager.get(INDEX).content.decode()
    # Lifting twice changes nothing and records nothing more.
    manager.post(reverse("dataprotection:hold_lift", args=[hold.pk]))
    assert AuditEntry.objects.filter(action="dataprotection.hold.lifted").count() == 1


def test_a_hold_needs_a_reason_and_may_sit_on_one_message(cast, manager):
    message = make_message(cast.office_a, "Threat")
    url = reverse("dataprotection:hold_message", args=[message.pk])
    manager.post(url, {"reason": ""})
    assert not LegalHold.objects.exists()
    manager.post(url, {"reason": "Court order"})
    assert LegalHold.objects.get().message == message
    page = manager.get(reverse("inbox:message", args=[message.pk])).content.decode()
    assert "Under legal hold" in page and "Court order" in page


def test_an_offsite_next_is_ignored(cast, manager):
    message = make_message(cast.office_a, "Threat")
    response = manager.post(
        reverse("dataprotection:hold_message", args=[message.pk]),
        {"reason": "Court order", "next": "https://evil.example/"},
    )
    assert response["Location"] == INDEX


def test_the_hold_panel_is_only_for_managers(cast):
    author = make_message(cast.office_a).author
    page = signed_in_client(cast.caseworker.user).get(reverse("inbox:author", args=[author.pk]))
    assert page.status_code == 200
    assert "Place a legal hold" not in page.content.decode()


def test_the_account_search_finds_only_this_offices_accounts(cast, manager):
    make_message(cast.office_a, "x", author="@searched_for")
    make_message(cast.office_b, "x", author="@searched_elsewhere")
    page = manager.get(INDEX, {"q": "searched"}).content.decode()
    assert "@searched_for" in page and "@searched_elsewhere" not in page
    assert "No account matches" in manager.get(INDEX, {"q": "nobody"}).content.decode()


def test_an_account_export_downloads_a_zip_and_is_audited(cast, manager):
    author = make_message(cast.office_a, "Resign now", author="@subject").author
    response = manager.post(reverse("dataprotection:export_author", args=[author.pk]))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert json.loads(archive.read("author.json"))["handle"] == "@subject"
    assert AuditEntry.objects.filter(action="dataprotection.author.exported").count() == 1
    assert manager.get(reverse("dataprotection:export_author", args=[author.pk])).status_code == 405


def test_a_staff_export_downloads_a_zip(cast, manager):
    response = manager.post(reverse("dataprotection:export_person", args=[cast.caseworker.pk]))
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert json.loads(archive.read("account.json"))["email"] == cast.caseworker.user.email


def test_erasure_asks_for_the_password_again_then_a_confirmation(cast, manager):
    author = make_message(cast.office_a, "Resign now", author="@erase_me").author
    url = reverse("dataprotection:erase_author", args=[author.pk])
    response = manager.post(url, {"confirm": "on"})
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:reauth")
    )
    assert Author.objects.filter(pk=author.pk).exists()
    _reauthenticated(manager)
    assert "1 message" in manager.get(url).content.decode()
    assert ERROR_CONFIRM in manager.post(url, {}).content.decode()
    assert Author.objects.filter(pk=author.pk).exists()
    response = manager.post(url, {"confirm": "on"}, follow=True)
    assert "@erase_me and 1 message were erased." in response.content.decode()
    assert not Author.objects.filter(pk=author.pk).exists()
    assert AuditEntry.objects.filter(action="dataprotection.author.erased").count() == 1


def test_erasure_is_refused_in_plain_words_while_held(cast, manager):
    message = make_message(cast.office_a, "I know where you live", author="@held")
    services.legal_hold_place(member=cast.manager, reason="Police", message=message)
    url = reverse("dataprotection:erase_author", args=[message.author_id])
    _reauthenticated(manager)
    page = manager.get(url).content.decode()
    assert "1 of the messages are under a legal hold" in page
    assert "Erase for good" not in page
    manager.post(url, {"confirm": "on"})
    assert Message.objects.filter(pk=message.pk).exists()
    assert not AuditEntry.objects.filter(action="dataprotection.author.erased").exists()
