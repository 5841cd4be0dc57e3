from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator
from django.db import models
from django.urls import reverse

from ketaclinic.accounts.models import Clinic
from ketaclinic.patients.validation import (
    parse_phone,
    phone_digits,
    search_key,
    validate_date_of_birth,
    validate_height_cm,
    validate_icd10,
    validate_not_before_birth,
    validate_past_date,
    validate_weight_kg,
)
from ketacore.icd10 import describe, normalise_icd10


class Sex(models.TextChoices):
    """Administrative sex, as FHIR's administrative-gender value set."""

    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class EntryStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Resolved / stopped"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


#: Columns computed from another on save: source field -> derived columns.
_DERIVED_COLUMNS = {
    "family_name": ("search_family", "search_full"),
    "given_name": ("search_given", "search_full"),
    "phone": ("phone_digits", "phone_e164"),
}


class Patient(models.Model):
    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    chart_number = models.CharField(max_length=20, editable=False)
    given_name = models.CharField("given name", max_length=100, validators=[MinLengthValidator(1)])
    family_name = models.CharField("family name", max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(validators=[validate_date_of_birth])
    sex = models.CharField(max_length=8, choices=Sex.choices)
    #: As shown: national format for the clinic's region, international otherwise.
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    address_line = models.CharField("address", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = models.CharField(max_length=32, blank=True)
    pain_onset_date = models.DateField(
        "date pain began", null=True, blank=True, validators=[validate_past_date]
    )
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient_record",
    )
    # Folded copies for indexed prefix search (see validation.search_key). On
    # PostgreSQL they use the "C" collation (migration 0003), so that a prefix
    # range compares code points, as SQLite's BINARY collation does.
    search_family = models.CharField(max_length=100, editable=False)
    search_given = models.CharField(max_length=100, editable=False)
    #: Family then given name with nothing between: finds "王芳" typed as one word.
    search_full = models.CharField(max_length=200, editable=False, default="")
    #: The phone's national digits ("4805550101"), which a phone search matches.
    phone_digits = models.CharField(max_length=32, editable=False, blank=True)
    #: The phone in E.164 ("+14805550101"): one spelling per number, for duplicates.
    #: Empty when there is no phone, or a number stored before numbers were checked
    #: that does not parse (migration 0003).
    phone_e164 = models.CharField(
        "phone (E.164)", max_length=16, editable=False, blank=True, default="", db_default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("family_name", "given_name")
        constraints = (
            models.UniqueConstraint(fields=("clinic", "chart_number"), name="patient_chart_uniq"),
        )
        indexes = (
            models.Index(
                fields=("clinic", "search_family", "search_given"), name="patient_name_idx"
            ),
            models.Index(fields=("clinic", "search_given"), name="patient_given_idx"),
            models.Index(fields=("clinic", "search_full"), name="patient_full_idx"),
            models.Index(fields=("clinic", "date_of_birth"), name="patient_dob_idx"),
            models.Index(fields=("clinic", "phone_digits"), name="patient_phone_idx"),
            models.Index(fields=("clinic", "phone_e164"), name="patient_e164_idx"),
        )

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.refresh_search_columns()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            # Write a derived column only with the field it comes from: a save
            # of the phone must not write search keys from a stale name.
            fields = set(update_fields)  # type: ignore[call-overload]  # reason: any iterable
            for source, derived in _DERIVED_COLUMNS.items():
                if source in fields:
                    fields.update(derived)
            kwargs["update_fields"] = {*fields, "updated_at"}
        super().save(*args, **kwargs)  # type: ignore[arg-type]  # reason: forwarded as given

    def get_absolute_url(self) -> str:
        return reverse("patients:chart", kwargs={"code": self.code})

    def clean(self) -> None:
        born = self.date_of_birth
        validate_not_before_birth(self.pain_onset_date, born, field="pain_onset_date")
        if not self._state.adding and born is not None:
            # A corrected date of birth must not come after dates already recorded.
            for entries, field, what in (
                (self.measurements, "measured_on", "a measurement"),
                (self.conditions, "onset_date", "a condition's onset"),
                (self.medications, "started_on", "a medication's start"),
            ):
                earliest = entries.filter(**{f"{field}__lt": born}).order_by(field).first()
                if earliest is not None:
                    when = getattr(earliest, field).isoformat()
                    raise ValidationError(
                        {"date_of_birth": f"This is after {what} already recorded ({when})."}
                    )

    def refresh_search_columns(self) -> None:
        """Compute the folded search columns from the name and phone (bulk loads call it)."""
        self.search_family = search_key(self.family_name)
        self.search_given = search_key(self.given_name)
        self.search_full = self.search_family + self.search_given
        phone = parse_phone(self.phone) if self.phone else None
        self.phone_e164 = phone.e164 if phone else ""
        self.phone_digits = phone.national_digits if phone else phone_digits(self.phone)

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class _ChartEntry(models.Model):
    """Fields every chart entry shares: a public code, who recorded it and when."""

    code = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=20, choices=EntryStatus.choices, default=EntryStatus.ACTIVE
    )
    status_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True


class BodyMeasurement(_ChartEntry):
    """Weight and/or height, with the date they were measured (dosing uses the date)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="measurements")
    weight_kg = models.DecimalField(
        "weight (kg)",
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[validate_weight_kg],
    )
    height_cm = models.DecimalField(
        "height (cm)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[validate_height_cm],
    )
    measured_on = models.DateField(validators=[validate_past_date])

    class Meta:
        ordering = ("-measured_on", "-recorded_at")

    def __str__(self) -> str:
        return f"{self.weight_kg} kg / {self.height_cm} cm on {self.measured_on}"

    def clean(self) -> None:
        if self.weight_kg is None and self.height_cm is None:
            raise ValidationError({"weight_kg": "Enter a weight, a height or both."})
        if self.patient_id is not None:
            validate_not_before_birth(
                self.measured_on, self.patient.date_of_birth, field="measured_on"
            )


class Allergy(_ChartEntry):
    class Severity(models.TextChoices):
        MILD = "mild", "Mild"
        MODERATE = "moderate", "Moderate"
        SEVERE = "severe", "Severe"
        UNKNOWN = "unknown", "Unknown"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="allergies")
    substance = models.CharField(max_length=200)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.UNKNOWN)

    class Meta:
        ordering = ("substance",)
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.substance


class Medication(_ChartEntry):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(max_length=200)
    dose = models.CharField("dose and frequency", max_length=200, blank=True)
    started_on = models.DateField(null=True, blank=True, validators=[validate_past_date])

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.patient_id is not None:
            validate_not_before_birth(
                self.started_on, self.patient.date_of_birth, field="started_on"
            )


class Condition(_ChartEntry):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="conditions")
    icd10_code = models.CharField("ICD-10-CM code", max_length=8, validators=[validate_icd10])
    description = models.CharField(max_length=200, blank=True)
    onset_date = models.DateField(null=True, blank=True, validators=[validate_past_date])
    is_primary_pain_diagnosis = models.BooleanField("primary pain diagnosis", default=False)

    class Meta:
        ordering = ("-is_primary_pain_diagnosis", "icd10_code")

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.description}"

    def clean(self) -> None:
        if self.patient_id is not None:
            validate_not_before_birth(
                self.onset_date, self.patient.date_of_birth, field="onset_date"
            )
        try:
            self.icd10_code = normalise_icd10(self.icd10_code)
        except Exception:
            return
        if not self.description:
            catalogued = describe(self.icd10_code)
            if catalogued is None:
                raise ValidationError(
                    {"description": "This code is not in the clinic's catalogue: describe it."}
                )
            self.description = catalogued
