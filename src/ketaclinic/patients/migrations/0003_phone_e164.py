"""Phone numbers checked and stored in E.164 (issue 10 #9).

Adds ``phone_e164`` and brings every stored phone to the form new ones get:
a number that parses (read as one of ``PHONE_REGION`` when it has no country
code) is shown in national format (international for a number abroad), its
E.164 form is stored for finding duplicates, and ``phone_digits`` (what a phone
search matches) becomes its national digits. A number that does not parse is
kept exactly as typed, with its digits searchable as before and no E.164 form;
the next edit of that phone asks for a valid number (other edits are not held
up). Nothing is lost either way, and the audit trail is not touched: this
changes how a number is written, not which number it is.
"""

import unicodedata

import phonenumbers
from django.conf import settings
from django.db import migrations, models
from phonenumbers import NumberParseException, PhoneNumberFormat


def _digits(text):
    return "".join(
        str(unicodedata.decimal(ch)) for ch in text if unicodedata.decimal(ch, None) is not None
    )


# A copy of ketaclinic.patients.validation.parse_phone as of this migration.
def _parse(text, region):
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    home = phonenumbers.region_code_for_number(number) == region
    style = PhoneNumberFormat.NATIONAL if home else PhoneNumberFormat.INTERNATIONAL
    return (
        phonenumbers.format_number(number, style),
        phonenumbers.format_number(number, PhoneNumberFormat.E164),
        str(number.national_number),
    )


def normalise_phones(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    region = str(getattr(settings, "PHONE_REGION", "US")).upper()
    columns = ("phone", "phone_e164", "phone_digits", "emergency_contact_phone")
    batch = []
    rows = Patient.objects.only(*columns).exclude(phone="", emergency_contact_phone="")
    for patient in rows.iterator(chunk_size=2000):
        parsed = _parse(patient.phone, region) if patient.phone else None
        if parsed is not None:
            patient.phone, patient.phone_e164, patient.phone_digits = parsed
        else:
            patient.phone_e164, patient.phone_digits = "", _digits(patient.phone)
        emergency = (
            _parse(patient.emergency_contact_phone, region)
            if patient.emergency_contact_phone
            else None
        )
        if emergency is not None:
            patient.emergency_contact_phone = emergency[0]
        batch.append(patient)
        if len(batch) == 2000:
            Patient.objects.bulk_update(batch, columns)
            batch = []
    Patient.objects.bulk_update(batch, columns)


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_unicode_search")]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="phone_e164",
            # A database default too, so code that does not know the column yet
            # (an older release during a rolling upgrade) can still register patients.
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                editable=False,
                max_length=16,
                verbose_name="phone (E.164)",
            ),
        ),
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["clinic", "phone_e164"], name="patient_e164_idx"),
        ),
        migrations.RunPython(normalise_phones, migrations.RunPython.noop),
    ]
