"""The office's own domains: edited by managers, checked, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicshield.web.audit.models import AuditEntry
from civicshield.web.mailguard.services import ERROR_BAD_DOMAIN
from civicshield.web.testing import signed_in_client

pytestmark = pytest.mark.django_db
URL = reverse("mailguard:domains")


def test_a_manager_sets_the_own_domains(cast):
    client = signed_in_client(cast.manager.user)
    response = client.post(URL, {"domains": "parliament.uk\n@Example.GOV.uk, council.gov.uk."})
    assert response.status_code == 302
    cast.office_a.refresh_from_db()
    assert cast.office_a.own_domains == ["parliament.uk", "example.gov.uk", "council.gov.uk"]
    entry = AuditEntry.objects.get(action="mailguard.domains.updated")
    assert entry.details["before"] == ["parliament.uk"]


def test_a_bad_domain_is_refused_in_plain_words(cast):
    client = signed_in_client(cast.manager.user)
    response = client.post(URL, {"domains": "parliament.uk\nparliament_uk!"})
    assert response.status_code == 200
    expected = ERROR_BAD_DOMAIN.format(domain="parliament_uk!").replace("'", "&#x27;")
    assert expected in response.content.decode()
    cast.office_a.refresh_from_db()
    assert cast.office_a.own_domains == ["parliament.uk"]


def test_only_managers_change_domains(cast):
    assert signed_in_client(cast.caseworker.user).post(URL, {"domains": "x.org"}).status_code == 403
