from __future__ import annotations

import pytest

from civicshield.web.jobs.models import Job
from civicshield.web.jobs.services import run_job
from civicshield.web.publishing.demo import seed_demo_publishing
from civicshield.web.publishing.models import ConnectedAccount, Draft

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_state_on_demo_accounts_only(cast):
    seed_demo_publishing(cast.office_a)
    assert ConnectedAccount.objects.filter(is_demo=False).count() == 0
    states = set(Draft.objects.values_list("state", flat=True))
    assert states == {"draft", "in_review", "approved", "scheduled", "published", "rejected"}
    # The queued jobs change nothing more (the future post is not due yet).
    for job in Job.objects.filter(name="publishing.publish"):
        run_job(job.pk)
    states = set(Draft.objects.values_list("state", flat=True))
    assert states == {"draft", "in_review", "approved", "scheduled", "published", "rejected"}
