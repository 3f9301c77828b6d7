"""Trusted contacts: CSV and vCard import (bad rows reported and skipped), add, remove."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicshield.web.accounts.roles import Role
from civicshield.web.audit.models import AuditEntry
from civicshield.web.mailguard.contacts_file import (
    ERROR_NO_ADDRESS,
    ERROR_NO_CARDS,
    ERROR_NO_EMAIL_COLUMN,
    ERROR_NOT_TEXT,
)
from civicshield.web.mailguard.models import TrustedContact
from civicshield.web.mailguard.services import office_trusted_directory
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db
IMPORT = reverse("mailguard:contacts_import")
PAGE = reverse("mailguard:contacts")

CSV = (
    "First Name,Last Name,E-mail Address,Mobile Phone\n"
    "Sarah,Jones,sarah.jones@parliament.uk,07700 900123\n"
    "Tom,Clerk,not-an-address,\n"
    ",,,\n"
    "Dev,Shah,dev.shah@council.gov.uk,\n"
)

VCARD = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Amira Khan\r\nN:Khan;Amira;;;\r\n"
    "EMAIL;TYPE=work:amira.khan@nhs.net\r\nTEL;TYPE=cell:+44 7700 900456\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Address Person\r\nTEL:0113 496 0000\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ben\r\n  Long-Name\r\nEMAIL:ben@example.org\r\nEND:VCARD\r\n"
)


def _import(client, name, data):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data)})


def test_a_csv_import_adds_good_rows_and_reports_bad_ones(cast):
    response = _import(signed_in_client(cast.manager.user), "contacts.csv", CSV.encode())
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 contact(s) added, 0 updated, 1 row(s) skipped" in page
    assert f"Skipped row 3: {ERROR_NO_ADDRESS}" in page
    sarah = TrustedContact.objects.get(email="sarah.jones@parliament.uk")
    assert (sarah.name, sarah.phone, sarah.source) == ("Sarah Jones", "07700 900123", "csv")
    assert TrustedContact.objects.filter(office=cast.office_a).count() == 2
    entry = AuditEntry.objects.get(action="mailguard.contacts.imported")
    assert entry.details == {"kind": "csv", "added": 2, "updated": 0, "skipped": 1}


def test_a_vcard_import_reads_names_addresses_and_phones(cast):
    response = _import(signed_in_client(cast.manager.user), "phone.vcf", VCARD.encode())
    page = response.content.decode()
    assert f"Skipped card 2 (No Address Person): {ERROR_NO_ADDRESS}" in page
    amira = TrustedContact.objects.get(email="amira.khan@nhs.net")
    assert (amira.name, amira.phone, amira.source) == ("Amira Khan", "+44 7700 900456", "vcard")
    assert TrustedContact.objects.get(email="ben@example.org").name == "Ben Long-Name"


def test_importing_again_updates_instead_of_duplicating(cast):
    client = signed_in_client(cast.manager.user)
    _import(client, "contacts.csv", CSV.encode())
    changed = CSV.replace("Sarah,Jones", "Sarah,Jones-Smith")
    page = _import(client, "contacts.csv", changed.encode()).content.decode()
    assert "0 contact(s) added, 1 updated" in page
    assert TrustedContact.objects.get(email="sarah.jones@parliament.uk").name == "Sarah Jones-Smith"


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("contacts.csv", b"Name,Phone\nSarah,0123\n", ERROR_NO_EMAIL_COLUMN),
        ("contacts.vcf", b"BEGIN:VCALENDAR\nEND:VCALENDAR\n", ERROR_NO_CARDS),
        ("contacts.csv", b"\x00\xff\x00\xd8binary" * 10, ERROR_NOT_TEXT),
    ],
)
def test_an_unreadable_file_is_refused_with_the_reason(cast, name, data, error):
    response = _import(signed_in_client(cast.manager.user), name, data)
    assert response.status_code == 400
    assert error.replace("'", "&#x27;") in response.content.decode()
    assert not TrustedContact.objects.exists()


def test_a_windows_1252_export_is_read(cast):
    data = "Name,Email\nZoë Brontë,zoe@example.org\n".encode("cp1252")
    _import(signed_in_client(cast.manager.user), "outlook.csv", data)
    assert TrustedContact.objects.get().name == "Zoë Brontë"


def test_imported_contacts_feed_the_phishing_checks(cast):
    _import(signed_in_client(cast.manager.user), "contacts.csv", CSV.encode())
    directory = office_trusted_directory(cast.office_a)
    assert directory.contact_for_address("sarah.jones@parliament.uk") == "Sarah Jones"
    assert "parliament.uk" in directory.own_domains


def test_a_contact_can_be_added_by_hand_and_removed(cast):
    client = signed_in_client(cast.manager.user)
    client.post(PAGE, {"name": "Jo Bloggs", "email": "Jo@Example.org", "phone": ""})
    contact = TrustedContact.objects.get()
    assert (contact.email, contact.source) == ("jo@example.org", "manual")
    response = client.post(reverse("mailguard:contact_delete", kwargs={"pk": contact.pk}))
    assert response.status_code == 302
    assert not TrustedContact.objects.exists()
    actions = list(AuditEntry.objects.values_list("action", flat=True).order_by("seq"))
    assert actions[-2:] == ["mailguard.contact.added", "mailguard.contact.deleted"]


@pytest.mark.parametrize("role", [Role.COMMS_OFFICER, Role.CASEWORKER, Role.VOLUNTEER])
def test_only_managers_manage_contacts(cast, role):
    client = signed_in_client(cast.by_role()[role].user)
    assert client.get(PAGE).status_code == 403
    assert _import(client, "contacts.csv", CSV.encode()).status_code == 403
    assert not TrustedContact.objects.exists()


def test_another_office_cannot_remove_a_contact(cast, sarah):
    url = reverse("mailguard:contact_delete", kwargs={"pk": sarah.pk})
    assert signed_in_client(cast.other_manager.user).post(url).status_code == 404
    assert TrustedContact.objects.filter(pk=sarah.pk).exists()


def test_the_team_counts_as_trusted_contacts(cast):
    """The representative and colleagues are who a spear-phisher pretends to be."""
    from civicshield.core.mail import analyse

    directory = office_trusted_directory(cast.office_a)
    assert directory.contact_for_address("alice@a.example") == "Alice Adams"
    assert directory.contact_for_address("bob@b.example") is None  # another office's staff
    raw = (
        b"From: Alice Adams <alice.adams.mp.office@gmail.com>\r\nTo: maya@a.example\r\n"
        b"Subject: Quick favour\r\n\r\nAre you at your desk? I need gift cards bought today.\r\n"
    )
    result = analyse(raw, trusted=directory)
    assert result.verdict == "phishing"
    assert "display_name.trusted_contact" in result.features
    page = signed_in_client(cast.manager.user).get(PAGE).content.decode()
    assert "Everyone on your" in page and reverse("team:staff") in page


def test_a_member_who_left_is_no_longer_a_trusted_contact(cast):
    cast.volunteer.is_active = False
    cast.volunteer.save()
    assert office_trusted_directory(cast.office_a).contact_for_address("vic@a.example") is None
