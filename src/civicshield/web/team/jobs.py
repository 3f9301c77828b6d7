"""Team jobs: overdue-task reminders and access reviews, checked regularly for every office."""

from __future__ import annotations

import datetime as dt

from civicshield.web.jobs.registry import job


@job("team.reminders", every=dt.timedelta(hours=6))
def reminders() -> None:
    """Fan out one job per office, so a mail failure in one office does not hold up the others."""
    from civicshield.web.accounts.models import Office
    from civicshield.web.jobs.services import enqueue

    for office in Office.objects.all():
        enqueue("team.office_reminders", office=office, office_id=office.pk)


@job("team.office_reminders")
def office_reminders(*, office_id: int) -> None:
    """Email overdue tasks and due access reviews (each at most once a day, so retries are safe)."""
    from civicshield.web.accounts.models import Office
    from civicshield.web.team import services

    office = Office.objects.get(pk=office_id)
    services.overdue_tasks_remind(office=office)
    services.access_reviews_run(office=office)
