from __future__ import annotations

import datetime as dt

from civicshield.web.jobs.registry import job


@job("habits.assessment_reminders", every=dt.timedelta(days=1))
def assessment_reminders() -> None:
    """Fan out a reminder check per office (a mail failure in one does not stop the others)."""
    from civicshield.web.accounts.models import Office
    from civicshield.web.jobs.services import enqueue

    for office in Office.objects.all():
        enqueue("habits.office_assessment_reminder", office=office, office_id=office.pk)


@job("habits.office_assessment_reminder")
def office_assessment_reminder(*, office_id: int) -> None:
    from civicshield.web.accounts.models import Office
    from civicshield.web.habits.services import assessment_remind

    assessment_remind(office=Office.objects.get(pk=office_id))
