"""One screening per patient and number (issue 8 #6).

Screenings were created on first use with no lock and no uniqueness rule, so
two first opens at once could start two. Existing screenings are numbered per
patient in the order they were created (the newest, as before, is current),
then the database refuses a second screening with the same number.
"""

from django.conf import settings
from django.db import migrations, models


def number_existing(apps, schema_editor):
    Screening = apps.get_model("screening", "Screening")
    last_patient, number, batch = None, 0, []
    for screening in Screening.objects.order_by("patient_id", "created_at", "pk").only(
        "patient_id"
    ):
        number = number + 1 if screening.patient_id == last_patient else 1
        last_patient = screening.patient_id
        if number > 1:
            screening.number = number
            batch.append(screening)
    Screening.objects.bulk_update(batch, ["number"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_unicode_search"),
        ("screening", "0002_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(name="screening", options={"ordering": ("-number",)}),
        migrations.AddField(
            model_name="screening", name="number", field=models.PositiveIntegerField(default=1)
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="screening",
            constraint=models.UniqueConstraint(
                fields=("patient", "number"), name="screening_number_uniq"
            ),
        ),
    ]
