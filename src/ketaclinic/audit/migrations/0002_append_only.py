"""Make the audit table append-only in the database itself.

PostgreSQL: a trigger refuses UPDATE and DELETE of any row. (TRUNCATE is not a
row operation; production grants the application role no TRUNCATE, see
docs/deploy.md. Django's test runner uses TRUNCATE to reset databases.)

SQLite: a trigger refuses UPDATE. DELETE stays possible because Django's test
runner empties tables with DELETE; a removed row still breaks the hash chain,
which `ketaclinic audit verify` reports.

Either way the trigger is a guard rail, not the proof: someone with database
owner rights can drop it. The keyed hash chain is what makes tampering evident.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only (%% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""
SQLITE_FORWARD = """
CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit_auditevent
BEGIN SELECT RAISE(ABORT, 'audit records are append-only (UPDATE refused)'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS audit_append_only;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


def create_head(apps, schema_editor):
    apps.get_model("audit", "AuditChainHead").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        migrations.RunPython(forward, backward),
        migrations.RunPython(create_head, migrations.RunPython.noop),
    ]
