"""The daily retention purge."""

from __future__ import annotations

import datetime as dt
import logging

from civicshield.web.accounts.models import Office
from civicshield.web.dataprotection.services import purge_failed, purge_office
from civicshield.web.jobs.registry import job

log = logging.getLogger(__name__)

ERROR_SOME_OFFICES_FAILED = "The retention purge failed for office(s) {ids}."


class PurgeFailed(Exception):
    """Raised after every office had its turn, so the job is retried and marked failed."""


@job("dataprotection.purge", every=dt.timedelta(days=1), max_attempts=3)
def purge() -> None:
    failed: list[int] = []
    for office in Office.objects.all():
        try:
            purge_office(office)
        except Exception as exc:  # noqa: BLE001 - one office's failure must not stop the others
            log.exception("retention purge of office %s failed", office.pk)
            purge_failed(office, error=str(exc) or type(exc).__name__)
            failed.append(office.pk)
    if failed:
        raise PurgeFailed(ERROR_SOME_OFFICES_FAILED.format(ids=", ".join(map(str, failed))))
