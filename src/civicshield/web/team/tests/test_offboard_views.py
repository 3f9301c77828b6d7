from __future__ import annotations

import pytest
from django.urls import reverse

from civicshield.web.audit.models import AuditEntry
from civicshield.web.team import offboarding, services
from civicshield.web.testing import reauthenticated_client, signed_in_client

pytestmark = pytest.mark.django_db


def test_it_asks_to_confirm_identity_first(cast):
    client = signed_in_client(cast.manager.user)
    response = client.get(reverse("team:offboard", kwargs={"pk": cast.caseworker.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))


def test_it_offboards_and_shows_the_record(cast):
    services.account_create(
        actor=cast.manager, platform="facebook", name="Constituency page", access=[cast.caseworker]
    )
    client = reauthenticated_client(cast.manager.user)
    url = reverse("team:offboard", kwargs={"pk": cast.caseworker.pk})
    assert "Constituency page" in client.get(url).content.decode()
    response = client.post(url, {"reason": "Moved on", "confirm": "on"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Change the password of Constituency page" in page
    assert AuditEntry.objects.filter(action="team.member.offboarded").exists()


def test_it_needs_the_confirmation_tick(cast):
    client = reauthenticated_client(cast.manager.user)
    url = reverse("team:offboard", kwargs={"pk": cast.caseworker.pk})
    response = client.post(url, {"reason": "Moved on"})
    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    cast.caseworker.refresh_from_db()
    assert cast.caseworker.is_active


@pytest.mark.parametrize("role", ["comms", "caseworker", "volunteer"])
def test_weaker_roles_are_refused(cast, role):
    client = reauthenticated_client(getattr(cast, role).user)
    url = reverse("team:offboard", kwargs={"pk": cast.volunteer.pk})
    assert client.get(url).status_code == 403


def test_the_record_is_office_private(cast):
    record = offboarding.member_offboard(actor=cast.manager, membership=cast.volunteer)
    url = reverse("team:offboarding_record", kwargs={"pk": record.pk})
    assert signed_in_client(cast.manager.user).get(url).status_code == 200
    assert signed_in_client(cast.other_manager.user).get(url).status_code == 404


def test_the_staff_page_changes_roles_with_an_audit_entry(cast):
    client = signed_in_client(cast.manager.user)
    url = reverse("team:change_role", kwargs={"pk": cast.volunteer.pk})
    client.post(url, {"role": "caseworker", "on_call": "on"})
    cast.volunteer.refresh_from_db()
    assert cast.volunteer.role == "caseworker"
    assert cast.volunteer.on_call
    assert AuditEntry.objects.filter(action="accounts.membership.changed").exists()
    assert (
        signed_in_client(cast.comms.user).post(url, {"role": "office_manager"}).status_code == 403
    )


# --- Cancel ------------------------------------------------------------------------------------


def _cancel_target(page: str) -> str:
    import re

    match = re.search(r'<a class="button secondary" href="([^"]*)">Cancel</a>', page)
    assert match, "no Cancel link"
    return match.group(1)


def test_cancel_goes_back_to_the_staff_page_by_default(cast):
    client = reauthenticated_client(cast.manager.user)
    url = reverse("team:offboard", kwargs={"pk": cast.caseworker.pk})
    assert _cancel_target(client.get(url).content.decode()) == reverse("team:staff")
    # Just back from "Confirm it's you": that page is no place to return to.
    after_reauth = client.get(url, HTTP_REFERER="http://testserver" + reverse("accounts:reauth"))
    assert _cancel_target(after_reauth.content.decode()) == reverse("team:staff")
    off_site = client.get(url, HTTP_REFERER="https://evil.example/team/review/")
    assert _cancel_target(off_site.content.decode()) == reverse("team:staff")


def test_cancel_returns_to_the_access_review_through_confirming_identity(cast):
    from django_otp.oath import totp

    from civicshield.web.testing import PASSWORD, confirmed_totp

    services.access_review_start(office=cast.office_a, actor=cast.manager)
    client = signed_in_client(cast.manager.user)
    review = client.get(reverse("team:review")).content.decode()
    link = reverse("team:offboard", kwargs={"pk": cast.caseworker.pk}) + "?back=/team/review/"
    assert f'href="{link}"' in review
    to_reauth = client.get(link, HTTP_REFERER="http://testserver/team/review/")
    reauth_page = client.get(to_reauth["Location"], HTTP_REFERER="http://testserver/team/review/")
    assert _cancel_target(reauth_page.content.decode()) == "/team/review/"
    device = confirmed_totp(cast.manager.user)
    confirmed = client.post(
        to_reauth["Location"], {"password": PASSWORD, "code": f"{totp(device.bin_key):06d}"}
    )
    assert confirmed["Location"] == link
    page = client.get(link, HTTP_REFERER="http://testserver" + to_reauth["Location"])
    assert _cancel_target(page.content.decode()) == "/team/review/"


def test_a_wrong_form_keeps_the_way_back(cast):
    client = reauthenticated_client(cast.manager.user)
    url = reverse("team:offboard", kwargs={"pk": cast.caseworker.pk})
    response = client.post(url, {"reason": "Moved on", "back": "/team/review/"})
    assert "Tick the box" in response.content.decode()
    assert _cancel_target(response.content.decode()) == "/team/review/"
