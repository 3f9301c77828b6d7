"""Checked emails past the office's retention period for email check findings (issue #8).

A checked email's row holds its findings, sender and subject (and, for 30 days, the original;
``services.scanned_raw_purge`` deletes that sooner). After the retention period the whole row
goes. Kept on purpose: any row another table protects (``on_delete=PROTECT``), so a future
evidence link keeps its email. Forwarding audit runs are not findings about email: every run
is kept, so the office can show it looked (``ForwardingAuditRun``).

A mailbox watcher that meets a deleted email again (its folder was rebuilt, so it scans from
the start) stores a fresh row for it; nothing else depends on the old rows.
"""

from __future__ import annotations

import datetime as dt

from civicshield.web.accounts.models import Office
from civicshield.web.dataprotection.retention import protected_by_references, retention_kind
from civicshield.web.mailguard.models import ScannedEmail


@retention_kind("mailguard.findings", label="Email check findings", default_days=90)
def purge_scanned_emails(office: Office, cutoff: dt.datetime) -> int:
    old = ScannedEmail.objects.filter(office=office, scanned_at__lt=cutoff)
    _, per_model = old.exclude(protected_by_references(ScannedEmail)).delete()
    return int(per_model.get("mailguard.ScannedEmail", 0))
