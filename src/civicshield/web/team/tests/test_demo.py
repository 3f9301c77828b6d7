from __future__ import annotations

import pytest

from civicshield.web.demo import seed_demo
from civicshield.web.emergency.models import EmergencyPlan
from civicshield.web.habits.services import bio_lines_for_office
from civicshield.web.team.models import PlatformAccount

pytestmark = pytest.mark.django_db


def test_a_fresh_demo_office_has_an_inventory_a_plan_and_checkin_hours():
    office = seed_demo()
    assert PlatformAccount.objects.filter(office=office).count() == 4
    assert EmergencyPlan.objects.get(office=office).contacts.count() > 10
    assert "Mon–Fri 9.30am–5pm" in bio_lines_for_office(office)["x"]
