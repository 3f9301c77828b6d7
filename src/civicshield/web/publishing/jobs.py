"""Background jobs of the publishing app: they load ids and call ``publish``'s services."""

from __future__ import annotations

import datetime as dt

from civicshield.web.jobs.registry import job


@job("publishing.publish", max_attempts=6)
def publish_job(*, draft_id: int) -> None:
    from civicshield.web.publishing.publish import draft_publish

    draft_publish(draft_id=draft_id)


@job("publishing.publish_due", every=dt.timedelta(minutes=5))
def publish_due_job() -> None:
    """Catches posts whose job was missed (office paused, then resumed; worker down)."""
    from civicshield.web.publishing.publish import publish_due

    publish_due()
