"""Outcomes after the infusions: the follow-up policy, response, relief and booster timing.

* :mod:`ketacore.outcomes.policy`: the clinic's follow-up policy document (a versioned
  policy): questionnaires on a schedule, follow-up visits, and the rules by which the
  pain diary is read.
* :mod:`ketacore.outcomes.response`: infusion series, baselines and responder status by
  the IMMPACT thresholds (Dworkin 2008 [Dworkin2008]; Farrar 2001 [Farrar2001]).
* :mod:`ketacore.outcomes.relief`: relief after an infusion or a series, its onset and
  duration, censored where the diary cannot tell.
* :mod:`ketacore.outcomes.booster`: when a booster is due, from the patient's own relief.
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
