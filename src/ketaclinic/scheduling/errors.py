"""Refusals of a booking: a field and its rule, and for a taken slot the nearest free ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from ketaclinic.scheduling.availability import Slot

__all__ = ["SeriesTakenError", "SlotTakenError", "refuse", "slot_dict"]


def refuse(field: str, rule: str) -> NoReturn:
    raise ValidationError({field: f"{field}: {rule}"})


def slot_dict(slot: Slot, zone: ZoneInfo) -> dict[str, Any]:
    """A free slot as the API and the pages offer it."""
    return {
        "starts_at": slot.starts_at.isoformat(),
        "ends_at": slot.ends_at.isoformat(),
        "local_start": slot.starts_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        "resource": str(slot.resource.code) if slot.resource else None,
        "resource_name": slot.resource.name if slot.resource else "",
        "clinician": str(slot.clinician.code) if slot.clinician else None,
        "physician": str(slot.physician.code) if slot.physician else None,
    }


class SlotTakenError(ValidationError):
    """The time asked for is taken: never moved silently, the nearest free slots offered.

    Raised under the calendar's lock without the alternatives (``search`` says where to
    look); the service looks for them after its transaction has rolled back and the lock
    is released (:meth:`completed`), so a refused booking holds no other booking up.
    """

    def __init__(
        self,
        field: str,
        what: str,
        zone: ZoneInfo,
        alternatives: list[Slot] | None = None,
        *,
        search: tuple[Any, ...] | None = None,
    ) -> None:
        self.field, self.what, self.zone, self.search = field, what, zone, search
        self.alternatives = alternatives or []
        text = what
        if alternatives is not None:
            offered = "; ".join(s.describe(zone) for s in alternatives)
            text += f". Nearest free: {offered}" if offered else ". No free time within two weeks"
        super().__init__({field: f"{field}: {text}"})

    def completed(self) -> SlotTakenError:
        """The same refusal with the nearest free slots (found now)."""
        if self.search is None:
            return self
        from ketaclinic.scheduling.availability import nearest

        clinic, need, around, exclude = self.search
        found = nearest(clinic, need, around, exclude=exclude)
        return SlotTakenError(self.field, self.what, self.zone, found)

    def offered(self) -> list[dict[str, Any]]:
        return [slot_dict(s, self.zone) for s in self.alternatives]


class SeriesTakenError(ValidationError):
    """Sessions of a series that found no slot, each with its nearest free ones."""

    def __init__(self, problems: dict[int, ValidationError]) -> None:
        self.problems = problems
        messages = []
        for number, error in sorted(problems.items()):
            for text in error.messages:
                messages.append(f"session {number}: {text}")
        super().__init__({"sessions": messages})

    def completed(self) -> SeriesTakenError:
        return SeriesTakenError(
            {
                n: e.completed() if isinstance(e, SlotTakenError) else e
                for n, e in self.problems.items()
            }
        )

    def offered(self) -> dict[str, list[dict[str, Any]]]:
        return {
            str(n): e.offered() if isinstance(e, SlotTakenError) else []
            for n, e in sorted(self.problems.items())
        }
