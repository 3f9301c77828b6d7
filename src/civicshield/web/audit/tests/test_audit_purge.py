"""Entries past the retention period can be purged, and `audit verify` still catches tampering.

Runs on SQLite and on PostgreSQL (where the trigger allows only the checkpointed purge).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from civicshield.cli.status import ExitStatus
from civicshield.web.audit import services as audit
from civicshield.web.audit.models import AuditEntry, AuditLogImmutable
from civicshield.web.audit.purge import PURGE_SETTING, AuditChainBroken, audit_purge
from civicshield.web.audit.tests.test_audit_chain import _raw
from civicshield.web.dataprotection import services as dataprotection
from tests.helpers import run_cli

pytestmark = pytest.mark.django_db(transaction=False)

YEAR = dt.timedelta(days=365)


@pytest.fixture
def fresh_office(db):
    """An office whose chain starts with old entries (the cast's offices begin "today")."""
    from civicshield.web.accounts.models import Office

    now = timezone.now()
    with time_machine.travel(now - 7 * YEAR, tick=True):
        office = Office.objects.create(name="Office of Old Entries")
        old = [audit.record(action="test.old", office=office, details={"n": n}) for n in range(5)]
    new = [audit.record(action="test.new", office=office, details={"n": n}) for n in range(3)]
    return office, old, new


def _entries(office):
    return list(AuditEntry.objects.filter(office=office).order_by("seq"))


def _problem_for(office):
    problems = [p for p in audit.audit_verify().problems if p.chain == f"office:{office.pk}"]
    assert len(problems) == 1, problems
    return problems[0]


def test_a_purge_removes_the_old_prefix_and_the_log_still_verifies(fresh_office):
    office, old, new = fresh_office
    assert audit_purge(office=office, cutoff=timezone.now() - 6 * YEAR) == 5
    entries = _entries(office)
    assert [e.seq for e in entries] == [6, 7, 8, 9]
    checkpoint = entries[-1]
    assert checkpoint.action == audit.PURGE_ACTION
    assert checkpoint.details["removed_from"] == 1 and checkpoint.details["removed_to"] == 5
    assert checkpoint.details["last_removed_hash"] == old[-1].entry_hash == new[0].prev_hash
    report = audit.audit_verify()
    assert report.ok, report.problems
    assert report.purged_chains == 1
    result = run_cli("audit", "verify")
    assert result.exit_status == ExitStatus.SUCCESS
    assert "start at a retention checkpoint" in result.stdout


def test_nothing_old_means_nothing_deleted_and_no_checkpoint(fresh_office):
    office, _, _ = fresh_office
    assert audit_purge(office=office, cutoff=timezone.now() - 8 * YEAR) == 0
    assert len(_entries(office)) == 8
    assert not AuditEntry.objects.filter(action=audit.PURGE_ACTION).exists()


def test_a_second_purge_may_remove_the_first_checkpoint(fresh_office):
    office, _, _ = fresh_office
    audit_purge(office=office, cutoff=timezone.now() - 6 * YEAR)
    # Years later everything so far is old, the first checkpoint included.
    later = timezone.now() + 7 * YEAR
    with time_machine.travel(later):
        audit.record(action="test.later", office=office)
        assert audit_purge(office=office, cutoff=later - YEAR) == 4
    entries = _entries(office)
    assert [e.action for e in entries] == ["test.later", audit.PURGE_ACTION]
    assert entries[-1].details["removed_from"] == 6 and entries[-1].details["removed_to"] == 9
    assert audit.audit_verify().ok


def test_deleting_a_middle_entry_after_a_purge_still_fails(fresh_office):
    office, _, new = fresh_office
    audit_purge(office=office, cutoff=timezone.now() - 6 * YEAR)
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [new[1].pk])
    problem = _problem_for(office)
    assert problem.seq == new[1].seq and "missing" in problem.reason


def test_deleting_more_of_the_start_without_a_checkpoint_fails(fresh_office):
    office, _, new = fresh_office
    audit_purge(office=office, cutoff=timezone.now() - 6 * YEAR)
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [new[0].pk])
    problem = _problem_for(office)
    # Named from where the checkpoint says the chain starts.
    assert problem.seq == 6 and "#6 is missing" in problem.reason


def test_deleting_old_entries_without_the_purge_fails(fresh_office):
    office, old, _ = fresh_office
    _raw("DELETE FROM audit_auditentry WHERE id IN (%s, %s)", [old[0].pk, old[1].pk])
    problem = _problem_for(office)
    assert problem.seq == 1 and "missing" in problem.reason


def test_an_edited_checkpoint_fails(fresh_office):
    office, _, _ = fresh_office
    audit_purge(office=office, cutoff=timezone.now() - 6 * YEAR)
    checkpoint = AuditEntry.objects.get(office=office, action=audit.PURGE_ACTION)
    details = dict(checkpoint.details, removed_to=6)
    import json

    _raw(
        "UPDATE audit_auditentry SET details = %s WHERE id = %s",
        [json.dumps(details), checkpoint.pk],
    )
    assert _problem_for(office).reason


def test_a_forged_checkpoint_cannot_explain_away_a_deleted_start(fresh_office):
    office, old, new = fresh_office
    # Someone deletes the start and appends a checkpoint-looking entry through the app.
    _raw("DELETE FROM audit_auditentry WHERE chain = %s AND seq <= 5", [f"office:{office.pk}"])
    audit.record(
        action=audit.PURGE_ACTION,
        office=office,
        details={"removed_from": 1, "removed_to": 5, "last_removed_hash": "f" * 64},
    )
    problem = _problem_for(office)
    assert problem.seq == new[0].seq and "does not follow" in problem.reason


def test_an_old_entry_after_a_newer_one_waits(fresh_office):
    office, _, _ = fresh_office
    with time_machine.travel(timezone.now() - 7 * YEAR):
        straggler = audit.record(action="test.clock_went_back", office=office)
    audit_purge(office=office, cutoff=timezone.now() - 6 * YEAR)
    assert AuditEntry.objects.filter(pk=straggler.pk).exists()
    assert audit.audit_verify().ok


def test_a_broken_chain_is_not_purged(fresh_office):
    office, old, _ = fresh_office
    _raw("UPDATE audit_auditentry SET details = %s WHERE id = %s", ['{"n": 99}', old[2].pk])
    with pytest.raises(AuditChainBroken, match="#3"):
        audit_purge(office=office, cutoff=timezone.now() - 6 * YEAR)
    assert len(_entries(office)) == 8


def test_the_retention_purge_uses_the_offices_setting_and_is_audited(fresh_office):
    office, _, _ = fresh_office
    counts = dataprotection.purge_office(office)
    assert counts["audit_log"] == 5
    entry = AuditEntry.objects.get(office=office, action="dataprotection.purged")
    assert entry.details["kind"] == "audit_log" and entry.details["deleted"] == 5
    assert audit.audit_verify().ok


def test_an_office_cannot_keep_its_log_less_than_a_year(cast):
    with pytest.raises(ValueError, match="at least 365 days"):
        dataprotection.retention_set(member=cast.manager, kind="audit_log", days=30)


def test_the_orm_still_refuses_deletes(fresh_office):
    office, old, _ = fresh_office
    with pytest.raises(AuditLogImmutable):
        AuditEntry.objects.filter(pk=old[0].pk).delete()


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


def _delete_with_setting(value: str, pk: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [PURGE_SETTING, value])
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [pk])


@postgres_only
def test_postgres_allows_a_delete_only_inside_a_recorded_checkpoint(fresh_office):
    office, old, new = fresh_office
    chain = f"office:{office.pk}"
    # A checkpoint covering only #1..#2, as if the purge were half done.
    checkpoint = audit.record(
        action=audit.PURGE_ACTION,
        office=office,
        details={"removed_from": 1, "removed_to": 2, "last_removed_hash": old[1].entry_hash},
    )
    # No setting, the wrong chain, a seq that is no checkpoint, a row outside the range: refused.
    for value, victim in [
        ("", old[0]),
        (f"office:{office.pk + 1000} {checkpoint.seq}", old[0]),
        (f"{chain} {new[0].seq}", old[0]),
        (f"{chain} {checkpoint.seq}", old[3]),
        (f"{chain} {checkpoint.seq}", new[0]),
    ]:
        with pytest.raises(DatabaseError):
            _delete_with_setting(value, victim.pk)
    _delete_with_setting(f"{chain} {checkpoint.seq}", old[0].pk)
    assert not AuditEntry.objects.filter(pk=old[0].pk).exists()
    # Updates stay refused whatever the setting says.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true)", [PURGE_SETTING, f"{chain} {checkpoint.seq}"]
        )
        cursor.execute("UPDATE audit_auditentry SET action = 'x' WHERE id = %s", [old[1].pk])


@postgres_only
def test_postgres_clears_the_setting_after_a_purge(fresh_office):
    office, _, new = fresh_office
    audit_purge(office=office, cutoff=timezone.now() - 6 * YEAR)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [PURGE_SETTING])
        assert cursor.fetchone()[0] in ("", None)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [new[0].pk])


def test_the_daily_job_also_purges_the_system_chain_and_it_still_verifies(db):
    from civicshield.web.dataprotection.jobs import purge

    now = timezone.now()
    with time_machine.travel(now - 7 * YEAR, tick=True):
        for n in range(3):
            audit.record(action="test.system.old", office=None, details={"n": n})
    audit.record(action="test.system.new", office=None, details={})
    purge()
    system = list(AuditEntry.objects.filter(office=None).order_by("seq"))
    assert [e.action for e in system] == ["test.system.new", audit.PURGE_ACTION]
    report = audit.audit_verify()
    assert report.ok, report.problems
