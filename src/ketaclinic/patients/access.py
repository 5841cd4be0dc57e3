"""Permission-checked getters for patient records.

A record outside the user's clinic answers 404, exactly like a record that does
not exist, so that codes cannot be probed.

Reads are audited here, where they happen, not left to each page's memory
(issue 8 #7): a getter that returns a patient records that the user viewed
them (``part`` says what), a list records which patients it showed, a search
which patients it found. In a request that changes data (POST, PATCH…) the
getter records nothing: the change writes its own audit record. Getters write
nothing but these records.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import require
from ketaclinic.patients import services
from ketaclinic.patients.models import (
    Allergy,
    BodyMeasurement,
    Condition,
    EntryStatus,
    Medication,
    Patient,
)
from ketaclinic.patients.services import PossibleDuplicate
from ketaclinic.patients.validation import phone_digits, phone_search_prefixes, search_key

SEARCH_LIMIT = 50
#: The columns a patient list shows; lists load only these.
LIST_FIELDS = (
    "code",
    "chart_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "phone",
    "sex",
    "portal_user",
)
ENTRY_MODELS: dict[str, type[BodyMeasurement | Allergy | Medication | Condition]] = {
    "measurement": BodyMeasurement,
    "allergy": Allergy,
    "medication": Medication,
    "condition": Condition,
}
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")


def patients_for(user: Any) -> QuerySet[Patient]:
    """All patients of the user's clinic, unread (the user must be allowed to search).

    Show them through :func:`listed`, which records who saw which.
    """
    staff = require(user, Capability.PATIENT_SEARCH)
    return Patient.objects.filter(clinic_id=staff.clinic_id)


def patients_by_name(user: Any, *, fields: Sequence[str] = ()) -> QuerySet[Patient]:
    """The clinic's patients in list order (family name, given name), unread.

    Args:
        fields: Load only these columns (e.g. :data:`LIST_FIELDS`); all when empty.

    Show them through :func:`listed`, which records who saw which.
    """
    rows = patients_for(user).order_by("search_family", "search_given", "pk")
    return rows.only(*fields) if fields else rows


def listed(user: Any, patients: Iterable[Patient]) -> list[Patient]:
    """The patients a list page or the API shows, with the audit record of who listed whom."""
    staff = require(user, Capability.PATIENT_SEARCH)
    shown = list(patients)
    services.record_list(staff, shown)
    return shown


def get_patient_for_user(
    user: Any,
    code: UUID | str,
    capability: Capability = Capability.PATIENT_VIEW_DEMOGRAPHICS,
    *,
    part: str,
) -> Patient:
    """A patient of the user's clinic, if the user has ``capability``; the read is audited.

    Args:
        part: What of the record the page or endpoint shows, in words
            ("chart", "screening"…), for the audit trail.
    """
    staff = require(user, capability)
    try:
        patient = Patient.objects.select_related("clinic").get(code=code, clinic_id=staff.clinic_id)
    except (Patient.DoesNotExist, ValueError):
        raise Http404("No such patient") from None
    services.record_view(staff, patient, part=part)
    return patient


def get_own_patient(user: Any, *, part: str) -> Patient:
    """The portal user's own record; the read is audited."""
    portal_user = require(user, Capability.PORTAL_OWN_RECORD)
    try:
        patient = Patient.objects.get(portal_user=portal_user)
    except Patient.DoesNotExist:
        raise Http404("No patient record is linked to this account") from None
    services.record_view(portal_user, patient, part=part)
    return patient


def get_entry_for_user(
    user: Any, patient_code: UUID | str, kind: str, entry_code: UUID | str
) -> BodyMeasurement | Allergy | Medication | Condition:
    patient = get_patient_for_user(
        user, patient_code, Capability.PATIENT_EDIT_CLINICAL, part=f"{kind} entry"
    )
    model = ENTRY_MODELS.get(kind)
    if model is None:
        raise Http404("No such kind of entry")
    try:
        return model.objects.select_related("patient").get(code=entry_code, patient=patient)
    except (model.DoesNotExist, ValueError):
        raise Http404("No such entry") from None


def clinical_summary(patient: Patient) -> dict[str, list[Any]]:
    """The clinical lists of a chart (four queries, whatever their length)."""
    live = ~Q(status=EntryStatus.ENTERED_IN_ERROR)
    return {
        "conditions": list(patient.conditions.filter(live)),
        "medications": list(patient.medications.filter(live)),
        "allergies": list(patient.allergies.filter(live)),
        "measurements": list(patient.measurements.filter(live)[:10]),
    }


def chart_entries(patient: Patient, kind: str) -> QuerySet[Any]:
    """Every entry of one ``kind`` in a chart (entered in error too), in the model's order.

    ``patient`` comes from a getter (:func:`get_patient_for_user`), which checked that
    the user may see the chart's clinical details and recorded the read.
    """
    model = ENTRY_MODELS.get(kind)
    if model is None:
        raise Http404("No such kind of entry")
    return model.objects.filter(patient=patient)


def search_patients(
    user: Any,
    query: str,
    *,
    annotate: Callable[[QuerySet[Patient]], QuerySet[Patient]] | None = None,
) -> list[Patient]:
    """Find patients by name, date of birth or phone; one indexed query.

    * ``1980-04-02`` (or 04/02/1980): date of birth
    * four or more digits: phone number (prefix of the digits)
    * ``smi`` / ``smith, jo`` / ``jo smith``: name prefixes, in either order

    Args:
        annotate: Adds columns to the query (a list's statuses), in the same query.
    """
    staff = require(user, Capability.PATIENT_SEARCH)
    base = patients_for(staff).only(*LIST_FIELDS)
    found = _search(annotate(base) if annotate else base, query.strip())
    services.record_search(staff, found)
    return found


def duplicates_shown(user: Any, matches: list[PossibleDuplicate]) -> list[PossibleDuplicate]:
    """Possible duplicates a registration page or the API shows; audited like a search.

    The record names the patients shown, never what was typed.
    """
    staff = require(user, Capability.PATIENT_CREATE)
    services.record_search(
        staff, [m.patient for m in matches], summary="Possible duplicates shown at registration"
    )
    return matches


def _search(base: QuerySet[Patient], query: str) -> list[Patient]:
    if not query:
        return []
    birth_date = _parse_date(query)
    if birth_date is not None:
        found = base.filter(date_of_birth=birth_date)
    elif re.fullmatch(r"[\d\s()+.-]+", query) and len(phone_digits(query)) >= 4:
        prefixes, country = phone_search_prefixes(query)
        if not prefixes:
            return []
        wanted = Q(pk__in=[])
        for prefix in prefixes:
            wanted |= _prefix("phone_digits", prefix)
        found = base.filter(wanted)
        if country:
            found = found.filter(phone_e164__startswith=country)
    else:
        name_filter = _name_filter(query)
        if name_filter is None:
            return []
        found = base.filter(name_filter)
    return list(found.order_by("search_family", "search_given")[:SEARCH_LIMIT])


def _name_filter(query: str) -> Q | None:
    parts = [search_key(p) for p in re.split(r"[,\s]+", query) if search_key(p)]
    if not parts:
        return None
    if len(parts) == 1:
        # One word: a family name, a given name, or both written together as
        # Chinese, Japanese and Korean names usually are ("王芳").
        return (
            _prefix("search_family", parts[0])
            | _prefix("search_given", parts[0])
            | _prefix("search_full", parts[0])
        )
    first, last = parts[0], parts[-1]
    if "," in query:  # "family, given"
        return _prefix("search_family", first) & _prefix("search_given", last)
    return (_prefix("search_given", first) & _prefix("search_family", last)) | (
        _prefix("search_family", first) & _prefix("search_given", last)
    )


def _prefix(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, as a range the B-tree index answers.

    (``startswith`` becomes LIKE, which SQLite cannot answer from an index on
    a case-sensitive column.) The range ``[prefix, next)`` holds exactly the
    strings that start with ``prefix`` when strings compare by code point:
    SQLite's BINARY collation does, and the search columns use the "C"
    collation on PostgreSQL (patients migration 0003) so that it does too,
    whatever the database's default collation.
    """
    upper = _successor(prefix)
    if upper is None:
        return Q(**{f"{field}__gte": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


def _successor(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix``."""
    while prefix:
        code = ord(prefix[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates are not characters; skip them
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:-1] + chr(code)
        prefix = prefix[:-1]
    return None


def _parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    return None
