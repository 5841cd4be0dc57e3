"""The public site: in the clinic's own name, honest pages with their sources, and an
admin page whose changes are saved, audited and shown (read back from the database)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from ketaclinic.accounts.models import Clinic
from ketaclinic.audit.models import AuditEvent
from ketaclinic.conftest import login
from ketaclinic.lib.citations import CITED, references
from ketaclinic.public.models import ClinicProfile
from ketaclinic.public.topics import SOURCES, TOPICS

TOPIC_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "public" / "topics"
CONTACT = {
    "street": "1200 E Camelback Rd, Suite 3",
    "city": "Phoenix",
    "region": "AZ",
    "postal_code": "85014",
    "phone": "(602) 555-0123",
    "email": "front.desk@desertsky.example.org",
    "welcome": "A small clinic for people living with nerve pain.",
    "published": "on",
}


def _publish(clinic: Clinic) -> ClinicProfile:
    return ClinicProfile.objects.create(
        clinic=clinic, phone="(602) 555-0123", city="Phoenix", published=True
    )


@pytest.mark.django_db
def test_a_visitor_sees_the_clinics_name_never_the_host_name(clinic, settings) -> None:
    settings.ALLOWED_HOSTS = ["server-7.internal.example.net"]
    _publish(clinic)
    page = Client(HTTP_HOST="server-7.internal.example.net").get("/")
    text = page.content.decode()
    assert page.status_code == 200
    assert clinic.name in text
    assert "server-7" not in text
    assert 'href="tel:+16025550123"' in text
    for topic in TOPICS:
        assert reverse("public:topic", args=[topic.slug]) in text


@pytest.mark.django_db
def test_without_a_published_profile_a_visitor_is_sent_to_sign_in(clinic) -> None:
    ClinicProfile.objects.create(clinic=clinic, phone="(602) 555-0123", published=False)
    assert Client().get("/")["Location"].startswith(reverse("accounts:login"))
    assert Client().get(reverse("public:topic", args=["evidence"])).status_code == 404


@pytest.mark.django_db
def test_with_two_published_clinics_the_setting_chooses_one(clinic, other_clinic, settings) -> None:
    _publish(clinic)
    _publish(other_clinic)
    assert Client().get("/").status_code == 302  # which one is not guessed
    settings.PUBLIC_CLINIC = str(other_clinic.code)
    text = Client().get("/").content.decode()
    assert other_clinic.name in text
    assert f">{clinic.name}<" not in text


@pytest.mark.django_db
def test_a_signed_in_user_still_gets_their_worklist(clinic, nina) -> None:
    _publish(clinic)
    page = login(Client(), nina).get("/")
    assert page.status_code == 200
    assert "worklists/home.html" in [t.name for t in page.templates]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", [t.slug for t in TOPICS])
def test_each_page_numbers_its_sources_and_lists_them_in_full(clinic, slug) -> None:
    _publish(clinic)
    topic = next(t for t in TOPICS if t.slug == slug)
    text = Client().get(reverse("public:topic", args=[slug])).content.decode()
    assert f"<h1>{topic.title}</h1>" in text
    assert not CITED.search(text.split('id="sources"')[0])  # no raw [Key] left
    for n, key in enumerate(topic.sources, start=1):
        assert f'href="#source-{n}"' in text
        listed = text.split(f'id="source-{n}">')[1].split("</li>")[0]
        assert listed == escape(SOURCES[key])
    assert SOURCES[topic.sources[0]][:30] in text


def test_every_cited_key_is_a_listed_source_and_a_reference() -> None:
    defined = {entry.key for section in references() for entry in section.entries}
    assert set(SOURCES) <= defined
    for topic in TOPICS:
        body = (TOPIC_TEMPLATES / f"{topic.slug}.html").read_text()
        cited = set(CITED.findall(body))
        assert cited == set(topic.sources), topic.slug
        assert set(topic.sources) <= set(SOURCES)


def test_the_evidence_page_says_where_evidence_is_weak() -> None:
    text = re.sub(r"\s+", " ", (TOPIC_TEMPLATES / "evidence.html").read_text())
    assert "moderate evidence" in text
    assert "weak evidence, or none" in text


@pytest.mark.django_db
def test_the_admin_publishes_the_site_and_it_is_saved_and_audited(clinic, alice) -> None:
    client = login(Client(), alice)
    answer = client.post(reverse("public:profile"), CONTACT)
    assert answer.status_code == 302
    profile = ClinicProfile.objects.get(clinic=clinic)
    assert (profile.city, profile.phone, profile.published) == ("Phoenix", "(602) 555-0123", True)
    event = AuditEvent.objects.filter(actor_id=alice.pk, summary="Public clinic profile changed")
    assert event.get().changes["city"] == ["", "Phoenix"]
    visitor = Client().get("/").content.decode()
    assert "1200 E Camelback Rd, Suite 3" in visitor
    assert "Phoenix, AZ 85014" in visitor
    assert CONTACT["welcome"] in visitor


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "555", "Phone"),
        ("email", "front desk", "Email: give a valid address"),
        ("city", "x" * 101, "100 characters"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(clinic, alice, field, value, message) -> None:
    client = login(Client(), alice)
    answer = client.post(reverse("public:profile"), CONTACT | {field: value})
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not ClinicProfile.objects.filter(clinic=clinic, published=True).exists()


@pytest.mark.django_db
def test_publishing_without_a_way_to_reach_the_clinic_is_refused(clinic, alice) -> None:
    client = login(Client(), alice)
    answer = client.post(reverse("public:profile"), CONTACT | {"phone": "", "email": ""})
    assert answer.status_code == 400
    assert "give a phone number or an email" in answer.content.decode()
    assert not ClinicProfile.objects.filter(clinic=clinic).exists()


@pytest.mark.django_db
def test_only_the_admin_edits_the_public_site(clinic, nina, rivera, desmond) -> None:
    for user in (nina, rivera, desmond):
        assert login(Client(), user).post(reverse("public:profile"), CONTACT).status_code == 403
    assert not ClinicProfile.objects.exists()


@pytest.mark.django_db
def test_the_contact_page_shows_the_opening_hours_from_the_calendar(clinic) -> None:
    import datetime as dt

    from ketaclinic.scheduling import services as scheduling

    _publish(clinic)
    scheduling.set_opening_hours(None, clinic, {0: [(dt.time(8), dt.time(17))]})
    text = Client().get(reverse("public:contact")).content.decode()
    assert '<th scope="row">Monday</th><td>8:00 AM–5:00 PM</td>' in text
    assert '<th scope="row">Sunday</th><td>Closed</td>' in text
