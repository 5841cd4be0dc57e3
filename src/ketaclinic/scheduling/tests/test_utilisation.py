"""The admin's chair utilisation page: booked ÷ open minutes per chair and day, idle
stretches and the no-show rate, computed from what the database holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.conftest import login
from ketaclinic.lib import clock
from ketaclinic.scheduling import services
from ketaclinic.scheduling.tests.helpers import days_ahead, local, open_clinic, planned
from ketaclinic.scheduling.utilisation import week_report

pytestmark = pytest.mark.django_db


def test_it_shows_each_chairs_booked_share_and_idle_stretches(
    clinic, alice, rivera, nina, ada
) -> None:
    chairs = open_clinic(clinic, rivera, nina, chairs=2)
    planned(ada, rivera, nina)
    day = days_ahead(8)
    start = local(clinic, day, dt.time(9))
    booked = services.book(nina, services.Booking(kind="infusion", starts_at=start, patient=ada))
    assert booked.resource in chairs
    monday = day - dt.timedelta(days=day.weekday())
    report = week_report(alice, monday)
    held = next(c for c in report.chairs if c.chair == booked.resource.name)
    other = next(c for c in report.chairs if c.chair != booked.resource.name)
    minutes = (booked.ends_at - booked.starts_at).total_seconds() / 60
    that_day = held.days[day.weekday()]
    assert that_day.open_min == 9 * 60
    assert that_day.booked_min == minutes
    assert other.days[day.weekday()].booked_min == 0
    assert held.week.open_min == 7 * 9 * 60
    assert report.total.booked_min == minutes
    assert (booked.starts_at, booked.ends_at) not in that_day.gaps
    assert that_day.gaps[0] == (local(clinic, day, dt.time(8)), booked.starts_at)
    page = login(Client(), alice).get(reverse("scheduling:utilisation"), {"day": day.isoformat()})
    text = page.content.decode()
    assert page.status_code == 200
    assert f"{minutes / 540:.0%}" in text
    assert booked.resource.name in text


def test_it_counts_no_shows_of_the_weeks_past_appointments(
    clinic, alice, rivera, nina, ada
) -> None:
    open_clinic(clinic, rivera, nina)
    when = clock.now() - dt.timedelta(days=1)
    with clock.replaying(when - dt.timedelta(days=2)):
        day = when.astimezone(dt.UTC).date()
        missed = services.book(
            nina,
            services.Booking(
                kind="follow_up",
                starts_at=local(clinic, day, dt.time(10)),
                patient=ada,
                mode="phone",
            ),
        )
        services.book(
            nina,
            services.Booking(
                kind="follow_up",
                starts_at=local(clinic, day, dt.time(11)),
                patient=ada,
                mode="phone",
            ),
        )
    services.record_no_show(nina, missed)
    monday = missed.starts_at.date() - dt.timedelta(days=missed.starts_at.date().weekday())
    report = week_report(alice, monday)
    assert (report.no_shows, report.kept) == (1, 1)
    assert report.no_show_rate == 0.5


def test_only_the_admin_sees_it(clinic, nina, rivera, desmond) -> None:
    for user in (nina, rivera, desmond):
        assert login(Client(), user).get(reverse("scheduling:utilisation")).status_code == 403
