"""The API's refusals: 401 without (good) credentials, 403 for a role that may not,
JSON everywhere; capped pages; and a schema that documents both."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from ketaclinic.accounts.models import User
from ketaclinic.conftest import PASSWORD, login, make_patient, token_client
from ketaclinic.patients.models import Patient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/patients/"), ("post", "/api/patients/search/"), ("get", "/api/me/")],
)
def test_it_answers_401_with_a_challenge_when_credentials_are_missing(
    method: str, url: str, ada: Patient
) -> None:
    response = getattr(APIClient(), method)(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="api"'
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_it_answers_403_when_the_role_may_not(desmond: User, ada: Patient) -> None:
    url = f"/api/patients/{ada.code}/conditions/"
    for client in (token_client(desmond), login(Client(), desmond)):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json() == {"detail": "Your role may not do this."}
        assert "WWW-Authenticate" not in response
    refused = token_client(desmond).post(
        url, {"icd10_code": "G57.11", "description": "Meralgia"}, format="json"
    )
    assert refused.status_code == 403
    assert list(ada.conditions.values_list("icd10_code", flat=True)) == ["G90.521"]


def test_an_unverified_staff_session_gets_a_401_that_says_why(nina: User) -> None:
    client = Client()
    client.post("/accounts/login/", {"username": "nina", "password": PASSWORD})
    response = client.get("/api/patients/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "Two-factor verification is required" in response.json()["detail"]


def test_the_schema_refuses_anonymous_readers_in_json(nina: User) -> None:
    response = Client().get("/api/schema/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "Content-Disposition" not in response
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_an_unknown_api_address_is_a_json_404(nina: User) -> None:
    response = token_client(nina).get("/api/patients/not-a-code/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    page = login(Client(), nina).get("/patients/not-a-code/")
    assert page.status_code == 404
    assert "text/html" in page["Content-Type"]


def test_it_caps_the_page_size(nina: User) -> None:
    for i in range(105):
        make_patient(nina.clinic, family_name=f"Test{i:03d}", chart_number=f"T-{i:03d}")
    api = token_client(nina)
    page = api.get("/api/patients/", {"limit": 100000}).json()
    assert page["count"] == Patient.objects.filter(clinic=nina.clinic).count() == 105
    assert len(page["results"]) == 100
    assert "limit=100" in page["next"]
    default = api.get("/api/patients/").json()
    assert len(default["results"]) == 50
    rest = api.get("/api/patients/", {"limit": 100, "offset": 100}).json()
    assert len(rest["results"]) == 5
    assert rest["next"] is None


def test_the_schema_documents_errors_and_the_page_shape(nina: User) -> None:
    schema = token_client(nina).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    listing = paths["/api/patients/"]["get"]
    page_ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][page_ref.rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"count", "next", "previous", "results"}
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/Patient"}
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")
    assert "at most 100" in limit["description"]
    responses = schema["components"]["responses"]
    field_errors = schema["components"]["schemas"]["FieldErrors"]
    assert field_errors["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    assert "WWW-Authenticate" in responses["NotAuthenticated"]["headers"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)
            assert any(code.startswith("2") for code in codes), (method, path)
            if method in ("post", "patch", "put"):
                assert "400" in codes, (method, path)
                assert "403" in codes, (method, path)  # CSRF, at least
            if "{" in path:
                assert "404" in codes, (method, path)
            for code, response in operation["responses"].items():
                if code.startswith("2") and code != "204":
                    assert "content" in response, (method, path, code)
    refusal = paths["/api/patients/{code}/conditions/"]["get"]["responses"]["403"]
    assert refusal == {"$ref": "#/components/responses/Forbidden"}


def test_the_schema_builds_without_a_warning(tmp_path) -> None:
    """Issue 10 #15: a warning (an operation id used twice, enum names that collide)
    means readers and generated clients see guessed names."""
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert (tmp_path / "schema.yml").stat().st_size > 0


def test_nested_field_errors_are_named_by_their_dotted_path() -> None:
    from ketaclinic.lib.api import flat_errors

    detail = {
        "care": {"other": {"note": ["Say what it is."]}},
        "items": [{}, {"dose": ["Too high."]}],
        "reason": ["Required."],
    }
    assert flat_errors(detail) == {
        "care.other.note": ["Say what it is."],
        "items[1].dose": ["Too high."],
        "reason": ["Required."],
    }
    assert flat_errors(["Bad body."]) == {"non_field_errors": ["Bad body."]}
