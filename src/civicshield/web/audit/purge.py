"""Deleting audit entries past their retention period without breaking ``audit verify``.

Each office's log is one hash chain, so deleting its oldest entries would look exactly like
tampering. The purge removes only a *prefix* of a chain, and writes down what it removed:

1. It checks the chain from its start up to the first entry it will keep, and refuses to
   delete anything from a chain that is already broken there (that would destroy the proof).
2. It appends a checkpoint entry, ``audit.purged``, hashed into the chain like any other,
   whose details record the range removed (``removed_from`` to ``removed_to``) and the hash of
   the last removed entry (``last_removed_hash``: the ``prev_hash`` the new first entry has).
3. In the same transaction it deletes exactly that range, with one raw DELETE (the ORM refuses
   to delete entries). On PostgreSQL the trigger refuses any DELETE unless the transaction-local
   setting ``civicshield.audit_purge`` names the chain and a checkpoint entry, and the row lies
   inside that checkpoint's range; the purge sets it with ``set_config(..., true)`` (like
   ``SET LOCAL``) and clears it straight after.

``audit verify`` then starts a chain whose first entry is not #1 at the checkpoint that
recorded the range before it: it expects that number and that previous hash, and checks the
checkpoint's own hash when the walk reaches it. Every other gap, a prefix deleted without a
checkpoint, an edited checkpoint and removed newest entries still fail as before.

Only entries before the first one newer than the cutoff go, so an old entry written after a
newer one (a clock change) waits for the next run; the checkpoint itself is always newer than
the cutoff, so a chain never ends up empty or without the checkpoint that explains its start.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Count, Max, Min

from civicshield.web.audit.models import AuditEntry, ChainHead
from civicshield.web.audit.services import PURGE_ACTION, chain_for, record, verify_chain

if TYPE_CHECKING:
    from civicshield.web.accounts.models import Office

PURGE_SETTING = "civicshield.audit_purge"
"""The transaction-local PostgreSQL setting the trigger reads: "<chain> <checkpoint seq>"."""
PURGE_ACTOR = "Scheduled retention purge"
ERROR_BROKEN = (
    "The audit log is broken at entry #{seq} ({reason}), so nothing was deleted from it. "
    "Run `civicshield audit verify` and keep the database as it is for investigation."
)


class AuditChainBroken(Exception):
    """The part of the chain to be purged does not verify; it is kept as it is."""


def audit_purge(*, office: Office | None, cutoff: dt.datetime) -> int:
    """Delete the office's audit entries older than ``cutoff``; return how many went."""
    chain = chain_for(office)
    with transaction.atomic():
        # Lock the head first, as writers do, so nothing is appended while we work.
        head = ChainHead.objects.select_for_update().filter(chain=chain).first()
        if head is None:
            return 0
        entries = AuditEntry.objects.filter(chain=chain)
        first_kept = (
            entries.filter(created__gte=cutoff)
            .order_by("seq")
            .values_list("seq", flat=True)
            .first()
        )
        old = entries.filter(seq__lt=first_kept) if first_kept is not None else entries
        bounds = old.aggregate(lo=Min("seq"), hi=Max("seq"), n=Count("id"))
        if not bounds["n"]:
            return 0
        lo, hi, count = int(bounds["lo"]), int(bounds["hi"]), int(bounds["n"])
        # The kept entry right after the range must link to it too, hence hi + 1.
        _, problem = verify_chain(chain, head, stop_after=hi + 1)
        if problem is not None:
            raise AuditChainBroken(ERROR_BROKEN.format(seq=problem.seq, reason=problem.reason))
        last_removed = entries.get(seq=hi)
        checkpoint = record(
            action=PURGE_ACTION,
            office=office,
            actor_label=PURGE_ACTOR,
            details={
                "removed_from": lo,
                "removed_to": hi,
                "removed": count,
                "last_removed_hash": last_removed.entry_hash,
                "older_than": cutoff.astimezone(dt.UTC).isoformat(),
            },
        )
        _delete_range(chain, lo, hi, checkpoint_seq=checkpoint.seq)
    return count


def _delete_range(chain: str, lo: int, hi: int, *, checkpoint_seq: int) -> None:
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        postgres = connection.vendor == "postgresql"
        if postgres:
            cursor.execute(
                "SELECT set_config(%s, %s, true)", [PURGE_SETTING, f"{chain} {checkpoint_seq}"]
            )
        cursor.execute(
            f"DELETE FROM {table} WHERE chain = %s AND seq BETWEEN %s AND %s",  # noqa: S608 - table name from the model
            [chain, lo, hi],
        )
        if postgres:
            cursor.execute("SELECT set_config(%s, '', true)", [PURGE_SETTING])
