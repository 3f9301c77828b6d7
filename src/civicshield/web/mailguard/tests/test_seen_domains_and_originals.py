"""The office's record of the websites it deals with, and the kept originals encrypted at rest."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from civicshield.core.mail import analyse
from civicshield.web.encryption import decrypt_bytes
from civicshield.web.mailguard.models import ScannedEmail, SeenDomain
from civicshield.web.mailguard.services import (
    SEEN_DOMAINS_LEARNING,
    email_check,
    seen_domains,
    seen_domains_record,
)

pytestmark = pytest.mark.django_db


def email_with_link(url: str, *, sender: str = "jo@charity.org.uk") -> bytes:
    return (
        f"From: Jo <{sender}>\r\nTo: office@parliament.uk\r\nSubject: Our report\r\n"
        "Message-ID: <r@charity.org.uk>\r\nContent-Type: text/html\r\n\r\n"
        f'<p>Here is the annual report: <a href="{url}">read it</a></p>\r\n'
    ).encode()


def clean_rows(office, count: int) -> None:
    ScannedEmail.objects.bulk_create(
        [ScannedEmail(office=office, verdict="clean", raw_sha256=str(i)) for i in range(count)]
    )


def test_nothing_counts_as_never_seen_while_the_office_is_still_learning(cast):
    clean_rows(cast.office_a, SEEN_DOMAINS_LEARNING - 1)
    assert seen_domains(cast.office_a) is None
    clean_rows(cast.office_a, 1)
    assert seen_domains(cast.office_a) == set()


def test_clean_mail_teaches_its_domains_and_phishing_does_not(cast):
    scanned = email_check(
        member=cast.caseworker, raw=email_with_link("https://www.charity.org.uk/report")
    )
    assert scanned.verdict == "clean"
    assert set(SeenDomain.objects.values_list("domain", flat=True)) == {"charity.org.uk"}
    email_check(
        member=cast.caseworker,
        raw=email_with_link("http://185.22.44.10/login", sender="service@paypal.com").replace(
            b"Here is the annual report", b"Verify your account immediately"
        ),
    )
    assert not SeenDomain.objects.filter(domain="paypal.com").exists()


def test_a_link_to_a_domain_the_office_never_had_mail_from_is_pointed_out(cast):
    clean_rows(cast.office_a, SEEN_DOMAINS_LEARNING)
    seen_domains_record(cast.office_a, ["charity.org.uk"])
    known = email_check(
        member=cast.caseworker, raw=email_with_link("https://charity.org.uk/report")
    )
    assert "never seen" not in str(known.findings)
    new = email_check(member=cast.caseworker, raw=email_with_link("https://reports-hub.net/x"))
    assert "never seen in this office's mail before" in str(new.findings)
    # Counted per office: another office has learnt nothing from this one.
    assert seen_domains(cast.office_b) is None


def test_recording_again_counts_messages_and_keeps_first_seen(cast):
    seen_domains_record(cast.office_a, ["charity.org.uk"])
    first = SeenDomain.objects.get()
    seen_domains_record(cast.office_a, ["charity.org.uk", "gov.uk"])
    again = SeenDomain.objects.get(domain="charity.org.uk")
    assert again.messages == 2 and again.first_seen == first.first_seen
    assert SeenDomain.objects.count() == 2


def test_the_engine_lists_sender_and_link_domains_without_raw_addresses():
    raw = email_with_link("https://www.charity.org.uk/report").replace(
        b"</a>", b'</a> <a href="http://185.22.44.10/">x</a>'
    )
    assert analyse(raw).domains == ("charity.org.uk",)


def test_kept_originals_are_encrypted_in_the_database(cast):
    raw = email_with_link("https://charity.org.uk/report")
    scanned = email_check(member=cast.caseworker, raw=raw)
    with connection.cursor() as cursor:
        cursor.execute("SELECT raw FROM mailguard_scannedemail WHERE id = %s", [scanned.pk])
        stored = bytes(cursor.fetchone()[0])
    assert b"annual report" not in stored and b"charity.org.uk" not in stored
    assert decrypt_bytes(stored) == raw
    assert bytes(ScannedEmail.objects.get(pk=scanned.pk).raw) == raw


def test_the_migration_encrypts_originals_stored_in_plain(cast):
    import importlib

    migration = importlib.import_module(
        "civicshield.web.mailguard.migrations.0002_seen_domains_encrypted_originals"
    )
    scanned = ScannedEmail.objects.create(office=cast.office_a, verdict="phishing")
    plain = email_with_link("https://charity.org.uk/report")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE mailguard_scannedemail SET raw = %s WHERE id = %s",
            [plain, scanned.pk],
        )

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    migration.encrypt_kept_originals(None, editor)
    migration.encrypt_kept_originals(None, editor)  # twice: already-encrypted rows are left alone
    assert bytes(ScannedEmail.objects.get(pk=scanned.pk).raw) == plain


def test_key_rotation_re_encrypts_kept_originals(cast, monkeypatch):
    from cryptography.fernet import Fernet

    from civicshield.web.encryption import reset_keys_cache

    old = Fernet.generate_key().decode()
    monkeypatch.setenv("CIVICSHIELD_ENCRYPTION_KEYS", old)
    reset_keys_cache()
    raw = email_with_link("https://charity.org.uk/report")
    scanned = email_check(member=cast.caseworker, raw=raw)
    new = Fernet.generate_key().decode()
    monkeypatch.setenv("CIVICSHIELD_ENCRYPTION_KEYS", f"{new},{old}")
    reset_keys_cache()
    call_command("rotate_encryption_key")
    monkeypatch.setenv("CIVICSHIELD_ENCRYPTION_KEYS", new)
    reset_keys_cache()
    try:
        assert bytes(ScannedEmail.objects.get(pk=scanned.pk).raw) == raw
    finally:
        monkeypatch.delenv("CIVICSHIELD_ENCRYPTION_KEYS")
        reset_keys_cache()


def test_the_domains_page_says_what_has_been_learnt(cast):
    from django.urls import reverse

    from civicshield.web.testing import signed_in_client

    client = signed_in_client(cast.manager.user)
    page = client.get(reverse("mailguard:domains")).content.decode()
    assert "still learning" in page and f"0 of {SEEN_DOMAINS_LEARNING}" in page
    clean_rows(cast.office_a, SEEN_DOMAINS_LEARNING)
    seen_domains_record(cast.office_a, ["charity.org.uk", "<b>x.example</b>"])
    page = client.get(reverse("mailguard:domains")).content.decode()
    assert "has learnt 2 websites" in page and "charity.org.uk" in page
    assert "<b>x.example</b>" not in page  # escaped like everything else
