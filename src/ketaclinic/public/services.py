"""Changing what the public site says about the clinic (atomic, audited)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.audit.services import Action, record
from ketaclinic.lib.access import require
from ketaclinic.patients.validation import normalise_phone
from ketaclinic.public.models import ClinicProfile

__all__ = ["PROFILE_FIELDS", "update_profile"]

#: Field → (label, longest length) of what the admin may change.
PROFILE_FIELDS: dict[str, tuple[str, int]] = {
    "street": ("Street address", 200),
    "city": ("City", 100),
    "region": ("State or region", 100),
    "postal_code": ("Postal code", 20),
    "phone": ("Phone", 40),
    "email": ("Email", 254),
    "welcome": ("Welcome text", 1000),
}


def _cleaned(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, (label, longest) in PROFILE_FIELDS.items():
        text = str(data.get(name, "") or "").strip()
        if len(text) > longest:
            errors[name] = f"{label}: at most {longest} characters"
        values[name] = text
    if values["phone"] and "phone" not in errors:
        try:
            values["phone"] = normalise_phone(values["phone"], field="phone")
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = "Email: give a valid address, e.g. front.desk@clinic.example.org"
    published = bool(data.get("published"))
    if published and not (values["phone"] or values["email"]):
        errors["published"] = "Published: give a phone number or an email visitors can use first"
    if errors:
        raise ValidationError(errors)
    return values | {"published": published}


@transaction.atomic
def update_profile(actor: User, data: Mapping[str, Any]) -> ClinicProfile:
    """Save the admin's clinic's public profile; every field is checked before any is saved."""
    require(actor, Capability.CLINIC_PROFILE_MANAGE)
    values = _cleaned(data)
    profile, created = ClinicProfile.objects.select_for_update().get_or_create(
        clinic_id=actor.clinic_id
    )
    changes = {
        name: [getattr(profile, name), value]
        for name, value in values.items()
        if getattr(profile, name) != value
    }
    for name, value in values.items():
        setattr(profile, name, value)
    profile.save(update_fields=[*values, "updated_at"])
    record(
        actor,
        Action.CREATE if created else Action.UPDATE,
        obj=None,
        summary="Public clinic profile changed",
        changes=changes,
    )
    return profile
