"""A plan's series: every infusion at its spacing, all or nothing, alternatives for a taken one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from ketaclinic.scheduling import availability, services
from ketaclinic.scheduling.errors import SeriesTakenError
from ketaclinic.scheduling.models import Appointment, BoosterDue, BoosterStatus
from ketaclinic.scheduling.services import Booking
from ketaclinic.scheduling.tests.helpers import T, days_ahead, local, open_clinic, planned

pytestmark = pytest.mark.django_db


def test_it_books_the_whole_series_at_the_plans_spacing(clinic, ada, rivera, nina, desmond) -> None:
    chairs = open_clinic(clinic, nina, rivera)
    plan = planned(ada, rivera, nina)
    first = days_ahead(2)
    made = services.book_series(desmond, ada, first_day=first, local_time=T(9))
    stored = list(Appointment.objects.filter(patient=ada).order_by("starts_at"))
    assert len(stored) == plan.series_count == 6
    assert [a.starts_at for a in stored] == [
        local(clinic, first + dt.timedelta(days=3 * i), T(9)) for i in range(6)
    ]
    assert {(a.resource, a.clinician, a.physician, a.plan_version) for a in stored} == {
        (chairs[0], nina, rivera, plan)
    }
    assert [a.pk for a in made] == [a.pk for a in stored]
    with pytest.raises(ValidationError) as refused:
        services.book_series(desmond, ada, first_day=first, local_time=T(9))
    assert refused.value.message_dict["plan"] == [
        "plan: all 6 infusions of this plan are booked already"
    ]


def test_a_taken_session_is_refused_with_alternatives_and_nothing_is_booked(
    clinic, ada, ben, rivera, nina, desmond
) -> None:
    open_clinic(clinic, nina, rivera, chairs=1)
    planned(ada, rivera, nina)
    planned(ben, rivera, nina)
    first = days_ahead(2)
    third = first + dt.timedelta(days=6)
    services.book(
        desmond, Booking(kind="infusion", patient=ben, starts_at=local(clinic, third, T(9)))
    )
    with pytest.raises(SeriesTakenError) as refused:
        services.book_series(desmond, ada, first_day=first, local_time=T(9))
    (message,) = refused.value.message_dict["sessions"]
    assert message.startswith("session 3: resource: no infusion chair is free at 09:00–10:40")
    assert "Nearest free:" in message
    offered = refused.value.offered()
    assert list(offered) == ["3"]
    assert len(offered["3"]) == 3
    assert not Appointment.objects.filter(patient=ada).exists()  # all or nothing
    choice = dt.datetime.fromisoformat(offered["3"][0]["starts_at"])
    made = services.book_series(
        desmond, ada, first_day=first, local_time=T(9), overrides={3: choice}
    )
    assert [a.number_in_series for a in made] == [1, 2, 3, 4, 5, 6]
    assert Appointment.objects.get(patient=ada, number_in_series=3).starts_at == choice


def test_a_series_needs_a_plan_in_progress(clinic, ada, rivera, nina, desmond) -> None:
    open_clinic(clinic, nina, rivera)
    with pytest.raises(ValidationError) as refused:
        services.book_series(desmond, ada, first_day=days_ahead(2), local_time=T(9))
    assert refused.value.message_dict == {
        "plan": ["plan: the patient has no signed treatment plan in progress"]
    }


def test_a_booster_marked_due_is_booked_from_the_worklist(
    clinic, ada, rivera, nina, desmond
) -> None:
    open_clinic(clinic, nina, rivera)
    planned(ada, rivera, nina)
    with pytest.raises(Exception, match="Only a nurse or physician"):
        services.mark_booster_due(desmond, ada, days_ahead(10))
    due = services.mark_booster_due(rivera, ada, days_ahead(10), note="Relief fading")
    with pytest.raises(ValidationError):
        services.mark_booster_due(nina, ada, days_ahead(11))
    made = services.book(
        desmond, Booking(kind="booster", patient=ada, starts_at=local(clinic, days_ahead(10), T(9)))
    )
    stored = BoosterDue.objects.get(pk=due.pk)
    assert (stored.status, stored.appointment) == (BoosterStatus.BOOKED, made)
    assert made.ends_at - made.starts_at == dt.timedelta(minutes=100)


def test_free_slots_leave_out_bookings_breaks_and_closures(
    clinic, ada, rivera, nina, desmond, alice
) -> None:
    open_clinic(clinic, nina, rivera, chairs=1)
    planned(ada, rivera, nina)
    day = days_ahead(3)
    services.book(
        desmond, Booking(kind="infusion", patient=ada, starts_at=local(clinic, day, T(9)))
    )
    services.add_closure(
        alice, clinic, local(clinic, day, T(15)), local(clinic, day, T(17)), "Fire drill"
    )
    need = services.need_for(clinic, "infusion", plan=services.plan_for(ada))
    starts = [s.starts_at for s in availability.free_slots(clinic, need, day, day)]
    # 100 min each: the chair and nurse are held 09:00-10:40, the nurse breaks 12:00-12:30
    # (so 10:45 would end in it), and the clinic closes at 15:00 that day.
    expected = [T(12, 30), T(12, 45), T(13), T(13, 15)]
    assert starts == [local(clinic, day, t) for t in expected]
