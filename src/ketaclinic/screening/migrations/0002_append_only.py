"""Signed decisions and published rule-set versions are never changed in place.

A revision is a new decision row; a rule-set edit is a new version row. The
database refuses UPDATE of either (and DELETE too on PostgreSQL), as for the
audit trail (see audit/migrations/0002_append_only.py for why SQLite still
allows DELETE: Django's test runner empties tables with it).
"""

from django.db import migrations

TABLES = ("screening_screeningdecision", "screening_rulesetversion")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION screening_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%% rows are never changed in place (%% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION screening_refuse_change();"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are never changed in place'); END;"
            )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only;")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS screening_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
