"""The API for people: a browsable front page and interactive docs from our own files."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import login


def test_staff_get_the_front_page_as_json_or_as_a_page(nina) -> None:
    client = login(Client(), nina)
    as_json = client.get(reverse("api-root"), HTTP_ACCEPT="application/json")
    assert as_json.status_code == 200
    links = as_json.json()
    assert links["Patients"]["Patients (paged)"].endswith("/api/patients/")
    assert links["Reference"]["Interactive documentation"].endswith("/api/docs/")
    page = client.get(reverse("api-root"), HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert "text/html" in page["Content-Type"]
    assert "/api/patients/" in page.content.decode()


def test_an_endpoint_is_browsable_with_its_permissions(nina, desmond, ada) -> None:
    page = login(Client(), nina).get(
        reverse("api:patient-detail", args=[ada.code]), HTTP_ACCEPT="text/html"
    )
    assert page.status_code == 200
    assert "Lovelace" in page.content.decode()
    refused = login(Client(), desmond).get(
        reverse("api:patient-conditions", args=[ada.code]), HTTP_ACCEPT="text/html"
    )
    assert refused.status_code == 403


def test_the_interactive_docs_load_their_files_from_this_server(nina, client) -> None:
    page = login(Client(), nina).get(reverse("api-docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]*swagger-ui[^"]*)"', html)
    assert assets, html[:500]
    assert all(a.startswith("/static/") for a in assets), assets
    for asset in assets:
        assert login(Client(), nina).get(asset).status_code == 200, asset
    assert "/api/schema/" in html


def test_patients_and_strangers_get_no_docs(ada) -> None:
    assert login(Client(), ada.portal_user).get(reverse("api-docs")).status_code == 403
    anonymous = Client().get(reverse("api-docs"))
    assert anonymous.status_code == 401
    assert Client().get(reverse("api-schema")).json()["detail"]
