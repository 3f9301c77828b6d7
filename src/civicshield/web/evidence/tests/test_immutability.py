"""Evidence cannot be changed or deleted: not through the ORM, and on PostgreSQL not at all."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models.deletion import ProtectedError
from django.db.utils import DatabaseError

from civicshield.web.evidence.models import (
    EvidenceImmutable,
    EvidenceRecord,
    EvidenceScreenshot,
)
from civicshield.web.testing import make_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(cast):
    return make_evidence(cast)


@pytest.fixture
def shot(record):
    row = EvidenceScreenshot(record=record, kind="post", image=b"png", sha256="x")
    row.save()
    return row


def test_the_orm_refuses_to_change_or_delete_a_record(record):
    record.note = "edited"
    with pytest.raises(EvidenceImmutable):
        record.save()
    with pytest.raises(EvidenceImmutable):
        record.delete()
    with pytest.raises(EvidenceImmutable):
        EvidenceRecord.objects.filter(pk=record.pk).update(note="x")
    with pytest.raises(EvidenceImmutable):
        EvidenceRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(EvidenceImmutable):
        EvidenceRecord.objects.bulk_update([record], ["note"])
    assert EvidenceRecord.objects.get(pk=record.pk).note == ""


def test_the_orm_refuses_to_change_or_delete_a_screenshot(shot):
    shot.error = "edited"
    with pytest.raises(EvidenceImmutable):
        shot.save()
    with pytest.raises(EvidenceImmutable):
        shot.delete()
    with pytest.raises(EvidenceImmutable):
        EvidenceScreenshot.objects.filter(pk=shot.pk).update(error="x")
    with pytest.raises(EvidenceImmutable):
        EvidenceScreenshot.objects.all().delete()


def test_the_message_cannot_be_deleted_while_it_is_evidence(record):
    with pytest.raises(ProtectedError):
        record.message.delete()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE evidence_evidencerecord SET note = 'x' WHERE id = %s",
        "DELETE FROM evidence_evidencerecord WHERE id = %s",
        "UPDATE evidence_evidencescreenshot SET error = 'x' WHERE record_id = %s",
        "DELETE FROM evidence_evidencescreenshot WHERE record_id = %s",
    ],
)
def test_postgres_trigger_refuses_raw_changes(record, shot, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [record.pk])
