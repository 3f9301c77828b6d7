from __future__ import annotations

from civicshield.web.jobs.registry import job


@job("emergency.send_notices", max_attempts=8)
def send_notices(*, incident_id: int) -> None:
    """Email the plan's contacts about an incident (each contact at most once)."""
    from civicshield.web.emergency.services import notices_send

    notices_send(incident_id=incident_id)
