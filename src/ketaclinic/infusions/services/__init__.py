"""Infusion-session services: charting (writes), closing (discharge, sign-off, corrections), state.

Every write appends an entry under the session's lock (``charting.append``); the
session's state is always computed from its entries (``state.session_state``).
"""

from ketaclinic.infusions.services.charting import (
    CLOCK_SKEW,
    append,
    open_session,
    record_pump_event,
)
from ketaclinic.infusions.services.closing import acknowledge, amend, discharge, override, sign_off
from ketaclinic.infusions.services.observations import (
    INTERVENTIONS,
    SCORES,
    SEVERITIES,
    SIDE_EFFECTS,
    record_note,
    record_rescue,
    record_score,
    record_side_effect,
)
from ketaclinic.infusions.services.state import (
    SessionState,
    care_of,
    session_state,
    sessions_of_plan,
    summary_of,
)
from ketaclinic.infusions.services.vitals import as_vitals, check_in, record_vitals

__all__ = [
    "CLOCK_SKEW",
    "INTERVENTIONS",
    "SCORES",
    "SEVERITIES",
    "SIDE_EFFECTS",
    "SessionState",
    "acknowledge",
    "amend",
    "append",
    "as_vitals",
    "care_of",
    "check_in",
    "discharge",
    "open_session",
    "override",
    "record_note",
    "record_pump_event",
    "record_rescue",
    "record_score",
    "record_side_effect",
    "record_vitals",
    "session_state",
    "sessions_of_plan",
    "sign_off",
    "summary_of",
]
