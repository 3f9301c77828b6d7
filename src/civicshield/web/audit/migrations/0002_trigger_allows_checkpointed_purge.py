from __future__ import annotations

from django.db import migrations

# The trigger of 0001 refused every UPDATE and DELETE. A retention purge (audit/purge.py) must
# delete a chain's oldest entries, so DELETE is now allowed for exactly one case: the
# transaction-local setting civicshield.audit_purge names "<chain> <checkpoint seq>", that
# entry is an audit.purged checkpoint of the same chain, and the row lies in the range it
# recorded as removed. UPDATE is still always refused. The checkpoint lookup uses the unique
# (chain, seq) index, so a purge of many rows stays cheap.
POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
DECLARE
    purge text := current_setting('civicshield.audit_purge', true);
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(purge, '') <> ''
       AND split_part(purge, ' ', 1) = OLD.chain
       AND EXISTS (
           SELECT 1 FROM audit_auditentry c
           WHERE c.chain = OLD.chain
             AND c.seq = split_part(purge, ' ', 2)::bigint
             AND c.action = 'audit.purged'
             AND c.seq > OLD.seq
             AND OLD.seq BETWEEN (c.details->>'removed_from')::bigint
                             AND (c.details->>'removed_to')::bigint
       ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'Audit log entries cannot be changed or deleted.';
END;
$$ LANGUAGE plpgsql;
"""
POSTGRES_FUNCTION_BEFORE = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Audit log entries cannot be changed or deleted.';
END;
$$ LANGUAGE plpgsql;
"""


def allow_purge(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)


def refuse_all(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION_BEFORE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(allow_purge, refuse_all)]
