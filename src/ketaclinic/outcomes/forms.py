"""Reading the diary form: the date and the three scores, as typed.

The rules themselves (0-10, not in the future, within 30 days) are ``ketacore.diary``'s,
applied by the service; this only turns the posted text into a date and whole numbers,
and names the field when it cannot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ketacore.diary import ITEMS, MAX_DAYS_BACK

__all__ = ["DiaryForm", "day_limits", "items_for"]


class DiaryForm:
    """The posted (or initial) diary values, and the errors by field."""

    def __init__(self, data: Mapping[str, Any] | None = None, *, initial: Mapping[str, Any]):
        self.data = data
        self.values: dict[str, Any] = dict(initial)
        self.errors: dict[str, str] = {}
        self.day: dt.date | None = None
        self.scores: dict[str, object] = {}

    def is_valid(self) -> bool:
        """Parse the posted text; True if it reads as a date and numbers."""
        if self.data is None:
            return False
        text = str(self.data.get("day", "")).strip()
        self.values["day"] = text
        try:
            self.day = dt.date.fromisoformat(text)
        except ValueError:
            self.errors["day"] = "Date: enter a date like 2027-03-20"
        for item in ITEMS:
            raw = str(self.data.get(item.id, "")).strip()
            self.values[item.id] = raw
            try:
                self.scores[item.id] = int(raw) if raw else None
            except ValueError:
                self.scores[item.id] = raw  # the service names the item and the rule
        return not self.errors

    def add_errors(self, errors: Mapping[str, list[str]]) -> None:
        for field, messages in errors.items():
            self.errors[field] = " ".join(messages)


def items_for(form: DiaryForm) -> list[dict[str, Any]]:
    """The three items as the template draws them: question, anchors, choices, chosen, error."""
    return [
        {
            "id": item.id,
            "label": item.label,
            "question": item.question,
            "low": item.low,
            "high": item.high,
            "choices": [str(n) for n in range(11)],
            "chosen": str(form.values.get(item.id, "")),
            "error": form.errors.get(item.id, ""),
        }
        for item in ITEMS
    ]


def day_limits(today: dt.date) -> dict[str, str]:
    """The date field's min and max (the past 30 days and today)."""
    return {
        "min_day": (today - dt.timedelta(days=MAX_DAYS_BACK)).isoformat(),
        "max_day": today.isoformat(),
    }
