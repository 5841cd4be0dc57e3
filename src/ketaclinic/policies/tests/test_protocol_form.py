"""The protocol library edited through labelled fields, approved, and used by plans."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import PASSWORD, login, submit
from ketaclinic.plans.services import library_in_force
from ketaclinic.policies.models import PolicyKind, PolicyVersion
from ketaclinic.policies.tests.helpers import shown_errors
from ketacore.infusion import default_protocol_document

pytestmark = pytest.mark.django_db
PROTOCOLS = PolicyKind.PROTOCOLS
URL = reverse("policies:edit", args=(PROTOCOLS,))
#: The shipped protocols' places on the form.
AT = {p["id"]: f"p{i}" for i, p in enumerate(default_protocol_document()["protocols"])}
CRPS, SHORT = AT["crps-schwartzman"], AT["half-mg-per-kg-40-min"]
REASONS = {f"{g}__reason": "Review" for g in ["library", *AT.values()]}


def test_it_edits_a_hard_limit_that_plans_use_once_approved(rivera) -> None:
    client = login(Client(), rivera)
    page = client.get(URL).content.decode()
    assert "Infusion rate: hard limit (mg/h)" in page
    assert "Concentration (mg/mL)" in page
    assert "import it" in page  # adding a protocol is done with a file
    response = submit(
        client,
        URL,
        {
            "version": "2026.2",
            "change_note": "Lower CRPS ceiling",
            f"{CRPS}__limit1__hard_max": "22",
            f"{CRPS}__reason": "Our pumps' CRPS patients are lighter",
        },
    )
    assert response.status_code == 302
    draft = PolicyVersion.objects.get(kind=PROTOCOLS, version="2026.2")
    crps = draft.document["protocols"][3]
    assert crps["limits"][1] == {
        "quantity": "rate_mg_per_h",
        "hard_max": 22,
        "source": "Schwartzman 2009 [Schwartzman2009]",
    }
    assert draft.changes == [
        {
            "path": f"{CRPS}__reason",
            "label": "CRPS outpatient regimen (4 hours a day for 10 days): "
            "Infusion rate: hard limit (mg/h)",
            "from": 25,
            "to": 22,
            "reason": "Our pumps' CRPS patients are lighter",
        }
    ]
    assert library_in_force(rivera.clinic)[1].get("crps-schwartzman").limits[1].hard_max == 25

    approve = reverse("policies:approve", args=(PROTOCOLS, draft.code))
    assert client.post(approve, {"password": PASSWORD}).status_code == 302
    version, library = library_in_force(rivera.clinic)
    assert version == draft
    assert library.get("crps-schwartzman").limits[1].hard_max == 22


def test_an_unchanged_form_stores_the_same_library(rivera) -> None:
    client = login(Client(), rivera)
    response = submit(client, URL, {"version": "2026.2", "change_note": "Reviewed"})
    assert response.status_code == 302
    stored = PolicyVersion.objects.get(kind=PROTOCOLS, version="2026.2")
    shipped = default_protocol_document()
    assert {**stored.document, "version": "", "approved_by": None} == {
        **shipped,
        "version": "",
        "approved_by": None,
    }
    assert stored.changes == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"library__limit1__hard_max": "70"},  # below its soft 80 mg/h
            "Infusion rate: hard limit (mg/h): must not be below the soft maximum",
        ),
        (
            {f"{CRPS}__limit1__soft_max": "30"},  # above its hard 25 mg/h
            "Infusion rate: soft maximum (mg/h): must not be above the hard limit",
        ),
        (
            {"library__limit3__hard_max": ""},
            "Dose in one session: hard limit (mg): must be set (every library needs a "
            "drug-wide hard limit for dose in one session)",
        ),
        (
            {f"{CRPS}__limit0__hard_max": ""},
            "Infusion rate per kg: soft minimum (mg/kg/h): set at least one of the soft "
            "minimum, the soft maximum and the hard limit",
        ),
        (
            {f"{SHORT}__duration_min": "90"},
            "Duration (min): must lie between the shortest and longest duration",
        ),
        ({f"{SHORT}__dose": "half"}, "Dose (mg/kg): enter a number"),
        ({f"{SHORT}__concentration": "-1"}, "Concentration (mg/mL): must be a number above 0"),
        ({f"{SHORT}__count": "3.5"}, "Infusions in the series: enter a whole number"),
        (
            {f"{SHORT}__spacing_days": "0"},
            "Days between infusions: must be at least 1 day when the series has more than one "
            "infusion",
        ),
        (
            {f"{AT['one-hour-higher-dose']}__dose": "1.1"},
            "Titration up to (mg/kg/h): must not be below the starting dose",
        ),
    ],
)
def test_a_bad_value_is_refused_on_its_field_and_nothing_is_stored(
    rivera, changes: dict[str, str], message: str
) -> None:
    client = login(Client(), rivera)
    page = submit(client, URL, {"version": "2026.2", "change_note": "x"} | REASONS | changes)
    assert page.status_code == 400
    errors = shown_errors(page.content.decode())
    assert message in errors
    assert not [e for e in errors if "_" in e or "[" in e]  # no document keys on the page
    assert not PolicyVersion.objects.exists()
