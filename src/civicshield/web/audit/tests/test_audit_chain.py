"""The audit log is append-only, and `audit verify` finds tampering at the right entry."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from civicshield.cli.status import ExitStatus
from civicshield.web.audit import services as audit
from civicshield.web.audit.models import AuditEntry, AuditLogImmutable
from tests.helpers import run_cli

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def chain(cast):
    """Office A's chain with a few more entries after the cast's own."""
    for n in range(5):
        audit.record(
            action="test.event", office=cast.office_a, actor=cast.manager.user, details={"n": n}
        )
    return list(AuditEntry.objects.filter(office=cast.office_a).order_by("seq"))


def _raw(sql: str, params: list[int | str]) -> None:
    """Change rows behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A database superuser can switch triggers off for their session.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def _problem(cast):
    report = audit.audit_verify()
    problems = [p for p in report.problems if p.chain == f"office:{cast.office_a.pk}"]
    assert len(problems) == 1, report.problems
    return problems[0]


def test_an_untouched_log_verifies(cast, chain):
    report = audit.audit_verify()
    assert report.ok
    assert report.checked >= len(chain)
    result = run_cli("audit", "verify")
    assert result.exit_status == ExitStatus.SUCCESS
    assert "Audit log intact" in result.stdout


def test_each_entry_links_to_the_one_before(chain):
    for before, after in zip(chain, chain[1:], strict=False):
        assert after.prev_hash == before.entry_hash
        assert after.seq == before.seq + 1


def test_the_orm_refuses_changes_and_deletes(chain):
    entry = chain[2]
    entry.action = "something.else"
    with pytest.raises(AuditLogImmutable):
        entry.save()
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)
def test_postgres_trigger_refuses_raw_updates(chain):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [chain[1].pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [chain[1].pk])


def test_verify_names_a_changed_entry(cast, chain):
    target = chain[3]
    _raw("UPDATE audit_auditentry SET details = %s WHERE id = %s", ['{"n": 99}', target.pk])
    problem = _problem(cast)
    assert problem.seq == target.seq
    assert problem.entry_id == target.pk
    assert "changed" in problem.reason
    result = run_cli("audit", "verify")
    assert result.exit_status == ExitStatus.CHECK_FAILED
    assert f"#{target.seq}" in result.stdout


def test_verify_names_a_deleted_entry(cast, chain):
    target = chain[2]
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [target.pk])
    problem = _problem(cast)
    assert problem.seq == target.seq
    assert "missing" in problem.reason


def test_verify_notices_the_newest_entries_removed(cast, chain):
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [chain[-1].pk])
    problem = _problem(cast)
    assert problem.seq == chain[-1].seq
    assert "newest entries were removed" in problem.reason


def test_verify_names_reordered_entries(cast, chain):
    first, second = chain[2], chain[3]
    # Swap the two rows' sequence numbers (via a free number, for the unique constraint).
    _raw("UPDATE audit_auditentry SET seq = 999999 WHERE id = %s", [first.pk])
    _raw("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [first.seq, second.pk])
    _raw("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [second.seq, first.pk])
    problem = _problem(cast)
    assert problem.seq == first.seq
    assert problem.entry_id == second.pk


def test_verify_names_an_inserted_entry(cast, chain):
    # Make room at the victim's number and slip in a forged entry with a correct-looking hash.
    victim = chain[3]
    _raw(
        "UPDATE audit_auditentry SET seq = seq + 1000 WHERE chain = %s AND seq >= %s",
        [victim.chain, victim.seq],
    )
    _raw(
        "UPDATE audit_auditentry SET seq = seq - 999 WHERE chain = %s AND seq >= %s",
        [victim.chain, victim.seq + 1000],
    )
    forged = AuditEntry(
        chain=victim.chain,
        seq=victim.seq,
        created=victim.created,
        office=cast.office_a,
        action="forged.entry",
        prev_hash=chain[2].entry_hash,
    )
    forged.entry_hash = forged.compute_hash()
    forged.save()
    # The forged entry itself is well-formed; the break shows at the real entry it displaced,
    # whose number (part of its hash) had to change to make room.
    problem = _problem(cast)
    assert problem.seq == victim.seq + 1
    assert problem.entry_id == victim.pk
