"""CSV export of the per-series summary, identified or de-identified for research; audited.

**De-identified** follows the Safe Harbor method of HIPAA, 45 CFR 164.514(b)(2)
[HIPAA-164.514]: no names, no geography at all (not even the state: the region field is
free text), no telephone, email, chart number, patient code or any other record number, no
free text; ages in whole years at the series' start, over 89 as ``90+``; and dates shifted
for each patient by a consistent offset (1 to 365 days, earlier or later), so intervals
within a patient survive and no real date appears. Each patient is a pseudonym. Both are
drawn at random the first time the patient is exported and kept (``ResearchKey``), not
derived from anything about the patient (§164.514(c)), so exports can be joined.
docs/analytics.md says what this does not cover.

**Identified** (the patient's code, chart number, name and date of birth with the real
dates) is for clinicians: it needs ``PATIENT_VIEW_CLINICAL`` besides the analytics
capability, so a clinic admin exports de-identified rows only.

Every export writes one audit record (a list read): who, the filters, the number of rows,
and whether it was de-identified; an identified one names the patients.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from ketaclinic.accounts.roles import Capability
from ketaclinic.audit.services import Action, record
from ketaclinic.lib import clock
from ketaclinic.outcomes.analytics import Filters, group_label, series_rows
from ketaclinic.outcomes.models import ResearchKey

__all__ = ["DEIDENTIFIED_COLUMNS", "IDENTIFIED_COLUMNS", "age_group", "export_csv", "keys_for"]

#: Ages above this are one group (Safe Harbor: "90 or older").
_OLDEST_SHOWN = 89

_OUTCOME = (
    "series_number",
    "infusions",
    "booster",
    "condition_group",
    "protocol_id",
    "protocol_name",
    "duration_min",
    "baseline_pain",
    "response_pain",
    "percent",
    "category",
    "responder",
    "meets_points",
    "relief_onset_days",
    "relief_days",
    "relief_censored",
    "phq9_before",
    "phq9_after",
    "gad7_before",
    "gad7_after",
    "sessions",
    "session_alerts",
    "side_effects",
    "policy_version",
)
DEIDENTIFIED_COLUMNS = (
    "pseudonym",
    "sex",
    "age_at_start",
    "first_day_shifted",
    "last_day_shifted",
    *_OUTCOME,
)
IDENTIFIED_COLUMNS = (
    "patient_code",
    "chart_number",
    "family_name",
    "given_name",
    "date_of_birth",
    "sex",
    "first_day",
    "last_day",
    *_OUTCOME,
)
_PATIENT = (
    "patient__code",
    "patient__chart_number",
    "patient__family_name",
    "patient__given_name",
    "patient__date_of_birth",
    "patient__sex",
)


def _random_shift() -> int:
    """-365..-1 or 1..365 days, never 0, each equally likely."""
    offset = secrets.randbelow(730) - 365
    return offset + 1 if offset >= 0 else offset


def keys_for(patient_ids: Iterable[int]) -> dict[int, ResearchKey]:
    """Each patient's research key, drawn now for a patient exported for the first time.

    Two exports at the same moment draw for the same patient at most once: the insert
    skips a patient who got a key meanwhile, and every key is read back.
    """
    wanted = set(patient_ids)
    for _ in range(3):
        found = {k.patient_id: k for k in ResearchKey.objects.filter(patient_id__in=wanted)}
        missing = wanted - set(found)
        if not missing:
            return found
        now = clock.now()
        drawn = [
            ResearchKey(
                patient_id=pk,
                pseudonym="P-" + secrets.token_hex(8),
                shift_days=_random_shift(),
                created_at=now,
            )
            for pk in sorted(missing)
        ]
        ResearchKey.objects.bulk_create(drawn, ignore_conflicts=True)
    raise RuntimeError("could not draw research keys")  # three pseudonym collisions in a row


def age_group(born: dt.date, on: dt.date) -> str:
    """Completed years on ``on``; above 89, "90+"."""
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return "90+" if years > _OLDEST_SHOWN else str(years)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else value


def _outcome(row: dict[str, Any]) -> list[Any]:
    values = {**row, "condition_group": group_label("group", row["condition_group"], {})}
    return [_cell(values[c]) for c in _OUTCOME]


def _deidentified(row: dict[str, Any], key: ResearchKey) -> list[Any]:
    shift = dt.timedelta(days=key.shift_days)
    return [
        key.pseudonym,
        row["patient__sex"],
        age_group(row["patient__date_of_birth"], row["first_day"]),
        (row["first_day"] + shift).isoformat(),
        (row["last_day"] + shift).isoformat(),
        *_outcome(row),
    ]


def _identified(row: dict[str, Any]) -> list[Any]:
    return [
        str(row["patient__code"]),
        row["patient__chart_number"],
        row["patient__family_name"],
        row["patient__given_name"],
        row["patient__date_of_birth"].isoformat(),
        row["patient__sex"],
        row["first_day"].isoformat(),
        row["last_day"].isoformat(),
        *_outcome(row),
    ]


def _write(header: Iterable[str], rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@transaction.atomic
def export_csv(user: Any, filters: Filters, *, deidentified: bool) -> tuple[str, int]:
    """The filtered series as CSV text and the number of rows; the export is audited.

    Raises:
        PermissionDenied: the analytics capability is missing, or an identified export
            was asked for without ``PATIENT_VIEW_CLINICAL``.
    """
    rows = series_rows(user, filters)  # checks OUTCOMES_ANALYTICS
    if not deidentified and not user.can(Capability.PATIENT_VIEW_CLINICAL):
        raise PermissionDenied("Only clinicians export identified rows.")
    values = list(
        rows.order_by("first_day", "patient_id", "series_number").values(
            "first_day", "last_day", "patient_id", *_OUTCOME, *_PATIENT
        )
    )
    if deidentified:
        keys = keys_for(r["patient_id"] for r in values)
        lines = (_deidentified(r, keys[r["patient_id"]]) for r in values)
        text = _write(DEIDENTIFIED_COLUMNS, lines)
    else:
        text = _write(IDENTIFIED_COLUMNS, (_identified(r) for r in values))
    changes: dict[str, Any] = {
        "filters": filters.as_audit(),
        "rows": len(values),
        "deidentified": deidentified,
    }
    if not deidentified:
        changes["patients"] = sorted({str(r["patient__code"]) for r in values})
    kind = "de-identified" if deidentified else "identified"
    record(
        user,
        Action.LIST,
        summary=f"Outcomes exported as CSV ({kind}, {len(values)} series)",
        changes=changes,
    )
    return text, len(values)
