"""Reading the public site's clinic: one getter for visitors, one for the admin."""

from __future__ import annotations

from django.conf import settings

from ketaclinic.accounts.models import Clinic, User
from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import require
from ketaclinic.public.models import ClinicProfile
from ketaclinic.scheduling.models import OpeningHours

__all__ = ["opening_hours", "profile_for_admin", "public_profile"]


def public_profile() -> ClinicProfile | None:
    """The clinic the public site presents, if it is published.

    ``PUBLIC_CLINIC`` (a clinic's code) chooses it when the database holds several
    clinics; without it, the site presents the one clinic with a published profile, and
    none when there are several (it then only offers sign-in).
    """
    published = ClinicProfile.objects.select_related("clinic").filter(published=True)
    chosen = str(getattr(settings, "PUBLIC_CLINIC", "") or "")
    if chosen:
        return published.filter(clinic__code=chosen).first()
    found = list(published[:2])
    return found[0] if len(found) == 1 else None


def profile_for_admin(user: User) -> ClinicProfile:
    """The admin's own clinic's profile (unsaved and empty when it has none yet)."""
    require(user, Capability.CLINIC_PROFILE_MANAGE)
    clinic: Clinic = user.clinic
    found = ClinicProfile.objects.filter(clinic=clinic).first()
    return found if found is not None else ClinicProfile(clinic=clinic)


def opening_hours(profile: ClinicProfile) -> list[tuple[str, str]]:
    """Opening hours by weekday as visitors read them ("Monday", "8:00 AM–5:00 PM")."""
    names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    by_day: dict[int, list[str]] = {}
    for row in OpeningHours.objects.filter(clinic=profile.clinic).order_by("weekday", "opens"):
        by_day.setdefault(row.weekday, []).append(f"{row.opens:%-I:%M %p}–{row.closes:%-I:%M %p}")
    return [(names[d], ", ".join(by_day[d]) if d in by_day else "Closed") for d in range(7)]
