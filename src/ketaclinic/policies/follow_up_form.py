"""The follow-up policy as labelled fields: questionnaire times, visits, response, relief, booster.

Every value of ``ketaclinic.follow-up/1`` a physician sets is a field, each part with its
source and a reason for a change. A time point's dates, repeats and instruments are
edited in place; adding or removing a time point is done by importing a file. Ranges and
cross-checks are the loader's (``ketacore.outcomes.policy``), so the form and an imported
file are held to the same rules.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from ketaclinic.policies.field_forms import DocumentForm
from ketacore.outcomes.policy import SCHEDULED_INSTRUMENTS, Anchor, FollowUpPolicy
from ketacore.questionnaires import title_of

__all__ = ["FollowUpForm"]

#: This loader's rules that name other fields by their keys, in words.
_WORDS: tuple[tuple[str, str], ...] = (
    (
        "must lie above minimal_percent and below substantial_percent",
        "must lie above the minimal and below the substantial reduction",
    ),
    (
        "must be at least 100 minus response.moderate_percent",
        "must be at least 100 minus the moderate reduction",
    ),
    ("must be set when repeat > 0", "must be set when it is asked again"),
)


class DaysField(forms.CharField):
    """Whole numbers of days separated by commas ("2, 5"), as a list."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> Any:
        text = str(super().to_python(value) or "").strip()
        if not text:
            return []
        parts = [p for p in re.split(r"[,\s]+", text) if p]
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(
                f"{self.label}: enter whole numbers of days separated by commas, e.g. 2, 5"
            )
        return [int(p) for p in parts]


def _text(label: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


def _days(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, help_text=help_text)


class FollowUpForm(DocumentForm):
    """The follow-up policy of a version as fields (see the module docstring)."""

    intro = (
        "Give a reason for every part you change. To add or remove a questionnaire time, "
        "import a file."
    )

    def field_at(self, place: str, rule: str) -> tuple[str | None, str]:
        """As every form, and a list's item (``reminder_days[1]``) on the list's field."""
        for keys, words in _WORDS:
            rule = rule.replace(keys, words)
        name, rule = super().field_at(place, rule)
        if name is None and place.endswith("]"):
            return super().field_at(re.sub(r"\[\d+\]$", "", place), rule)
        return name, rule

    def build(self, policy: FollowUpPolicy) -> None:
        q = policy.questionnaires
        times = self.group(
            "questionnaires", "Questionnaires: how long open, reminders", source=q.source
        )
        self.add(
            times,
            "open_days",
            _days("Days each stays open after it opens"),
            ("questionnaires", "open_days"),
        )
        self.add(
            times,
            "reminder_days",
            DaysField(
                label="Reminder emails, days after it opens",
                required=False,
                help_text="Separated by commas, e.g. 2, 5. Leave empty for no reminder.",
            ),
            ("questionnaires", "reminder_days"),
        )
        self.add(times, "source", _text("Source"), ("questionnaires", "source"))
        self.add_reason(times)

        anchors = [(a.value, a.label.capitalize()) for a in Anchor]
        instruments = [(i, title_of(i)) for i in SCHEDULED_INSTRUMENTS]
        for k, point in enumerate(q.timepoints):
            group = self.group(f"t{k}", f"Questionnaire time: {point.label}")
            at = ("questionnaires", "timepoints", k)
            self.add(
                group,
                "label",
                forms.CharField(label="Name shown to the patient", max_length=200),
                (*at, "label"),
            )
            self.add(
                group,
                "anchor",
                forms.ChoiceField(label="Counted from", choices=anchors),
                (*at, "anchor"),
            )
            self.add(group, "offset_days", _days("Days after that day"), (*at, "offset_days"))
            self.add(
                group,
                "instruments",
                forms.MultipleChoiceField(
                    label="Questionnaires asked",
                    choices=instruments,
                    widget=forms.CheckboxSelectMultiple,
                ),
                (*at, "instruments"),
            )
            self.add(
                group,
                "repeat",
                forms.IntegerField(
                    label="Asked again (times)", required=False, help_text="0 or empty: once."
                ),
                (*at, "repeat"),
            )
            self.add(
                group,
                "every_days",
                forms.IntegerField(
                    label="Every (days)", required=False, help_text="When asked again."
                ),
                (*at, "every_days"),
            )
            self.add_reason(group)

        v = policy.visits
        visits = self.group("visits", "Follow-up visits", source=v.source)
        self.add(
            visits,
            "after_first",
            _days("Due days after the first infusion"),
            ("visits", "after_first_infusion_days"),
        )
        self.add(
            visits,
            "after_series",
            _days("Due days after the end of a series"),
            ("visits", "after_series_end_days"),
        )
        self.add(visits, "source", _text("Source"), ("visits", "source"))
        self.add_reason(visits)

        r = policy.response
        response = self.group("response", "Response to treatment", source=r.source)
        for key, field in (
            ("series_gap_days", _days("A series ends after this many days without an infusion")),
            ("baseline_days", _days("Baseline: diary days before the series")),
            ("window_days", _days("Compared with: diary days of the recent window")),
            ("min_days", _days("Fewest diary days that count")),
            ("minimal_percent", _days("Minimal reduction (%)")),
            ("moderate_percent", _days("Moderate reduction (%)")),
            ("substantial_percent", _days("Substantial reduction (%)")),
            ("points", _days("Clinically important fall (points on 0-10)")),
        ):
            self.add(response, key, field, ("response", key))
        self.add(response, "source", _text("Source"), ("response", "source"))
        self.add_reason(response)

        rel = policy.relief
        relief = self.group("relief", "Relief after an infusion", source=rel.source)
        for key, field in (
            ("onset_within_days", _days("Relief must start within (days)")),
            ("return_percent", _days("Relief ends when pain is back to (% of baseline)")),
            ("confirm_days", _days("On this many diary days in a row")),
            ("max_gap_days", _days("A diary gap longer than this (days) ends what is known")),
        ):
            self.add(relief, key, field, ("relief", key))
        self.add(relief, "source", _text("Source"), ("relief", "source"))
        self.add_reason(relief)

        b = policy.booster
        booster = self.group("booster", "Booster", source=b.source)
        self.add(
            booster,
            "lead_days",
            _days("Suggest a booster this many days before relief is expected to end"),
            ("booster", "lead_days"),
        )
        self.add(booster, "source", _text("Source"), ("booster", "source"))
        self.add_reason(booster)
