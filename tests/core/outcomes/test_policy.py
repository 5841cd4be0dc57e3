"""The follow-up policy document: the shipped default loads, and each bad value names its field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ketacore.errors import InputError
from ketacore.outcomes import Anchor, default_follow_up_document, load_follow_up_policy


def _doc() -> dict[str, Any]:
    return copy.deepcopy(default_follow_up_document())


def test_shipped_default_loads_with_the_issue_time_points() -> None:
    policy = load_follow_up_policy(_doc())
    points = {p.id: p for p in policy.questionnaires.timepoints}
    assert list(points) == ["baseline", "after_first", "series_end", "monthly"]
    assert points["baseline"].anchor is Anchor.PLAN_SIGNED
    assert "pgic" not in points["baseline"].instruments  # change needs a before
    assert points["monthly"].offsets()[:3] == (30, 60, 90)
    assert len(points["monthly"].offsets()) == 12
    assert policy.response.moderate_percent == 30
    assert policy.response.substantial_percent == 50
    assert policy.response.points == 2


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("response", "moderate_percent"), 60, "response.moderate_percent"),
        (("response", "min_days"), 9, "response.min_days"),
        (("relief", "return_percent"), 50, "relief.return_percent"),
        (("questionnaires", "reminder_days"), [5, 2], "questionnaires.reminder_days"),
        (("questionnaires", "reminder_days"), [2, 8], "questionnaires.reminder_days[1]"),
        (("booster", "lead_days"), -1, "booster.lead_days"),
        (("visits", "after_first_infusion_days"), "7", "visits.after_first_infusion_days"),
        (("schema",), "other/1", "schema"),
    ],
)
def test_a_bad_value_names_its_field(path: tuple[str, ...], value: object, field: str) -> None:
    doc = _doc()
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InputError) as caught:
        load_follow_up_policy(doc)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"anchor": "next_tuesday"}, "questionnaires.timepoints[0].anchor"),
        ({"instruments": ["phq9", "phq9"]}, "questionnaires.timepoints[0].instruments"),
        ({"instruments": ["mmse"]}, "questionnaires.timepoints[0].instruments[0]"),
        ({"repeat": 3}, "questionnaires.timepoints[0].every_days"),
        ({"id": "monthly"}, "questionnaires.timepoints[0].id"),
    ],
)
def test_a_bad_time_point_names_its_field(change: dict[str, object], field: str) -> None:
    doc = _doc()
    doc["questionnaires"]["timepoints"][0].update(change)
    with pytest.raises(InputError) as caught:
        load_follow_up_policy(doc)
    if field.endswith(".id"):
        assert caught.value.field == "questionnaires.timepoints[3].id"
    else:
        assert caught.value.field == field
