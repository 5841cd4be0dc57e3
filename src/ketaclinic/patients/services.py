"""Write operations on the patient registry.

Each function validates with the model's own rules (the same for the UI, the
API and the CLI), saves inside one transaction and writes the audit record in
that transaction: a change and its audit record commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.audit.services import Action, diff, record
from ketaclinic.lib.middleware import current_request_context
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    EntryStatus,
    Medication,
    Patient,
)
from ketaclinic.patients.validation import normalise_phone, parse_phone, search_key
from ketacore.errors import InputError
from ketacore.icd10 import normalise_icd10

DEMOGRAPHIC_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address_line",
    "city",
    "region",
    "postal_code",
    "emergency_contact_name",
    "emergency_contact_phone",
    "pain_onset_date",
)

#: Fields holding a phone number: checked and normalised on every write.
PHONE_FIELDS = ("phone", "emergency_contact_phone")
#: At most this many possible duplicates are named.
MAX_DUPLICATES = 10

ChartEntry = BodyMeasurement | Allergy | Medication | Condition
E = TypeVar("E", BodyMeasurement, Allergy, Medication, Condition)


@dataclass(frozen=True, slots=True)
class PossibleDuplicate:
    """A patient already registered who may be the one being registered, and why."""

    patient: Patient
    #: In words: "same name and date of birth", "same phone number".
    reasons: tuple[str, ...]


class PossibleDuplicateError(Exception):
    """Registering would probably make a second record of a patient the clinic has.

    Nothing was saved. Register anyway with ``confirm_duplicate=True`` once a
    person has checked that the matches are other people.
    """

    def __init__(self, matches: list[PossibleDuplicate]) -> None:
        super().__init__(f"{len(matches)} possible duplicate(s)")
        self.matches = matches


def possible_duplicates(clinic: Clinic, candidate: Patient) -> list[PossibleDuplicate]:
    """Patients of ``clinic`` with the same name and date of birth, or the same phone.

    Names are compared folded, as search does (``search_key``: case, accents,
    spaces and punctuation do not count), and also with given and family name
    swapped, a common slip at the desk. Phones are compared in E.164, so
    "(480) 555-0101" and "480.555.0101" are the same number. Reads only.
    """
    family, given = search_key(candidate.family_name), search_key(candidate.given_name)
    born = candidate.date_of_birth
    phone = parse_phone(candidate.phone) if candidate.phone else None
    wanted = Q(pk__in=[])
    if family and given and born is not None:
        wanted |= Q(search_family=family, search_given=given, date_of_birth=born)
        wanted |= Q(search_family=given, search_given=family, date_of_birth=born)
    if phone is not None:
        wanted |= Q(phone_e164=phone.e164)
    rows = Patient.objects.filter(wanted, clinic=clinic)
    if candidate.pk is not None:
        rows = rows.exclude(pk=candidate.pk)
    matches = []
    for row in rows.order_by("search_family", "search_given", "pk")[:MAX_DUPLICATES]:
        reasons = []
        if row.date_of_birth == born and {row.search_family, row.search_given} == {family, given}:
            reasons.append("same name and date of birth")
        if phone is not None and row.phone_e164 == phone.e164:
            reasons.append("same phone number")
        matches.append(PossibleDuplicate(row, tuple(reasons)))
    return matches


@transaction.atomic
def create_patient(
    actor: User,
    data: dict[str, Any],
    *,
    clinic: Clinic | None = None,
    confirm_duplicate: bool = False,
) -> Patient:
    """Register a patient in the actor's clinic and give them the next chart number.

    Args:
        confirm_duplicate: Register even though patients with the same name and
            date of birth, or the same phone, exist (someone checked they are
            other people); the audit record names them.

    Raises:
        PossibleDuplicateError: Such patients exist and ``confirm_duplicate`` is
            False; nothing is saved.
        ValidationError: Naming the field.
    """
    clinic = clinic or actor.clinic
    values = _with_phones_checked(_only(data, DEMOGRAPHIC_FIELDS))
    patient = Patient(clinic=clinic, **values)
    patient.full_clean(exclude=["chart_number"])
    # The clinic's row is locked from here on: two desks registering the same
    # person at the same moment are checked one after the other.
    patient.chart_number = next_chart_number(clinic)
    matches = possible_duplicates(clinic, patient)
    if matches and not confirm_duplicate:
        raise PossibleDuplicateError(matches)
    patient.save()
    changes = dict(values)
    if matches:
        changes["registered_despite_possible_duplicates"] = [str(m.patient.code) for m in matches]
    record(
        actor,
        Action.CREATE,
        obj=patient,
        patient_code=str(patient.code),
        summary="Patient registered",
        changes=changes,
    )
    return patient


def _with_phones_checked(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each phone number given checked and in its display form.

    Raises:
        ValidationError: Naming every phone field that holds no valid number.
    """
    checked, errors = dict(data), {}
    for name in PHONE_FIELDS:
        if name in checked and checked[name] is not None:
            try:
                checked[name] = normalise_phone(str(checked[name]), field=name)
            except ValidationError as exc:
                errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return checked


@transaction.atomic
def update_patient(
    actor: User,
    patient: Patient,
    data: dict[str, Any],
    *,
    expected: dict[str, Any] | None = None,
) -> Patient:
    """Change the demographic fields in ``data``; other fields are left alone.

    The row is read again under a lock, never taken from the caller: a
    ModelForm bound to the caller's copy has already changed it in memory while
    validating (so "before" would equal "after" and nothing was saved, issue 8
    #2), and another edit may have committed since it was read (#5).

    Args:
        expected: For each field in ``data``, the value the user started from.
            A field someone else changed since then, to something else again,
            is refused (naming it) rather than silently overwritten.
    """
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    before = {name: getattr(locked, name) for name in DEMOGRAPHIC_FIELDS}
    # Only the phones being changed are checked: a number stored before numbers
    # were checked does not block an edit of the address.
    data = _with_phones_checked(_only(data, DEMOGRAPHIC_FIELDS))
    conflicts = {
        name: f"Changed by someone else while you were editing (now {before[name]!s}); "
        "check it and save again."
        for name, value in data.items()
        if expected is not None
        and name in expected
        and before[name] != expected[name]
        and before[name] != value
    }
    if conflicts:
        raise ValidationError(conflicts)
    for name, value in data.items():
        setattr(locked, name, value)
    locked.full_clean()
    changes = diff(locked, before, DEMOGRAPHIC_FIELDS)
    if changes:
        locked.save(update_fields=tuple(changes))
        record(
            actor,
            Action.UPDATE,
            obj=locked,
            patient_code=str(locked.code),
            summary="Demographics changed",
            changes=changes,
        )
    return locked


def next_chart_number(clinic: Clinic) -> str:
    """Return the clinic's next chart number (caller holds a transaction)."""
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    numbers = Patient.objects.filter(clinic=clinic).aggregate(Max("chart_number"))
    last = numbers["chart_number__max"]
    return f"KC-{(int(last[3:]) if last else 0) + 1:06d}"


@transaction.atomic
def record_measurement(actor: User, patient: Patient, data: dict[str, Any]) -> BodyMeasurement:
    entry = BodyMeasurement(
        patient=patient, recorded_by=actor, **_only(data, ("weight_kg", "height_cm", "measured_on"))
    )
    return _add_entry(actor, entry, "Body measurement recorded")


@transaction.atomic
def add_allergy(actor: User, patient: Patient, data: dict[str, Any]) -> Allergy:
    entry = Allergy(
        patient=patient, recorded_by=actor, **_only(data, ("substance", "reaction", "severity"))
    )
    return _add_entry(actor, entry, "Allergy recorded")


@transaction.atomic
def add_medication(actor: User, patient: Patient, data: dict[str, Any]) -> Medication:
    entry = Medication(
        patient=patient, recorded_by=actor, **_only(data, ("name", "dose", "started_on"))
    )
    return _add_entry(actor, entry, "Medication recorded")


@transaction.atomic
def add_condition(actor: User, patient: Patient, data: dict[str, Any]) -> Condition:
    """Record a diagnosis; the same ICD-10 code may be active only once per patient.

    Raises:
        ValidationError: On ``icd10_code`` when that code is already an active
            condition of the patient (retire it first to record it again).
    """
    entry = Condition(
        patient=patient,
        recorded_by=actor,
        **_only(data, ("icd10_code", "description", "onset_date", "is_primary_pain_diagnosis")),
    )
    # Writers of one patient's conditions queue on the patient's row, so two
    # nurses adding the same code at the same moment cannot both succeed.
    Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()
    entry.full_clean(exclude=["patient", "recorded_by"])  # field errors first; normalises the code
    code = entry.icd10_code
    active = Condition.objects.filter(patient=patient, status=EntryStatus.ACTIVE)
    for existing in active.only("icd10_code", "description"):
        try:
            same = normalise_icd10(existing.icd10_code) == code
        except InputError:
            same = False
        if same:
            raise ValidationError(
                {
                    "icd10_code": f"{code} is already an active condition of this patient "
                    f"({existing.description or code}); retire it first to record it again."
                },
                code="duplicate",
            )
    return _add_entry(actor, entry, "Condition recorded")


@transaction.atomic
def retire_entry(actor: User, entry: ChartEntry, *, status: str, reason: str) -> ChartEntry:
    """Mark an entry resolved/stopped or entered in error. Nothing is ever erased."""
    if status not in (EntryStatus.RESOLVED, EntryStatus.ENTERED_IN_ERROR):
        raise ValidationError({"status": "must be 'resolved' or 'entered_in_error'"})
    if not reason.strip():
        raise ValidationError({"status_reason": "Give a reason."})
    before = {"status": entry.status, "status_reason": entry.status_reason}
    entry.status, entry.status_reason = status, reason.strip()[:200]
    entry.save(update_fields=("status", "status_reason"))
    action = Action.DELETE if status == EntryStatus.ENTERED_IN_ERROR else Action.UPDATE
    record(
        actor,
        action,
        obj=entry,
        patient_code=str(entry.patient.code),
        summary=f"{str(entry._meta.verbose_name).capitalize()} marked {entry.get_status_display()}",
        changes=diff(entry, before, ("status", "status_reason")),
    )
    return entry


def record_view(actor: User, patient: Patient, *, part: str) -> None:
    """Write the audit record of someone looking at a patient's record.

    Once per patient per request, and only in a request that reads: a page
    that changes data is audited by the change.
    """
    context = current_request_context()
    if context is not None:
        if not context.reads or str(patient.code) in context.viewed:
            return
        context.viewed.add(str(patient.code))
    record(
        actor, Action.VIEW, obj=patient, patient_code=str(patient.code), summary=f"Viewed {part}"
    )


def record_list(actor: User, patients: list[Patient], *, summary: str = "Patient list") -> None:
    """Audit a list of patients shown: who saw which (names stay out of the trail)."""
    context = current_request_context()
    if context is not None and not context.reads:
        return
    record(
        actor,
        Action.LIST,
        summary=f"{summary} ({len(patients)} shown)",
        changes={"patients": [str(p.code) for p in patients]},
    )


@transaction.atomic
def link_portal_account(actor: User | None, patient: Patient, user: User) -> None:
    patient.portal_user = user
    patient.save(update_fields=("portal_user",))
    record(
        actor,
        Action.UPDATE,
        obj=patient,
        patient_code=str(patient.code),
        summary="Portal account linked",
        changes={"portal_user": user.get_username()},
    )


def _add_entry(actor: User, entry: E, summary: str) -> E:
    entry.full_clean(exclude=["patient", "recorded_by"])
    entry.save(force_insert=True)  # the callers construct it: always a new row
    values = {
        f.name: getattr(entry, f.attname)
        for f in entry._meta.concrete_fields
        if f.name not in ("id", "patient", "recorded_by", "recorded_at", "code")
    }
    record(
        actor,
        Action.CREATE,
        obj=entry,
        patient_code=str(entry.patient.code),
        summary=summary,
        changes=values,
    )
    return entry


def _only(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in fields}


def record_search(actor: User, results: list[Patient], *, summary: str = "Patient search") -> None:
    """Searches are audited with the patients found, never the search text (it may be PHI)."""
    record(
        actor,
        Action.SEARCH,
        summary=f"{summary} ({len(results)} results)",
        changes={"patients": [str(p.code) for p in results]},
    )
