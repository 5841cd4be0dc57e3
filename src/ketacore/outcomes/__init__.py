"""Outcomes after the infusions: the follow-up policy, response, relief and booster timing.

* :mod:`ketacore.outcomes.policy`: the clinic's follow-up policy document (a versioned
  policy): questionnaires on a schedule, follow-up visits, and the rules by which the
  pain diary is read.
"""

from __future__ import annotations

from ketacore.outcomes.policy import (
    FOLLOW_UP_SCHEMA,
    Anchor,
    FollowUpPolicy,
    TimePoint,
    default_follow_up_document,
    load_follow_up_policy,
)

__all__ = [
    "FOLLOW_UP_SCHEMA",
    "Anchor",
    "FollowUpPolicy",
    "TimePoint",
    "default_follow_up_document",
    "load_follow_up_policy",
]
