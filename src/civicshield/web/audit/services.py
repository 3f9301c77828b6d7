"""Writing to and checking the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from civicshield.web.audit.models import GENESIS_HASH, AuditEntry, ChainHead

if TYPE_CHECKING:
    from civicshield.web.accounts.models import Office, User

PURGE_ACTION = "audit.purged"
"""The checkpoint a retention purge writes before deleting a chain's oldest entries
(``audit/purge.py``); ``audit verify`` starts a shortened chain there."""


def chain_for(office: Office | None) -> str:
    return f"office:{office.pk}" if office is not None else "system"


def record(
    *,
    action: str,
    office: Office | None,
    actor: User | None = None,
    actor_label: str = "",
    target: models.Model | None = None,
    target_label: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the office's chain, inside the caller's transaction.

    ``action`` is a namespaced name such as ``accounts.signin`` or ``publishing.draft.approved``.
    The chain head row is locked for the append so concurrent writers queue behind it
    instead of both linking to the same previous entry.
    """
    chain = chain_for(office)
    with transaction.atomic():
        ChainHead.objects.get_or_create(chain=chain)
        head = ChainHead.objects.select_for_update().get(chain=chain)
        # Microsecond precision, UTC, so the stored value round-trips exactly on every database.
        created = timezone.now().astimezone(dt.UTC)
        entry = AuditEntry(
            chain=chain,
            seq=head.seq + 1,
            created=created,
            office=office,
            actor=actor,
            actor_label=actor_label or (actor.email if actor is not None else ""),
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_label=(target_label or (str(target) if target is not None else ""))[:300],
            details=details or {},
            prev_hash=head.last_hash,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
        head.seq = entry.seq
        head.last_hash = entry.entry_hash
        head.save(update_fields=["seq", "last_hash"])
    return entry


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    seq: int
    entry_id: int | None
    reason: str


@dataclass
class VerifyReport:
    checked: int = 0
    chains: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    purged_chains: int = 0
    """Chains whose oldest entries were removed by a retention purge (at a checkpoint)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries(chain: str, stop_after: int | None = None) -> Iterator[AuditEntry]:
    # Ordered by seq (not id or time) because seq is what the hash covers.
    entries = AuditEntry.objects.filter(chain=chain)
    if stop_after is not None:
        entries = entries.filter(seq__lte=stop_after)
    return entries.order_by("seq", "id").iterator(chunk_size=2000)


def chain_start(chain: str) -> tuple[int, str]:
    """The seq and previous hash a chain's first entry must have.

    #1 after the genesis hash, unless a retention purge removed the oldest entries: then the
    checkpoint that recorded the removal (``PURGE_ACTION``, written after the range it
    removed) says where the chain now starts. Of several, the one that removed the most.
    A prefix deleted without a checkpoint starts nowhere, so verify reports it missing.
    """
    first = AuditEntry.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True)
    first_seq = first.first()
    if first_seq is None or first_seq == 1:
        return 1, GENESIS_HASH
    best: tuple[int, str] | None = None
    checkpoints = AuditEntry.objects.filter(chain=chain, action=PURGE_ACTION)
    for seq, details in checkpoints.values_list("seq", "details"):
        removed_to = details.get("removed_to") if isinstance(details, dict) else None
        last_hash = details.get("last_removed_hash") if isinstance(details, dict) else None
        if not isinstance(removed_to, int) or not isinstance(last_hash, str):
            continue
        if removed_to < first_seq < seq and (best is None or removed_to > best[0]):
            best = (removed_to, last_hash)
    if best is None:
        return 1, GENESIS_HASH
    return best[0] + 1, best[1]


def verify_chain(
    chain: str, head: ChainHead | None, *, stop_after: int | None = None
) -> tuple[int, ChainProblem | None]:
    """Walk one chain; return how many entries were checked and the first problem, if any.

    ``stop_after``: check only up to that entry (the purge checks what it is about to remove).
    """
    expected_seq, expected_prev = chain_start(chain)
    checked = 0
    for entry in _entries(chain, stop_after):
        checked += 1
        if entry.seq != expected_seq:
            if entry.seq < expected_seq:
                reason = f"entry #{entry.seq} appears twice or out of order"
            else:
                missing = (
                    f"#{expected_seq}"
                    if entry.seq == expected_seq + 1
                    else f"#{expected_seq} to #{entry.seq - 1}"
                )
                reason = f"entry {missing} is missing: the log jumps to #{entry.seq}"
            return checked, ChainProblem(chain, expected_seq, entry.pk, reason)
        if entry.compute_hash() != entry.entry_hash:
            return checked, ChainProblem(
                chain,
                entry.seq,
                entry.pk,
                f"entry #{entry.seq} ({entry.action}) has been changed since it was written",
            )
        if entry.prev_hash != expected_prev:
            return checked, ChainProblem(
                chain,
                entry.seq,
                entry.pk,
                f"entry #{entry.seq} ({entry.action}) does not follow entry #{entry.seq - 1}: "
                "entries were inserted, removed or reordered",
            )
        expected_prev = entry.entry_hash
        expected_seq += 1
    if stop_after is not None and (head is None or stop_after <= head.seq):
        return checked, None
    last = expected_seq - 1
    if head is not None and (head.seq != last or head.last_hash != expected_prev):
        return checked, ChainProblem(
            chain,
            last + 1,
            None,
            f"the log ends at entry #{last} but entry #{head.seq} was written: "
            "the newest entries were removed",
        )
    return checked, None


def audit_verify() -> VerifyReport:
    """Check every chain. Stops at the first problem in each chain and names it."""
    report = VerifyReport()
    heads = {head.chain: head for head in ChainHead.objects.all()}
    chains = set(heads) | set(AuditEntry.objects.values_list("chain", flat=True).distinct())
    for chain in sorted(chains):
        report.chains += 1
        checked, problem = verify_chain(chain, heads.get(chain))
        report.checked += checked
        if chain_start(chain)[0] > 1:
            report.purged_chains += 1
        if problem is not None:
            report.problems.append(problem)
    return report
