"""A synthetic demo clinic: one account per role and N patients whose conditions,
histories and medications reflect clinic practice as described on public clinic websites.
No real person."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Role
from ketaclinic.accounts.services import create_user
from ketaclinic.audit.services import Action, record
from ketaclinic.demo.diary import demo_diaries
from ketaclinic.demo.history import load_history
from ketaclinic.demo.population import bulk_patients, in_batches
from ketaclinic.demo.screening import DEMO_INSTRUMENT_ANSWERS, DEMO_INTAKE, demo_screening
from ketaclinic.lib.db import refresh_planner_statistics
from ketaclinic.outcomes.summary import refresh_all
from ketaclinic.patients.services import link_portal_account
from ketaclinic.public.models import ClinicProfile
from ketaclinic.visits.owed import refresh_all_owed

__all__ = [
    "BULK_ABOVE",
    "DEMO_ACCOUNTS",
    "DEMO_INSTRUMENT_ANSWERS",
    "DEMO_INTAKE",
    "DEMO_PASSWORD",
    "DEMO_PATIENT_LOGINS",
    "DemoAccount",
    "clinic_is_empty",
    "load_demo",
    "row_counts",
]

DEMO_PASSWORD = "demo-ketaclinic-2026"  # noqa: S105 (printed on purpose: synthetic demo only)


@dataclass(frozen=True, slots=True)
class DemoAccount:
    username: str
    role: str
    first_name: str
    last_name: str
    totp_secret_hex: str  # fixed so the printed key works on every fresh demo


DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, "Alex", "Morgan", "3132333435363738393031323334353637383930"),
    DemoAccount("dr.rivera", Role.PHYSICIAN, "Elena", "Rivera", "4a4b4c4d4e4f50515253545556575859"),
    DemoAccount("nurse.kim", Role.NURSE, "Jordan", "Kim", "5a5b5c5d5e5f60616263646566676869"),
    DemoAccount("desk.lee", Role.FRONT_DESK, "Sam", "Lee", "6a6b6c6d6e6f70717273747576777879"),
)
DEMO_PATIENT_LOGINS = ("patient.ada", "patient.ben")


def row_counts() -> dict[str, int]:
    """Rows in the tables the demo fills, by what they hold (counted by the database)."""
    from ketaclinic.infusions.models import InfusionSession, SessionAlert, SessionEntry
    from ketaclinic.outcomes.models import DiaryEntry
    from ketaclinic.patients.models import Patient
    from ketaclinic.plans.models import PlanVersion
    from ketaclinic.questionnaires.models import QuestionnaireResponse
    from ketaclinic.screening.models import ScreeningDecision

    return {
        "patients": Patient.objects.count(),
        "screening decisions": ScreeningDecision.objects.count(),
        "plan versions": PlanVersion.objects.count(),
        "infusion sessions": InfusionSession.objects.count(),
        "session entries": SessionEntry.objects.count(),
        "  of which vital signs": SessionEntry.objects.filter(kind="vitals").count(),
        "session alerts": SessionAlert.objects.count(),
        "diary entries": DiaryEntry.objects.count(),
        "questionnaire responses": QuestionnaireResponse.objects.count(),
    }


def clinic_is_empty() -> bool:
    return not Clinic.objects.exists()


#: Above this many patients, the rest come from the bulk generator (``demo.bulk``).
BULK_ABOVE = 500


def load_demo(
    patients: int,
    *,
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
    bulk_above: int = BULK_ABOVE,
) -> Clinic:
    """Create the demo clinic, its accounts and ``patients`` synthetic patients.

    Then its history (``demo.history``): the policies approved, up to ten patients
    screened, planned and given two years of infusions, and one infusion running now.
    Patients past the first ``bulk_above`` get their history from the bulk generator
    (``demo.bulk``, one audit record for the whole load).
    """
    bulk = max(0, patients - bulk_above)
    patients -= bulk
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    with transaction.atomic():
        clinic = Clinic.objects.create(name="Desert Sky Ketamine Clinic (demo)", is_demo=True)
        accounts = {a.username: _demo_account(clinic, a) for a in DEMO_ACCOUNTS}
    nurse = accounts["nurse.kim"]
    created = 0
    for batch in in_batches(patients, 2000):
        with transaction.atomic():
            bulk_patients(clinic, nurse, rng, start=created, count=batch)
        created += batch
        if progress:
            progress(batch)
    with transaction.atomic():
        _portal_accounts(clinic, accounts["admin"])
        demo_screening(clinic, nurse)
        _demo_calendar(clinic, accounts)
        _public_profile(clinic)
    load_history(clinic, accounts["dr.rivera"], nurse, DEMO_PASSWORD, seed, patients=patients)
    with transaction.atomic():
        demo_diaries(clinic, nurse, rng)
    refresh_all(clinic_id=clinic.pk)  # the clinic analytics' summary, ready on first look
    refresh_all_owed()  # the follow-up visits owed, for the worklists
    with transaction.atomic():
        record(
            None,
            Action.BULK_LOAD,
            clinic_id=clinic.pk,
            summary=f"Demo clinic loaded with {patients} synthetic patients",
        )
    if bulk:
        from ketaclinic.demo.bulk import load_bulk

        load_bulk(clinic, start=patients, count=bulk, seed=seed, progress=progress)
    refresh_planner_statistics()
    return clinic


def _demo_calendar(clinic: Clinic, accounts: dict[str, User]) -> None:
    """Four chairs and a room, open 08:00-17:00 on weekdays; the nurse and physician work then."""
    from ketaclinic.scheduling import services as scheduling

    admin = accounts["admin"]
    day = (dt.time(8), dt.time(17))
    scheduling.set_opening_hours(admin, clinic, {d: [day] for d in range(5)})
    for name in ("nurse.kim", "dr.rivera"):
        for weekday in range(5):
            scheduling.set_working_hours(
                admin, accounts[name], weekday, [day], [(dt.time(12), dt.time(12, 30))]
            )
    for i in range(1, 5):
        scheduling.add_resource(admin, clinic, "chair", f"Chair {i}")
    scheduling.add_resource(admin, clinic, "room", "Consulting room")


def _public_profile(clinic: Clinic) -> None:
    """The demo clinic's public site, shown (a 555 number: reserved for fiction)."""
    ClinicProfile.objects.create(
        clinic=clinic,
        street="4520 N Desert Bloom Way, Suite 210",
        city="Phoenix",
        region="AZ",
        postal_code="85018",
        phone="(602) 555-0147",
        email="hello@desertsky-demo.example.org",
        welcome=(
            "A small outpatient clinic for adults living with nerve pain that the usual "
            "treatments have not controlled. This is a demonstration clinic: no real person "
            "or place."
        ),
        published=True,
    )


def _demo_account(clinic: Clinic, account: DemoAccount) -> User:
    user = create_user(
        None,
        clinic=clinic,
        username=account.username,
        role=account.role,
        password=DEMO_PASSWORD,
        first_name=account.first_name,
        last_name=account.last_name,
        validate=False,
    )
    TOTPDevice.objects.create(
        user=user, name="Demo authenticator", confirmed=True, key=account.totp_secret_hex
    )
    return user


def _portal_accounts(clinic: Clinic, admin: User) -> None:
    for username, patient in zip(
        DEMO_PATIENT_LOGINS, clinic.patients.order_by("pk")[:2], strict=False
    ):
        user = create_user(
            admin,
            clinic=clinic,
            username=username,
            role=Role.PATIENT,
            password=DEMO_PASSWORD,
            first_name=patient.given_name,
            last_name=patient.family_name,
            validate=False,
        )
        link_portal_account(admin, patient, user)
