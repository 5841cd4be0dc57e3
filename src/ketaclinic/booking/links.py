"""The manage link: the appointment's code and a version, signed with the secret key.

Unguessable (an HMAC-SHA256 signature, Django's ``signing``), expiring (at the
appointment's end, and at the latest ``MANAGE_LINK_DAYS`` after it was made), and
revocable (a new version makes every older link invalid). Nothing secret is stored.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from ketaclinic.booking.models import ManageAccess
from ketaclinic.lib import clock
from ketaclinic.scheduling.models import Appointment, AppointmentStatus

__all__ = ["LinkState", "Opened", "make", "open_link"]

_SALT = "ketaclinic.booking.manage-link"


class LinkState(enum.Enum):
    OK = "ok"
    NOT_VALID = "not_valid"  # forged, mistyped or for no appointment
    REPLACED = "replaced"  # a newer link was sent
    USED = "used"  # it cancelled the appointment
    CANCELLED = "cancelled"  # the clinic cancelled it
    EXPIRED = "expired"  # the appointment is over, or the link is too old


@dataclass(frozen=True, slots=True)
class Opened:
    state: LinkState
    appointment: Appointment | None = None


def make(access: ManageAccess) -> str:
    return signing.dumps(
        {"a": str(access.appointment.code), "v": access.version}, salt=_SALT, compress=True
    )


def open_link(token: str) -> Opened:
    """What a manage link opens; only ``OK`` carries the appointment."""
    max_age = settings.MANAGE_LINK_DAYS * 86400
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.SignatureExpired:
        return Opened(LinkState.EXPIRED)
    except signing.BadSignature:
        return Opened(LinkState.NOT_VALID)
    try:
        code = uuid.UUID(str(data["a"]))
        version = int(data["v"])
    except (KeyError, TypeError, ValueError):
        return Opened(LinkState.NOT_VALID)
    access = (
        ManageAccess.objects.select_related(
            "appointment", "appointment__clinic", "appointment__prospect", "appointment__patient"
        )
        .filter(appointment__code=code)
        .first()
    )
    if access is None:
        return Opened(LinkState.NOT_VALID)
    if access.used_at is not None:
        return Opened(LinkState.USED)
    if version != access.version:
        return Opened(LinkState.REPLACED)
    appointment = access.appointment
    if appointment.status == AppointmentStatus.CANCELLED:
        return Opened(LinkState.CANCELLED)
    if appointment.status != AppointmentStatus.BOOKED or appointment.ends_at <= clock.now():
        return Opened(LinkState.EXPIRED)
    return Opened(LinkState.OK, appointment)
