"""A screening's answers become the patient's questionnaire responses (issue 9 #3).

Before, the intake's question sections sat in ``Screening.intake`` (one JSON
object by section) and the instruments' answers in ``InstrumentResponse`` rows.
Each becomes a ``QuestionnaireResponse`` of the patient, linked to the
screening, as the first step of its history: the same answers, options,
missing items and score, the same person and channel where they were known
(the sections never recorded who; they are marked "carried over"), and the
time they were last saved. Then the old field and table go.
"""

from django.db import migrations

from ketacore.intake import FACT_SECTIONS, missing_answers


def carry_over(apps, schema_editor):
    Screening = apps.get_model("screening", "Screening")
    InstrumentResponse = apps.get_model("screening", "InstrumentResponse")
    Response = apps.get_model("questionnaires", "QuestionnaireResponse")
    rows = []
    for screening in Screening.objects.order_by("pk"):
        for section, answers in (screening.intake or {}).items():
            rows.append(
                Response(
                    patient_id=screening.patient_id,
                    questionnaire=section,
                    encounter_type="screening",
                    encounter_code=screening.code,
                    seq=1,
                    answers=answers,
                    options={},
                    missing=list(missing_answers(FACT_SECTIONS[section], answers))
                    if section in FACT_SECTIONS
                    else [],
                    score=None,
                    entered_by_id=None,
                    entered_via="carried_over",
                    entered_at=screening.updated_at,
                )
            )
    for old in InstrumentResponse.objects.select_related("screening").order_by("pk"):
        rows.append(
            Response(
                patient_id=old.screening.patient_id,
                questionnaire=old.instrument,
                encounter_type="screening",
                encounter_code=old.screening.code,
                seq=1,
                answers=old.answers,
                options=old.options,
                missing=old.missing,
                score=old.result,
                entered_by_id=old.entered_by_id,
                entered_via=old.entered_via,
                entered_at=old.updated_at,
            )
        )
    Response.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("questionnaires", "0001_initial"),
        ("screening", "0004_decisions_on_policies"),
    ]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RemoveField(model_name="screening", name="intake"),
        migrations.DeleteModel(name="InstrumentResponse"),
    ]
