"""Daylight saving time in the clinic's zone (America/New_York in 2027).

Spring forward: Sunday 14 March 2027, 02:00 EST -> 03:00 EDT (02:00-02:59 do not exist).
Fall back: Sunday 7 November 2027, 02:00 EDT -> 01:00 EST (01:00-01:59 happen twice).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from ketaclinic.lib import clock
from ketaclinic.scheduling import availability, services
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import Booking
from ketaclinic.scheduling.tests.helpers import T, local, open_clinic, planned
from ketacore.errors import InputError
from ketacore.schedule import local_window, to_instant

NY = ZoneInfo("America/New_York")
UTC = dt.UTC
SPRING = dt.date(2027, 3, 14)
FALL = dt.date(2027, 11, 7)
BEFORE = dt.datetime(2027, 3, 1, tzinfo=UTC)


def test_it_refuses_a_local_time_in_the_spring_forward_gap() -> None:
    with pytest.raises(InputError) as refused:
        to_instant(SPRING, T(2, 30), NY, field="starts_at")
    assert refused.value.field == "starts_at"
    assert "02:30 on 2027-03-14 does not exist in America/New_York" in refused.value.rule


def test_it_reads_an_ambiguous_fall_back_time_as_the_first_one() -> None:
    assert to_instant(FALL, T(1, 30), NY) == dt.datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # EDT


def test_a_window_around_the_gap_keeps_its_wall_clock_ends() -> None:
    assert local_window(SPRING, T(1), T(5), NY) == (
        dt.datetime(2027, 3, 14, 6, tzinfo=UTC),
        dt.datetime(2027, 3, 14, 9, tzinfo=UTC),
    )
    assert local_window(SPRING, T(2, 30), T(5), NY) == (
        dt.datetime(2027, 3, 14, 7, tzinfo=UTC),  # 03:00 EDT
        dt.datetime(2027, 3, 14, 9, tzinfo=UTC),
    )


@pytest.mark.django_db
def test_an_infusion_across_the_gap_lasts_its_real_minutes(
    clinic, ada, rivera, nina, desmond
) -> None:
    open_clinic(clinic, nina, rivera, opens=T(0, 30), closes=T(12), zone="America/New_York")
    planned(ada, rivera, nina)
    with clock.replaying(BEFORE):
        with pytest.raises(ValidationError) as refused:  # the form's and the API's input
            availability.local_start(clinic, SPRING, T(2, 30))
        made = services.book(
            desmond,
            Booking(kind="infusion", patient=ada, starts_at=local(clinic, SPRING, T(1, 30))),
        )
    assert "does not exist in America/New_York" in refused.value.message_dict["starts_at"][0]
    stored = Appointment.objects.get(pk=made.pk)
    assert stored.ends_at - stored.starts_at == dt.timedelta(minutes=100)
    assert stored.starts_at.astimezone(NY).strftime("%H:%M %Z") == "01:30 EST"
    assert stored.ends_at.astimezone(NY).strftime("%H:%M %Z") == "04:10 EDT"  # 100 min, not 160


@pytest.mark.django_db
def test_free_slots_start_at_the_local_opening_time_on_both_sides(clinic, rivera, nina) -> None:
    open_clinic(clinic, nina, rivera, zone="America/New_York")
    need = availability.Need.of(clinic, "consultation", mode="video")
    with clock.replaying(BEFORE):
        slots = availability.free_slots(clinic, need, SPRING - dt.timedelta(days=1), SPRING)
    firsts: dict[dt.date, dt.datetime] = {}
    for slot in slots:
        firsts.setdefault(slot.starts_at.astimezone(NY).date(), slot.starts_at)
    assert [f.astimezone(NY).strftime("%H:%M") for f in firsts.values()] == ["08:00", "08:00"]
    assert [f.hour for f in firsts.values()] == [13, 12]  # 08:00 EST, then 08:00 EDT in UTC


@pytest.mark.django_db
def test_a_series_across_the_change_keeps_its_local_time(
    clinic, ada, rivera, nina, desmond
) -> None:
    open_clinic(clinic, nina, rivera, zone="America/New_York")
    planned(ada, rivera, nina)  # 6 infusions, 3 days apart
    with clock.replaying(BEFORE):
        made = services.book_series(desmond, ada, first_day=dt.date(2027, 3, 8), local_time=T(9))
    stored = list(Appointment.objects.filter(patient=ada).order_by("starts_at"))
    assert (
        [a.number_in_series for a in stored]
        == [1, 2, 3, 4, 5, 6]
        == [a.number_in_series for a in made]
    )
    assert {a.starts_at.astimezone(NY).strftime("%H:%M") for a in stored} == {"09:00"}
    assert [a.starts_at.astimezone(NY).day for a in stored] == [8, 11, 14, 17, 20, 23]
    assert [a.starts_at.hour for a in stored] == [14, 14, 13, 13, 13, 13]  # UTC: EST, then EDT


@pytest.mark.django_db
def test_a_series_whose_time_falls_in_the_gap_names_the_session(
    clinic, ada, rivera, nina, desmond
) -> None:
    open_clinic(clinic, nina, rivera, opens=T(0, 30), closes=T(12), zone="America/New_York")
    planned(ada, rivera, nina)
    with clock.replaying(BEFORE), pytest.raises(ValidationError) as refused:
        services.book_series(desmond, ada, first_day=dt.date(2027, 3, 8), local_time=T(2, 30))
    assert refused.value.message_dict["sessions"] == [
        "session 3: starts_at: 02:30 on 2027-03-14 does not exist in America/New_York: the clocks "
        "jump forward an hour that night; choose a time before or after the change"
    ]
    assert not Appointment.objects.exists()
