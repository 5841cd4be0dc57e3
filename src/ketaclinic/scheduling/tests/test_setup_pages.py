"""The clinic admin's calendar set-up pages: each change reaches free_slots; bad input is
refused on its field with nothing saved; only the admin gets in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import Clinic
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.conftest import login, make_user
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling import availability, services
from ketaclinic.scheduling.models import (
    Closure,
    OpeningHours,
    Resource,
    ScheduleSettings,
    WorkingHours,
)
from ketaclinic.scheduling.services import Booking
from ketaclinic.scheduling.tests.helpers import T, days_ahead, local, open_clinic

pytestmark = pytest.mark.django_db

SETUP = "scheduling:setup"


def _post(client: Client, data: dict[str, Any], url: str | None = None) -> Any:
    return client.post(url or reverse(SETUP), data)


def _week(field: str, text: str) -> dict[str, str]:
    return {f"{field}_{d}": text for d in range(7)}


def _infusion_starts(clinic: Clinic, day: dt.date) -> list[dt.datetime]:
    need = availability.Need.of(clinic, "infusion", infusion_min=40)
    return [s.starts_at for s in availability.free_slots(clinic, need, day, day)]


def test_it_lets_the_admin_set_up_the_calendar_and_free_slots_follow_each_change(
    clinic, alice, nina, rivera
) -> None:
    admin = login(Client(), alice)
    day = days_ahead(3)
    assert _infusion_starts(clinic, day) == []

    added = _post(admin, {"action": "add_resource", "kind": "chair", "name": " Chair A "})
    assert added.status_code == 302
    chair = Resource.objects.get(clinic=clinic)
    assert (chair.name, chair.kind, chair.active) == ("Chair A", "chair", True)

    hours = _post(admin, {"action": "opening_hours", **_week("opening", "08:00–13:00")})
    assert hours.status_code == 302
    assert set(OpeningHours.objects.filter(clinic=clinic).values_list("opens", "closes")) == {
        (T(8), T(13))
    }
    assert _infusion_starts(clinic, day) == []  # open, but no one works yet

    for person in (nina, rivera):
        url = reverse("scheduling:setup_hours", args=[person.code])
        saved = _post(admin, _week("work", "8:00-13:00"), url)
        assert saved.status_code == 302
    # 40 min + 60 min recovery on a 15-min grid: 08:00 to 11:15 (the last ends 12:55).
    starts = _infusion_starts(clinic, day)
    assert starts[0] == local(clinic, day, T(8))
    assert starts[-1] == local(clinic, day, T(11, 15))
    assert len(starts) == 14

    # A break for the only nurse on that weekday: no infusion overlaps it.
    url = reverse("scheduling:setup_hours", args=[nina.code])
    with_break = _week("work", "08:00-13:00") | {f"breaks_{day.weekday()}": "10:00-10:30"}
    assert _post(admin, with_break, url).status_code == 302
    assert WorkingHours.objects.filter(clinician=nina, is_break=True).count() == 1
    length = dt.timedelta(minutes=100)
    pause = (local(clinic, day, T(10)), local(clinic, day, T(10, 30)))
    starts = _infusion_starts(clinic, day)
    assert starts
    assert not any(s < pause[1] and s + length > pause[0] for s in starts)
    assert starts == [s for s in starts if s + length <= pause[0] or s >= pause[1]]

    # The whole clinic closed from 10:30 that day: every slot ends by then.
    closed = _post(
        admin,
        {
            "action": "add_closure",
            "resource": "",
            "starts_on": day.isoformat(),
            "starts_time": "10:30",
            "ends_on": day.isoformat(),
            "ends_time": "18:00",
            "reason": "Fire drill",
        },
    )
    assert closed.status_code == 302
    closure = Closure.objects.get(clinic=clinic)
    assert (closure.starts_at, closure.reason) == (local(clinic, day, T(10, 30)), "Fire drill")
    starts = _infusion_starts(clinic, day)
    assert starts == [s for s in starts if s + length <= local(clinic, day, T(10, 30))]
    assert starts == [local(clinic, day, T(8)), local(clinic, day, T(8, 15))]

    # Shorter recovery and a 30-minute grid: the slots follow.
    settings = {
        "action": "settings",
        "recovery_min": "20",
        "consultation_min": "45",
        "follow_up_min": "20",
        "slot_step_min": "30",
    }
    assert _post(admin, settings, None).status_code == 302
    conf = ScheduleSettings.objects.get(clinic=clinic)
    assert (conf.recovery_min, conf.consultation_min, conf.follow_up_min, conf.slot_step_min) == (
        20,
        45,
        20,
        30,
    )
    # 40 + 20 min from 08:00, every 30 min, ending by the break at 10:00.
    assert _infusion_starts(clinic, day) == [
        local(clinic, day, T(h, m)) for h, m in ((8, 0), (8, 30), (9, 0))
    ]

    page = admin.get(reverse(SETUP)).content.decode()
    assert "Chair A" in page
    assert "Fire drill" in page
    assert "10:00–10:30" in page
    summaries = set(
        AuditEvent.objects.filter(actor_username="alice").values_list("summary", flat=True)
    )
    assert {"Infusion chair added", "Opening hours set", "Working week set"} <= summaries
    assert {"Closure added", "Scheduling settings changed"} <= summaries


def _state(clinic: Clinic) -> tuple[Any, ...]:
    return (
        sorted(Resource.objects.filter(clinic=clinic).values_list("name", "kind", "active")),
        sorted(
            OpeningHours.objects.filter(clinic=clinic).values_list("weekday", "opens", "closes")
        ),
        sorted(
            WorkingHours.objects.filter(clinician__clinic=clinic).values_list(
                "clinician_id", "weekday", "starts", "ends", "is_break"
            )
        ),
        sorted(Closure.objects.filter(clinic=clinic).values_list("starts_at", "ends_at", "reason")),
        list(
            ScheduleSettings.objects.filter(clinic=clinic).values_list(
                "recovery_min", "consultation_min", "follow_up_min", "slot_step_min"
            )
        ),
    )


def _spring_forward() -> dt.date:
    """The next day whose 02:30 does not exist in New York (the clocks jump 02:00 → 03:00)."""
    from zoneinfo import ZoneInfo

    from ketacore.schedule import exists_locally

    day = days_ahead(2)
    while exists_locally(day, T(2, 30), ZoneInfo("America/New_York")):
        day += dt.timedelta(days=1)
    return day


def _closure(**changes: str) -> dict[str, str]:
    day = days_ahead(5).isoformat()
    return {
        "action": "add_closure",
        "resource": "",
        "starts_on": day,
        "starts_time": "09:00",
        "ends_on": day,
        "ends_time": "12:00",
        "reason": "Training",
    } | changes


def _settings(**changes: str) -> dict[str, str]:
    values = {"recovery_min": "30", "consultation_min": "30", "follow_up_min": "30"}
    return {"action": "settings", **values, "slot_step_min": "15"} | changes


BAD = [
    # (what is sent, where: "setup" or "hours", the field's id, the rule in words)
    ({"action": "add_resource", "kind": "chair", "name": "  "}, "setup", "name", "give a name"),
    (
        {"action": "add_resource", "kind": "room", "name": "Chair 1"},
        "setup",
        "name",
        "the clinic already has Chair 1",
    ),
    (
        {"action": "opening_hours", "opening_0": "07:00-18:00", "opening_1": "17:00-09:00"},
        "setup",
        "opening_1",
        "17:00–09:00 ends before it starts",
    ),
    (
        {
            "action": "opening_hours",
            "opening_0": "07:00-18:00",
            "opening_2": "08:00-12:00, 11:00-13:00",
        },
        "setup",
        "opening_2",
        "two spans of one day overlap",
    ),
    (
        {"action": "opening_hours", "opening_0": "07:00-18:00", "opening_3": "8am to noon"},
        "setup",
        "opening_3",
        "is not a window of two times of day",
    ),
    (
        {"work_0": "09:00-12:00", "breaks_0": "13:00-13:30", "work_1": "06:00-07:00"},
        "hours",
        "breaks_0",
        "the break 13:00–13:30 is outside the working hours",
    ),
    (
        {"work_0": "06:00-07:00", "work_4": "12:00-09:00"},
        "hours",
        "work_4",
        "12:00–09:00 ends before it starts",
    ),
    (_closure(ends_time="08:00"), "setup", "ends_time", "a closure ends after it starts"),
    (_closure(reason=" "), "setup", "reason", "say why"),
    (
        _closure(starts_on="2020-01-06", ends_on="2020-01-07"),
        "setup",
        "ends_time",
        "that time has passed",
    ),
    (_settings(recovery_min="45", slot_step_min="0"), "setup", "slot_step_min", "from 5 to 120"),
    (_settings(consultation_min="ten"), "setup", "consultation_min", "Enter a whole number"),
]


@pytest.mark.parametrize(("sent", "where", "field", "rule"), BAD)
def test_it_refuses_bad_input_on_its_field_and_saves_nothing(
    sent, where, field, rule, clinic, alice, nina
) -> None:
    open_clinic(clinic, nina, chairs=1)
    services.configure(None, clinic, recovery_min=60)
    before = _state(clinic)
    url = reverse("scheduling:setup_hours", args=[nina.code]) if where == "hours" else None
    response = _post(login(Client(), alice), sent, url)
    assert response.status_code == 400
    page = response.content.decode()
    error = page.split(f'id="id_{field}_error"', 1)[1].split("</p>", 1)[0]
    assert rule in error
    assert f"{field}:" not in page  # the key is not shown, the label is
    assert _state(clinic) == before


def test_it_refuses_a_closure_starting_in_the_hour_the_clocks_skip(clinic, alice, nina) -> None:
    open_clinic(clinic, nina, zone="America/New_York")
    before = _state(clinic)
    day = _spring_forward().isoformat()
    sent = _closure(starts_on=day, starts_time="02:30", ends_on=day, ends_time="09:00")
    response = _post(login(Client(), alice), sent)
    assert response.status_code == 400
    error = response.content.decode().split('id="id_starts_time_error"', 1)[1].split("</p>")[0]
    assert "does not exist" in error
    assert "the clocks jump forward" in error
    assert _state(clinic) == before


def test_it_takes_a_chair_out_of_use_and_back_unless_it_is_booked(
    clinic, alice, nina, rivera, desmond, ada: Patient
) -> None:
    chair = open_clinic(clinic, nina, rivera, chairs=1)[0]
    admin = login(Client(), alice)
    toggle = {"action": "resource_active", "resource": str(chair.code)}
    assert _post(admin, toggle | {"active": "0"}).status_code == 302
    assert Resource.objects.get(pk=chair.pk).active is False
    assert _infusion_starts(clinic, days_ahead(3)) == []
    assert _post(admin, toggle | {"active": "1"}).status_code == 302
    assert Resource.objects.get(pk=chair.pk).active is True
    assert _infusion_starts(clinic, days_ahead(3)) != []

    room = Resource.objects.get(clinic=clinic, kind="room")
    services.book(
        desmond,
        Booking(
            kind="consultation",
            mode="in_person",
            patient=ada,
            starts_at=local(clinic, days_ahead(3), T(9)),
        ),
    )
    refused = _post(admin, {"action": "resource_active", "resource": str(room.code), "active": "0"})
    assert refused.status_code == 400
    assert "Room 1 still has 1 booked appointment from now on" in refused.content.decode()
    room.refresh_from_db()
    assert room.active is True


def test_it_removes_a_closure_to_come_but_not_one_that_is_over(clinic, alice, nina) -> None:
    open_clinic(clinic, nina)
    day = days_ahead(4)
    coming = services.add_closure(
        alice, clinic, local(clinic, day, T(8)), local(clinic, day, T(17)), "Holiday"
    )
    now = timezone.now()
    over = Closure.objects.create(
        clinic=clinic,
        starts_at=now - dt.timedelta(days=2),
        ends_at=now - dt.timedelta(days=1),
        reason="Storm",
    )
    admin = login(Client(), alice)
    page = admin.get(reverse(SETUP)).content.decode()
    assert "Holiday" in page
    assert "Storm" not in page
    assert _infusion_starts(clinic, day) == []
    removed = _post(admin, {"action": "remove_closure", "closure": str(coming.code)})
    assert removed.status_code == 302
    assert not Closure.objects.filter(pk=coming.pk).exists()
    assert AuditEvent.objects.filter(action=Action.DELETE, summary="Closure removed").count() == 1
    refused = _post(admin, {"action": "remove_closure", "closure": str(over.code)})
    assert refused.status_code == 400
    assert "this closure is over" in refused.content.decode()
    assert Closure.objects.filter(pk=over.pk).exists()


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK])
def test_it_lets_no_one_but_the_admin_set_up_the_calendar(role, clinic, staff, nina) -> None:
    open_clinic(clinic, nina)
    before = _state(clinic)
    client = login(Client(), staff[role])
    hours = reverse("scheduling:setup_hours", args=[nina.code])
    assert client.get(reverse(SETUP)).status_code == 403
    assert client.get(hours).status_code == 403
    sent = {"action": "add_resource", "kind": "chair", "name": "Chair 9"}
    assert _post(client, sent).status_code == 403
    assert _post(client, _week("work", "06:00-07:00"), hours).status_code == 403
    assert _state(clinic) == before
    day = client.get(reverse("scheduling:day")).content.decode()
    assert reverse(SETUP) not in day


def test_it_links_the_set_up_from_the_day_view_and_keeps_clinics_apart(
    clinic, other_clinic, alice, nina
) -> None:
    services.set_working_hours(None, nina, 0, [(T(8), T(9))])
    assert reverse(SETUP) in login(Client(), alice).get(reverse("scheduling:day")).content.decode()
    elsewhere = login(Client(), make_user(other_clinic, "olga", Role.ADMIN))
    url = reverse("scheduling:setup_hours", args=[nina.code])
    assert elsewhere.get(url).status_code == 404
    assert _post(elsewhere, _week("work", "06:00-07:00"), url).status_code == 404
    assert list(WorkingHours.objects.filter(clinician=nina).values_list("starts", "ends")) == [
        (T(8), T(9))
    ]
    empty = _post(login(Client(), alice), {}, url)  # not from the page: wipes nothing
    assert empty.status_code == 400
    assert "Nothing was sent" in empty.content.decode()
    assert WorkingHours.objects.filter(clinician=nina).count() == 1
