from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from civicshield.web.accounts.validators import WEAK_PASSWORD_ADVICE
from civicshield.web.testing import PASSWORD, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("weak", ["Password123!", "qwertyuiop12", "letmein2024!"])
def test_it_refuses_weak_passwords_and_suggests_three_random_words(cast, weak):
    with pytest.raises(ValidationError) as caught:
        validate_password(weak, cast.representative.user)
    assert WEAK_PASSWORD_ADVICE in " ".join(caught.value.messages)


def test_it_refuses_a_password_built_from_the_persons_name(cast):
    with pytest.raises(ValidationError):
        validate_password("alice.adams1970", cast.representative.user)


def test_it_accepts_three_random_words(cast):
    validate_password("marble-trumpet-cactus", cast.representative.user)


def test_change_password_page_refuses_a_weak_one_and_audits_a_good_one(cast):
    client = signed_in_client(cast.comms.user)
    url = reverse("accounts:security")
    weak = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "password1234",
            "new_password2": "password1234",
        },
    )
    assert escape(WEAK_PASSWORD_ADVICE) in weak.content.decode()
    good = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "velvet-harbour-pickle",
            "new_password2": "velvet-harbour-pickle",
        },
    )
    assert good.status_code == 302
    from civicshield.web.audit.models import AuditEntry

    assert AuditEntry.objects.filter(
        action="accounts.password.changed", actor=cast.comms.user
    ).exists()
