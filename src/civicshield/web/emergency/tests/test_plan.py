from __future__ import annotations

import pytest
from django.urls import reverse

from civicshield.web.accounts.services import NotAllowed
from civicshield.web.audit.models import AuditEntry
from civicshield.web.emergency import services
from civicshield.web.emergency.models import PlaybookKind
from civicshield.web.testing import reauthenticated_client, signed_in_client

pytestmark = pytest.mark.django_db


def test_a_new_plan_starts_with_uk_contacts_and_every_playbook(cast):
    plan = services.plan_for_office(cast.office_a)
    names = [c.name for c in plan.contacts.all()]
    assert names[0] == "Police (emergency)"
    text = " ".join(f"{c.name} {c.phone} {c.email} {c.url} {c.when}" for c in plan.contacts.all())
    for expected in (
        "999",
        "101",
        "Report Fraud",
        "0300 123 2040",
        "Police Scotland",
        "report@phishing.gov.uk",
        "report.ncsc.gov.uk",
        "ICO",
        "candidate security",
        "Parliamentary security",
        "The party",
        "IT support",
    ):
        assert expected in text, expected
    assert "Action Fraud in December 2025" in text
    assert {p.kind for p in plan.playbooks.all()} == set(PlaybookKind.values)
    hacked = plan.playbooks.get(kind=PlaybookKind.HACKED_ACCOUNT).step_list()
    assert any("forwarding rules" in step for step in hacked)
    assert services.plan_for_office(cast.office_a).pk == plan.pk


def test_only_the_offices_own_people_are_emailed_automatically(cast):
    plan = services.plan_for_office(cast.office_a)
    notified = {c.email for c in plan.contacts.all() if c.notify_on_incident}
    assert notified == {cast.representative.user.email, cast.manager.user.email}
    public = plan.contacts.get(email="report@phishing.gov.uk")
    assert not public.notify_on_incident


def test_editing_the_plan_needs_the_role_and_is_audited(cast):
    plan = services.plan_for_office(cast.office_a)
    playbook = plan.playbooks.all()[0]
    with pytest.raises(NotAllowed):
        services.playbook_update(actor=cast.caseworker, playbook=playbook, steps="x")
    services.playbook_update(actor=cast.manager, playbook=playbook, steps="First\n\n Second ")
    assert playbook.step_list() == ["First", "Second"]
    assert AuditEntry.objects.filter(action="emergency.playbook.changed").exists()
    with pytest.raises(NotAllowed):
        services.contact_save(actor=cast.other_manager, contact=plan.contacts.first(), name="x")


def test_edit_pages_ask_to_confirm_identity(cast):
    contact = services.plan_for_office(cast.office_a).contacts.all()[0]
    url = reverse("emergency:contact_edit", kwargs={"pk": contact.pk})
    response = signed_in_client(cast.manager.user).get(url)
    assert response["Location"].startswith(reverse("accounts:reauth"))
    client = reauthenticated_client(cast.manager.user)
    response = client.post(url, {"position": 1, "name": "Police now", "when": "", "phone": "999"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "Police now"
    assert reauthenticated_client(cast.caseworker.user).get(url).status_code == 403


def test_everyone_can_read_the_plan(cast):
    page = signed_in_client(cast.volunteer.user).get(reverse("emergency:plan")).content.decode()
    assert "Report Fraud" in page
    assert "Start incident mode" not in page


def test_the_plan_downloads_as_a_pdf(cast):
    from civicshield.web.team import services as team

    team.account_create(
        actor=cast.manager, platform="x", name="X", recovery_url="https://help.x.example/recover"
    )
    response = signed_in_client(cast.caseworker.user).get(reverse("emergency:plan_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_making_the_pdf_leaves_pillows_truncated_image_setting_alone(cast):
    from PIL import ImageFile

    from civicshield.web.emergency.pdf import plan_pdf

    plan_pdf(services.plan_for_office(cast.office_a))
    # Pillow's default; the privacy scanner relies on it to refuse damaged photos.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
