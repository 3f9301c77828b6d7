"""The daily retention purge."""

from __future__ import annotations

import datetime as dt

from civicshield.web.accounts.models import Office
from civicshield.web.dataprotection.services import purge_office
from civicshield.web.jobs.registry import job


@job("dataprotection.purge", every=dt.timedelta(days=1), max_attempts=3)
def purge() -> None:
    for office in Office.objects.all():
        purge_office(office)
