"""The worklist's "Follow-up visits due" (the follow-up policy's ``visits``; docs/outcomes.md).

A physician sees why the visit is due and opens the visit form; the front desk sees only the
patient's name and the date, to book the visit.
"""

from __future__ import annotations

from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Capability
from ketaclinic.visits.access import visits_due
from ketaclinic.worklists import access as worklist

__all__ = ["follow_up_sections"]


def follow_up_sections(staff: User) -> list[worklist.Section]:
    """The section for a physician or the front desk; none for other roles."""
    physician = staff.can(Capability.VISIT_SIGN)
    front_desk = staff.can(Capability.SCHEDULE_BOOK) and not staff.can(
        Capability.PATIENT_VIEW_CLINICAL
    )
    if not (physician or front_desk) or staff.can(Capability.USERS_MANAGE):
        return []
    section = worklist.Section("visits", "Follow-up visits due", "No follow-up visit is due.")
    count, due = visits_due(staff, limit=worklist.SECTION_LIMIT)
    for d in due:
        if physician:
            what = f"Follow-up visit due {d.milestone.due:%Y-%m-%d}, {d.milestone.label}"
            url, action = reverse("visits:new", args=[d.patient.code]), "Record the visit"
        else:
            what = f"Follow-up visit due {d.milestone.due:%Y-%m-%d}"
            url, action = reverse("scheduling:book", args=[d.patient.code]), "Book the visit"
        section.items.append(worklist.Item(d.patient, what, None, url, action))
    section.count = count
    return [section]
