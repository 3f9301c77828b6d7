"""Background jobs of the evidence app."""

from __future__ import annotations

from civicshield.web.evidence import services
from civicshield.web.evidence.models import EvidenceRecord
from civicshield.web.jobs.registry import job


@job("evidence.screenshot", max_attempts=1)
def screenshot(*, record_id: int) -> None:
    """Screenshot a record's post and profile page; failures are stored, never retried blindly."""
    record = EvidenceRecord.objects.select_related("office").get(pk=record_id)
    services.evidence_screenshots_take(record=record)
