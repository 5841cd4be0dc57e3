"""Booking, moving, cancelling: what is stored, and every refusal naming its field."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from ketaclinic.audit.models import AuditEvent
from ketaclinic.lib import clock
from ketaclinic.scheduling import services
from ketaclinic.scheduling.availability import Choice
from ketaclinic.scheduling.errors import SlotTakenError
from ketaclinic.scheduling.models import Allocation, Appointment, AppointmentStatus
from ketaclinic.scheduling.services import Booking
from ketaclinic.scheduling.tests.helpers import T, days_ahead, local, open_clinic, planned

pytestmark = pytest.mark.django_db


@pytest.fixture
def chairs(clinic, nina, rivera):
    return open_clinic(clinic, nina, rivera)


def _infusion(patient: Any, at: dt.datetime, **choice: Any) -> Booking:
    return Booking(kind="infusion", starts_at=at, patient=patient, choice=Choice(**choice))


def test_it_books_an_infusion_with_a_chair_a_nurse_and_physician_cover(
    clinic, chairs, ada, rivera, nina, desmond
) -> None:
    plan = planned(ada, rivera, nina)
    at = local(clinic, days_ahead(3), T(9))
    made = services.book(desmond, _infusion(ada, at))
    stored = Appointment.objects.get(pk=made.pk)
    assert stored.status == AppointmentStatus.BOOKED
    assert stored.ends_at - stored.starts_at == dt.timedelta(minutes=40 + 60)
    assert (stored.infusion_min, stored.recovery_min) == (40, 60)
    assert stored.resource == chairs[0]
    assert stored.clinician == nina
    assert stored.physician == rivera
    assert stored.plan_version == plan
    assert stored.created_by == desmond
    holders = set(Allocation.objects.filter(appointment=stored).values_list("holder", flat=True))
    assert holders == {f"resource:{chairs[0].pk}", f"user:{nina.pk}"}  # cover is not held
    event = AuditEvent.objects.filter(object_code=str(stored.code)).get()
    assert event.summary == "Infusion booked"
    assert event.patient_code == str(ada.code)


def test_it_refuses_an_infusion_without_a_plan(clinic, chairs, ada, desmond) -> None:
    with pytest.raises(ValidationError) as refused:
        services.book(desmond, _infusion(ada, local(clinic, days_ahead(3), T(9))))
    assert "plan: an infusion needs a signed treatment plan" in refused.value.messages
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("day", "time", "field", "words"),
    [
        (3, T(16, 45), "starts_at", "16:45–17:15 is outside opening hours (08:00–17:00)"),
        (3, T(7), "starts_at", "is outside opening hours"),
    ],
)
def test_it_refuses_times_outside_opening_hours(
    clinic, chairs, ada, desmond, day, time, field, words
) -> None:
    booking = Booking(
        kind="consultation",
        mode="video",
        patient=ada,
        starts_at=local(clinic, days_ahead(day), time),
    )
    with pytest.raises(ValidationError) as refused:
        services.book(desmond, booking)
    assert field in refused.value.message_dict
    assert words in refused.value.message_dict[field][0]
    assert not Appointment.objects.exists()


def test_it_refuses_the_past(clinic, chairs, ada, desmond) -> None:
    at = local(clinic, days_ahead(3), T(9))
    booking = Booking(kind="consultation", mode="phone", patient=ada, starts_at=at)
    with clock.replaying(at + dt.timedelta(minutes=1)), pytest.raises(ValidationError) as refused:
        services.book(desmond, booking)
    assert "has passed" in refused.value.message_dict["starts_at"][0]


def test_it_refuses_an_infusion_longer_than_the_chair_is_open(
    clinic, ada, rivera, nina, desmond
) -> None:
    open_clinic(
        clinic, nina, rivera, opens=T(9), closes=T(10, 30)
    )  # 90 min; the infusion needs 100
    planned(ada, rivera, nina)
    with pytest.raises(ValidationError) as refused:
        services.book(desmond, _infusion(ada, local(clinic, days_ahead(3), T(9))))
    message = refused.value.message_dict["duration"][0]
    assert "takes 100 min, longer than the chair is open" in message
    assert "(90 min)" in message


def test_it_refuses_a_closure_and_a_closed_chair(
    clinic, chairs, ada, rivera, nina, desmond, alice
) -> None:
    planned(ada, rivera, nina)
    day = days_ahead(4)
    services.add_closure(
        alice, clinic, local(clinic, day, T(8)), local(clinic, day, T(12)), "Staff training"
    )
    with pytest.raises(ValidationError) as refused:
        services.book(desmond, _infusion(ada, local(clinic, day, T(9))))
    assert (
        "the clinic is closed then (Staff training)" in refused.value.message_dict["starts_at"][0]
    )
    services.add_closure(
        alice,
        clinic,
        local(clinic, day, T(13)),
        local(clinic, day, T(17)),
        "Pump service",
        chairs[0],
    )
    with pytest.raises(ValidationError) as refused:
        services.book(desmond, _infusion(ada, local(clinic, day, T(13)), resource=chairs[0]))
    assert refused.value.message_dict["resource"] == ["resource: Chair 1 is closed then"]
    made = services.book(desmond, _infusion(ada, local(clinic, day, T(13))))
    assert made.resource == chairs[1]


def test_it_refuses_a_room_for_an_infusion_and_a_nurse_on_her_break(
    clinic, chairs, ada, rivera, nina, desmond
) -> None:
    planned(ada, rivera, nina)
    room = services.add_resource(None, clinic, "room", "Room 2")
    with pytest.raises(ValidationError) as refused:
        services.book(desmond, _infusion(ada, local(clinic, days_ahead(3), T(9)), resource=room))
    assert (
        "Room 2 is a consulting room; this infusion needs an infusion chair"
        in refused.value.messages[0]
    )
    with pytest.raises(ValidationError) as refused:
        services.book(desmond, _infusion(ada, local(clinic, days_ahead(3), T(11)), clinician=nina))
    assert (
        "is not on duty then (08:00–12:00, 12:30–17:00)"
        in refused.value.message_dict["clinician"][0]
    )


def test_a_taken_chair_is_refused_with_the_nearest_free_times(
    clinic, chairs, ada, ben, rivera, nina, desmond
) -> None:
    planned(ada, rivera, nina)
    planned(ben, rivera, nina)
    at = local(clinic, days_ahead(3), T(9))
    services.book(
        desmond, Booking(kind="consultation", mode="in_person", patient=ben, starts_at=at)
    )
    first = services.book(desmond, _infusion(ada, at, resource=chairs[0]))
    with pytest.raises(SlotTakenError) as refused:
        services.book(desmond, _infusion(ben, at, resource=chairs[0]))
    message = refused.value.message_dict["resource"][0]
    assert message.startswith("resource: Chair 1 is already booked at 09:00–10:40")
    assert "Nearest free:" in message
    offered = refused.value.offered()
    assert len(offered) == 3
    assert all(
        o["starts_at"] != first.starts_at.isoformat() or o["resource"] != str(chairs[0].code)
        for o in offered
    )
    assert Appointment.objects.filter(patient=ben, kind="infusion").count() == 0


def test_the_database_refuses_an_overlap_the_service_did_not_check(
    clinic, chairs, ada, rivera, nina, desmond
) -> None:
    planned(ada, rivera, nina)
    made = services.book(desmond, _infusion(ada, local(clinic, days_ahead(3), T(9))))
    Allocation.objects.create(
        appointment=made, holder="resource:999", starts_at=made.starts_at, ends_at=made.ends_at
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(
            appointment=Appointment.objects.create(
                clinic=clinic,
                patient=ada,
                kind="follow_up",
                mode="phone",
                starts_at=made.starts_at,
                ends_at=made.ends_at,
                created_at=made.created_at,
                changed_at=made.changed_at,
            ),
            holder="resource:999",
            starts_at=made.starts_at + dt.timedelta(minutes=30),
            ends_at=made.ends_at + dt.timedelta(minutes=30),
        )


def test_it_moves_and_refuses_a_stale_form_or_a_taken_time(
    clinic, chairs, ada, ben, rivera, nina, desmond
) -> None:
    planned(ada, rivera, nina)
    day = days_ahead(3)
    made = services.book(desmond, _infusion(ada, local(clinic, day, T(9)), resource=chairs[0]))
    seen = made.starts_at
    moved = services.move(desmond, made, local(clinic, day, T(13)), expected_starts_at=seen)
    stored = Appointment.objects.get(pk=made.pk)
    assert stored.starts_at == local(clinic, day, T(13))
    assert stored.resource == chairs[0]
    assert set(Allocation.objects.filter(appointment=made).values_list("starts_at", flat=True)) == {
        moved.starts_at
    }
    with pytest.raises(ValidationError) as refused:  # the form that showed 09:00 is stale
        services.move(desmond, made, local(clinic, day, T(15)), expected_starts_at=seen)
    assert "was moved meanwhile (it is now at" in refused.value.message_dict["starts_at"][0]
    planned(ben, rivera, nina)
    services.book(desmond, _infusion(ben, local(clinic, day, T(9)), resource=chairs[0]))
    with pytest.raises(SlotTakenError) as refused:
        services.move(desmond, made, local(clinic, day, T(9)), expected_starts_at=moved.starts_at)
    assert "Chair 1 is already booked at 09:00–10:40" in refused.value.message_dict["resource"][0]
    assert Appointment.objects.get(pk=made.pk).starts_at == local(clinic, day, T(13))  # not moved


def test_cancelling_needs_a_reason_and_frees_the_time(
    clinic, chairs, ada, ben, rivera, nina, desmond
) -> None:
    planned(ada, rivera, nina)
    planned(ben, rivera, nina)
    at = local(clinic, days_ahead(3), T(9))
    made = services.book(desmond, _infusion(ada, at, resource=chairs[0], clinician=nina))
    with pytest.raises(ValidationError) as refused:
        services.cancel(desmond, made, "  ")
    assert refused.value.message_dict == {
        "reason": ["reason: say why the appointment is cancelled"]
    }
    services.cancel(desmond, made, "Patient unwell")
    stored = Appointment.objects.get(pk=made.pk)
    assert (stored.status, stored.cancel_reason) == ("cancelled", "Patient unwell")
    again = services.book(desmond, _infusion(ben, at, resource=chairs[0], clinician=nina))
    assert again.starts_at == at
    with pytest.raises(ValidationError):
        services.cancel(desmond, made, "twice")


def test_a_no_show_is_recorded_once_the_time_has_come(
    clinic, chairs, ada, rivera, nina, desmond
) -> None:
    planned(ada, rivera, nina)
    made = services.book(desmond, _infusion(ada, local(clinic, days_ahead(3), T(9))))
    with pytest.raises(ValidationError) as refused:
        services.record_no_show(desmond, made)
    assert "once the appointment's time has come" in refused.value.messages[0]
    with clock.replaying(made.starts_at + dt.timedelta(minutes=20)):
        services.record_no_show(desmond, made)
    assert Appointment.objects.get(pk=made.pk).status == AppointmentStatus.NO_SHOW


def test_a_patient_may_not_book(clinic, chairs, ada) -> None:
    with pytest.raises(PermissionDenied):
        services.book(
            ada.portal_user,
            Booking(
                kind="consultation",
                mode="video",
                patient=ada,
                starts_at=local(clinic, days_ahead(3), T(9)),
            ),
        )


def test_a_prospect_needs_valid_contact_details_and_can_book_a_consultation(clinic, chairs) -> None:
    with pytest.raises(ValidationError) as refused:
        services.create_prospect(
            clinic, given_name="", family_name="Ng", email="not-an-email", phone="12"
        )
    assert set(refused.value.message_dict) == {"given_name", "email", "phone"}
    assert "phone: this is not a phone number we can call" in refused.value.message_dict["phone"][0]
    prospect = services.create_prospect(
        clinic,
        given_name="Mei",
        family_name="Ng",
        email="mei@example.org",
        phone="480 555 0142",
        answers={"pain_years": "3"},
    )
    assert prospect.phone_e164 == "+14805550142"
    made = services.book(
        None,
        Booking(
            kind="consultation",
            mode="video",
            prospect=prospect,
            starts_at=local(clinic, days_ahead(2), T(10)),
        ),
    )
    assert Appointment.objects.get(pk=made.pk).prospect == prospect
    assert made.clinician is not None
    assert made.clinician.role == "physician"
    assert made.resource is None


def test_another_clinics_staff_and_chairs_are_refused(
    clinic, other_clinic, chairs, ada, charlie, desmond
) -> None:
    at = local(clinic, days_ahead(3), T(9))
    visit = Booking(kind="consultation", mode="in_person", patient=ada, starts_at=at)
    with pytest.raises(PermissionDenied):
        services.book(charlie, visit)
    elsewhere = services.add_resource(None, other_clinic, "room", "Their room")
    with pytest.raises(ValidationError) as refused:
        services.book(desmond, replace(visit, choice=Choice(resource=elsewhere)))
    assert refused.value.message_dict["resource"] == [
        "resource: Their room is not a chair or room of this clinic"
    ]
    assert not Appointment.objects.exists()
