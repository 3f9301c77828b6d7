"""Pages say things in staff's words: how sure a check is, what offboarding does, where to
turn for checking an evidence pack. No "score 0.97", "classifier", "revoke their tokens" or
command lines on ordinary staff's pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicshield.web.testing import make_message, reauthenticated_client, signed_in_client
from civicshield.web.wording import how_sure

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("score", "words"),
    [
        (0.97, "97 out of 100"),
        (0.5, "50 out of 100"),
        (0.49, "49 out of 100"),
        (0.0, "0 out of 100"),
    ],
)
def test_how_sure_reads_as_a_mark_out_of_100(score, words):
    assert how_sure(score) == words


def test_the_message_page_says_how_sure_and_asks_in_plain_words(cast):
    message = make_message(cast.office_a, "I know where you live and I will hurt you")
    assert message.reasons, "the threat should be flagged, so its score is shown"
    page = (
        signed_in_client(cast.caseworker.user)
        .get(reverse("inbox:message", kwargs={"pk": message.pk}))
        .content.decode()
    )
    assert f"How sure CivicShield is that it is abuse: {how_sure(message.score)}." in page
    assert "Has CivicShield got this wrong?" in page
    assert "Score " not in page and "classifier" not in page.lower()


def test_the_email_page_says_how_sure(cast):
    from civicshield.web.mailguard.models import ScannedEmail

    scanned = ScannedEmail.objects.create(
        office=cast.office_a,
        subject="Invoice",
        verdict="phishing",
        score=0.97,
        scanned_by=cast.caseworker,
        raw=b"From: a@b.example\r\nSubject: Invoice\r\n\r\nPay now.\r\n",
    )
    page = (
        signed_in_client(cast.caseworker.user)
        .get(reverse("mailguard:email", kwargs={"pk": scanned.pk}))
        .content.decode()
    )
    assert "how sure CivicShield is that it is phishing: 97 out of 100" in page
    assert "score 0.97" not in page.lower()


def test_the_offboard_page_says_what_really_happens(cast):
    page = (
        reauthenticated_client(cast.manager.user)
        .get(reverse("team:offboard", kwargs={"pk": cast.caseworker.pk}))
        .content.decode()
    )
    assert "revoke their tokens" not in page
    assert "sign them out of CivicShield everywhere, at once" in page
    # API tokens go whether or not the person works for another office, as member_offboard does.
    assert "cancel the API tokens they created for it" in page
    assert "remove their two-factor sign-in and close their CivicShield account" in page
    assert "renew each social media connection they set up" in page


def test_the_evidence_page_has_no_command_line_for_staff(cast):
    page = signed_in_client(cast.caseworker.user).get(reverse("evidence:index")).content.decode()
    assert "civicshield evidence verify" not in page and "<code>" not in page
    assert "the PDF summary inside each pack explains how" in page
    assert "ask whoever runs CivicShield for your office" in page
