"""The daily retention purge."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from civicshield.web.accounts.models import Office
from civicshield.web.dataprotection.retention import KINDS
from civicshield.web.dataprotection.services import purge_failed, purge_office
from civicshield.web.jobs.registry import job

log = logging.getLogger(__name__)

ERROR_SOME_OFFICES_FAILED = (
    "The retention purge failed for office(s) {ids} (0: the system audit log)."
)


class PurgeFailed(Exception):
    """Raised after every office had its turn, so the job is retried and marked failed."""


def _purge_system_audit_chain() -> None:
    """The audit entries that belong to no office (failed sign-ins of unknown addresses, server
    events) are kept for the audit log's default period, then purged like an office's."""
    from civicshield.web.audit.purge import audit_purge

    days = KINDS["audit_log"].default_days
    if days is not None:
        audit_purge(office=None, cutoff=timezone.now() - dt.timedelta(days=days))


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
    try:
        _purge_system_audit_chain()
    except Exception:  # noqa: BLE001 - reported like an office's failure, after the offices
        log.exception("retention purge of the system audit chain failed")
        failed.append(0)
    if failed:
        raise PurgeFailed(ERROR_SOME_OFFICES_FAILED.format(ids=", ".join(map(str, failed))))
