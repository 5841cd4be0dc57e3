"""The protocol library is a policy like the eligibility rules: shown, imported, approved."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import PASSWORD, login, submit
from ketaclinic.policies import services
from ketaclinic.policies.models import PolicyKind, PolicyVersion
from ketacore.infusion import default_protocol_document

pytestmark = pytest.mark.django_db
PROTOCOLS = PolicyKind.PROTOCOLS


def test_the_library_page_shows_each_protocol_with_its_limits_and_sources(nina) -> None:
    page = login(Client(), nina).get(reverse("policies:detail", args=(PROTOCOLS,)))
    text = page.content.decode()
    assert page.status_code == 200
    assert "CRPS outpatient regimen (4 hours a day for 10 days)" in text
    assert "above 25.0 mg/h" in text  # Schwartzman's hard rate
    assert 'href="/references/#Schwartzman2009"' in text
    assert "Not yet reviewed" in text
    assert "/edit/" not in text  # a nurse reads it; only a physician is offered the edit form
    assert not PolicyVersion.objects.exists()  # a page view stores nothing


def test_an_imported_library_is_checked_then_approved_and_in_force(rivera) -> None:
    client = login(Client(), rivera)
    url = reverse("policies:import", args=(PROTOCOLS,))
    document = default_protocol_document()
    document["version"] = "2026.2"
    crps = document["protocols"][3]
    crps["limits"][1]["soft_max"] = 30  # above its hard 25 mg/h
    page = submit(client, url, {"document": json.dumps(document), "change_note": "Ours"})
    assert "protocols[3].limits[1].soft_max: must not be above hard_max" in page.content.decode()
    assert not PolicyVersion.objects.filter(kind=PROTOCOLS).exists()

    crps["limits"][1]["soft_max"] = 20
    done = submit(client, url, {"document": json.dumps(document), "change_note": "Ours"})
    assert done.status_code == 302
    draft = PolicyVersion.objects.get(kind=PROTOCOLS, version="2026.2")
    assert services.in_force(rivera.clinic, PROTOCOLS).version == "2026.1-draft"
    approve = reverse("policies:approve", args=(PROTOCOLS, draft.code))
    assert login(Client(), rivera).post(approve, {"password": PASSWORD}).status_code == 302
    library = services.loaded(services.in_force(rivera.clinic, PROTOCOLS))
    assert library.version == "2026.2"
    assert library.approved_by is not None
    assert library.get("crps-schwartzman").limits[1].soft_max == 20


def test_a_physician_is_offered_both_the_field_form_and_the_file_import(rivera) -> None:
    page = login(Client(), rivera).get(reverse("policies:detail", args=(PROTOCOLS,)))
    assert reverse("policies:edit", args=(PROTOCOLS,)) in page.content.decode()
    assert reverse("policies:import", args=(PROTOCOLS,)) in page.content.decode()
