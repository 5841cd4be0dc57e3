"""Search keys for names in every script (issue 8 #10).

Before, the folded search columns kept ASCII letters only, so 王芳, محمد الأحمد,
Ольга Иванова and Νίκος Παπαδόπουλος had empty keys and could not be found.
This migration adds the family+given column, recomputes every key with
Unicode folding, and on PostgreSQL gives the search columns the "C" collation
so that prefix ranges compare code points whatever the database's default
collation is (SQLite's BINARY collation already does).
"""

import unicodedata

from django.db import migrations, models

SEARCH_COLUMNS = ("search_family", "search_given", "search_full", "phone_digits")


# A copy of ketaclinic.patients.validation.search_key as of this migration, so
# that later changes to the function do not change what this step did.
def _fold(text):
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    kept = "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)[:100]


def _digits(text):
    return "".join(
        str(unicodedata.decimal(ch)) for ch in text if unicodedata.decimal(ch, None) is not None
    )


def recompute_keys(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    batch = []
    for patient in Patient.objects.only("family_name", "given_name", "phone").iterator(
        chunk_size=2000
    ):
        patient.search_family = _fold(patient.family_name)
        patient.search_given = _fold(patient.given_name)
        patient.search_full = patient.search_family + patient.search_given
        patient.phone_digits = _digits(patient.phone)
        batch.append(patient)
        if len(batch) == 2000:
            Patient.objects.bulk_update(batch, SEARCH_COLUMNS)
            batch = []
    Patient.objects.bulk_update(batch, SEARCH_COLUMNS)


def code_point_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, length in (
        ("search_family", 100),
        ("search_given", 100),
        ("search_full", 200),
        ("phone_digits", 32),
    ):
        schema_editor.execute(
            f'ALTER TABLE patients_patient ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"'
        )


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="search_full",
            field=models.CharField(default="", editable=False, max_length=200),
        ),
        migrations.RunPython(recompute_keys, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["clinic", "search_full"], name="patient_full_idx"),
        ),
        migrations.RunPython(code_point_collation, migrations.RunPython.noop),
    ]
