from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicshield.web.audit.models import AuditEntry
from civicshield.web.habits import impersonation as engine
from civicshield.web.team import services as team
from civicshield.web.testing import signed_in_client

TODAY = dt.date(2026, 11, 27)
PROTECTED = engine.Protected(
    handles=("@JaneMorganMP", "@janemorgan@mastodon.social"), names=("Jane Morgan", "Priya Shah")
)


@pytest.mark.parametrize(
    "handle",
    ["@JaneMorganMP_", "@JaneM0rganMP", "@Jane_Morgan_MP", "@JaneMorganMPoffice", "@JaneMorgamMP"],
)
def test_lookalike_handles_are_caught(handle):
    suspect = engine.check_account(engine.Account(handle=handle), PROTECTED, TODAY)
    assert suspect is not None
    assert "handle" in suspect.reasons[0]


@pytest.mark.parametrize(
    "handle", ["@JaneMorganMP", "@janemorganmp", "@janemorgan@mastodon.social"]
)
def test_the_offices_own_handles_are_not_suspects(handle):
    assert engine.check_account(engine.Account(handle=handle), PROTECTED, TODAY) is None


def test_an_unrelated_account_is_not_listed():
    account = engine.Account(handle="@gardening_fan", display_name="Sam", created=TODAY)
    assert engine.check_account(account, PROTECTED, TODAY) is None


def test_a_copied_display_name_with_official_words_and_a_new_account():
    account = engine.Account(
        handle="@totally_different",
        display_name="Jane Morgan MP (Official)",
        created=TODAY - dt.timedelta(days=3),
    )
    suspect = engine.check_account(account, PROTECTED, TODAY)
    assert suspect is not None
    text = " ".join(suspect.reasons)
    assert "same as Jane Morgan's" in text
    assert "claims to be official" in text
    assert "created 3 day(s) ago" in text


def test_cyrillic_letters_in_the_name_do_not_hide_it():
    account = engine.Account(handle="@x", display_name="Jаne Mоrgan")  # Cyrillic а and о
    assert engine.check_account(account, PROTECTED, TODAY) is not None


def test_being_new_alone_is_not_a_reason():
    account = engine.Account(handle="@newbie", display_name="New Person", created=TODAY)
    assert engine.check_account(account, PROTECTED, TODAY) is None


def test_suspects_are_ordered_strongest_first():
    accounts = [
        engine.Account(handle="@JaneMorganMP_"),
        engine.Account(handle="@JaneMorganMP1", display_name="Jane Morgan", created=TODAY),
    ]
    suspects = engine.check_accounts(accounts, PROTECTED, TODAY)
    assert [s.account.handle for s in suspects] == ["@JaneMorganMP1", "@JaneMorganMP_"]


def test_bad_rows_are_reported_and_others_read():
    accounts, errors = engine.read_accounts(b'{"handle": "@a"}\n[1]\n{"name": "no handle"}\n')
    assert [a.handle for a in accounts] == ["@a"]
    assert len(errors) == 2
    with pytest.raises(ValueError, match="could not be read"):
        engine.read_accounts(b"name\nx\n")


@pytest.mark.django_db
def test_the_page_lists_suspects_with_reasons(cast):
    team.account_create(actor=cast.manager, platform="x", name="X", handle="@AliceAdamsMP")
    rows = [
        {
            "handle": "@AliceAdamsMP_",
            "display_name": "Alice Adams MP",
            "url": "https://x.example/AliceAdamsMP_",
        },
        {"handle": "@neighbour", "display_name": "A neighbour"},
    ]
    upload = SimpleUploadedFile("followers.jsonl", "\n".join(json.dumps(r) for r in rows).encode())
    client = signed_in_client(cast.manager.user)
    page = client.post(reverse("habits:impersonation"), {"followers": upload}).content.decode()
    assert "1 of 2 accounts may be impersonating" in page
    assert "same as Alice Adams" in page
    assert AuditEntry.objects.get(action="habits.impersonation.checked").details == {
        "accounts": 2,
        "suspects": 1,
    }
    assert (
        signed_in_client(cast.caseworker.user).get(reverse("habits:impersonation")).status_code
        == 403
    )


@pytest.mark.django_db
def test_the_offices_known_contacts_are_protected_too(cast):
    from civicshield.web.mailguard.models import TrustedContact

    TrustedContact.objects.create(office=cast.office_a, name="Sarah Jones", email="s@parliament.uk")
    upload = SimpleUploadedFile(
        "followers.jsonl",
        json.dumps({"handle": "@sj_real", "display_name": "Sarah Jones"}).encode(),
    )
    page = (
        signed_in_client(cast.manager.user)
        .post(reverse("habits:impersonation"), {"followers": upload})
        .content.decode()
    )
    assert "same as Sarah Jones" in page
