"""Every page, for every role that may open it, fits a tablet (820 px) and a
phone (390 px) without sideways scrolling, and shows no internal keys.

The pages are walked from the route matrix (ketaclinic.security.ROUTE_ACCESS)
over the demo clinic, so a new page is checked the day it is added: a route
whose URL needs arguments this test cannot fill fails with its name.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.security import ROUTE_ACCESS, allowed, is_api_route
from tests.browser.helpers import current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (820, 390)
#: Pages that are not screens: sign-in forms already shown before sign-in,
#: downloads, and machine-readable documents.
NOT_SCREENS = {"accounts:login", "healthz", "api-schema", "policies:export"}
#: Reached only with an emailed token: walked on a phone in test_portal_invitation_and_alerts.py.
NOT_SCREENS |= {"invitations:welcome"}
#: A printable A4 document (PDF), read back in infusions/tests/test_record_pdf.py.
NOT_SCREENS |= {"infusions:pdf"}
#: The progress report (PDF), read back in outcomes/tests/test_progress_pages.py.
NOT_SCREENS |= {"outcomes:progress_pdf", "portal:progress_pdf"}
#: A calendar file for calendar apps, read back in booking/tests/test_calendar_feed.py.
NOT_SCREENS |= {"booking:feed"}
#: A CSV download, read back in outcomes/tests/test_analytics.py.
NOT_SCREENS |= {"outcomes:analytics_export"}
#: The progress page's charts (images inside it), read back in test_progress_pages.py.
NOT_SCREENS |= {"outcomes:progress_pain_chart", "outcomes:progress_scores_chart"}
#: A word joined by underscores (``pain_duration_months``) is a field key, not
#: clinician language; so are constants and file names.
INTERNAL_KEY = re.compile(
    r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b"  # a field key
    r"|\b[A-Z0-9]+(?:_[A-Z0-9]+)+\b"  # a constant
    r"|[\w/-]+\.(?:py|md|json|html|txt|csv|R)\b"  # a file name
)

#: The innermost element reaching furthest to the right: what to fix.
WIDEST = """() => {
  let worst = null, right = 0;
  const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (getComputedStyle(p).overflowX === "auto") return true; } return false; };
  for (const el of document.querySelectorAll("body *")) {
    if (scrolls(el)) continue;
    const r = el.getBoundingClientRect().right;
    const inner = r >= right - 0.5 && worst && worst.contains(el);
    if (r > right + 0.5 || inner) { worst = el; right = r; }
  }
  if (!worst) return "";
  const text = (worst.textContent || "").trim().slice(0, 40);
  return `${worst.tagName.toLowerCase()}.${worst.className} "${text}"`;
}"""


def _route_kwargs(data: dict[str, Any]) -> dict[str, dict[str, object]]:
    patient, screened = data["patient"], data["screened"]
    rule_set = data["rule_set"]
    return {
        "patients:chart": {"code": patient.code},
        "outcomes:patient_diary": {"code": screened.code},
        "outcomes:patient_progress": {"code": screened.code},
        "outcomes:progress_pdf": {"code": screened.code},
        "outcomes:mark_booster": {"code": screened.code},
        "patients:edit": {"code": patient.code},
        "patients:entry_create": {"code": patient.code, "kind": "condition"},
        "patients:entry_retire": {
            "code": patient.code,
            "kind": "condition",
            "entry_code": patient.conditions.first().code,
        },
        "screening:summary": {"code": screened.code},
        "screening:facts": {"code": screened.code},
        "screening:sign": {"code": screened.code},
        "screening:intake_section": {"code": screened.code, "section": "phq9"},
        "screening:revise": {"code": screened.code, "decision_code": data["decision"].code},
        "policies:detail": {"kind": "eligibility"},
        "policies:edit": {"kind": "eligibility"},
        "policies:import": {"kind": "eligibility"},
        "policies:version": {"kind": "eligibility", "code": rule_set.code},
        "portal:intake_section": {"section": "bpi-sf"},
        "portal:followup": {"code": data["followup"].code},
        "portal:followup_part": {"code": data["followup"].code, "instrument": "phq9"},
        "qschedule:staff_part": {
            "code": data["followup"].patient.code,
            "row_code": data["followup"].code,
            "instrument": "phq9",
        },
        "invitations:portal_access": {"code": patient.code},
        "alerts:acknowledge": {"code": data["alert"].code},
        "plans:new": {"code": screened.code},
        "plans:detail": {"code": screened.code, "plan_code": data["plan"].plan.code},
        "plans:revise": {"code": screened.code, "plan_code": data["plan"].plan.code},
        "visits:new": {"code": screened.code},
        "visits:detail": {"code": screened.code, "visit_code": data["visit"].code},
        "visits:correct": {"code": screened.code, "visit_code": data["visit"].code},
        "infusions:session": {"code": screened.code, "session_code": data["session"].code},
        "scheduling:book": {"code": screened.code},
        "scheduling:series": {"code": screened.code},
        "scheduling:appointment": {"code": data["appointment"].code},
        "scheduling:setup_hours": {"code": data["physician"].code},
        "public:topic": {"slug": "evidence"},
    }


#: More states of a route than its one address shows: (route, arguments, query).
EXTRA_PAGES: list[tuple[str, dict[str, object] | None, str]] = [
    ("policies:detail", {"kind": "protocols"}, ""),
    ("policies:import", {"kind": "protocols"}, ""),
    ("policies:detail", {"kind": "infusion_care"}, ""),
    ("booking:book", None, "?mode=video"),
    ("booking:book", None, "?mode=in_person"),
    ("policies:edit", {"kind": "protocols"}, ""),
    ("policies:edit", {"kind": "infusion_care"}, ""),
    ("policies:detail", {"kind": "follow_up"}, ""),
    ("policies:edit", {"kind": "follow_up"}, ""),
    ("outcomes:analytics", None, "?breakdown=protocol&kind=series"),
    ("outcomes:analytics", None, "?breakdown=duration&method=exact"),
]


def _extra_pages(data: dict[str, Any]) -> list[tuple[str, dict[str, object] | None, str]]:
    """The calendar on the day of the demo booking; each protocol's plan form."""
    code = {"code": data["screened"].code}
    day = data["appointment"].starts_at.date().isoformat()
    return [("scheduling:day", None, f"?day={day}")] + [
        ("plans:new", code, f"?protocol={p}")
        for p in ("crps-schwartzman", "custom", "guideline-80-mg")
    ]


def _demo() -> dict[str, Any]:
    from ketaclinic.accounts.models import User
    from ketaclinic.alerts.models import SafetyAlert
    from ketaclinic.demo import DEMO_PASSWORD, load_demo
    from ketaclinic.patients.models import Patient
    from ketaclinic.policies import services as policies
    from ketaclinic.screening import access, services

    clinic = load_demo(12)
    screened = Patient.objects.get(portal_user__username="patient.ben")
    physician = User.objects.get(username="dr.rivera")
    decision = services.sign_decision(
        physician,
        access.current_screening(screened),
        decision="not_a_candidate",
        note="Wants to try other treatment first.",
        password=DEMO_PASSWORD,
    )
    ada = Patient.objects.get(portal_user__username="patient.ada")
    portal_user = ada.portal_user
    assert portal_user is not None
    services.save_instrument_answers(
        portal_user,
        services.start_screening(portal_user, ada),
        "phq9",
        {"q9_self_harm_thoughts": 1},
        via="portal",
    )
    from ketaclinic.infusions import services as infusions
    from ketaclinic.plans.tests.helpers import stored_plan

    plan = stored_plan(screened, decision, physician)
    session = infusions.open_session(physician, plan, chair="Chair 4")
    from ketaclinic.visits.tests.helpers import stored_visit

    visit = stored_visit(screened, plan, physician)
    from ketaclinic.scheduling import services as scheduling
    from ketaclinic.scheduling.tests.helpers import T, days_ahead, local

    monday = days_ahead(7 - days_ahead(0).weekday())
    appointment = scheduling.book(
        physician,
        scheduling.Booking(
            kind="infusion", patient=screened, starts_at=local(clinic, monday, T(9))
        ),
    )
    from ketaclinic.qschedule.models import FollowUpQuestionnaire
    from ketaclinic.qschedule.tasks import refresh_patient_questionnaires

    refresh_patient_questionnaires.call(str(screened.code))  # what the worker does on commit
    return {
        "followup": FollowUpQuestionnaire.objects.filter(patient=screened, status="open")
        .order_by("-opens_on")
        .first(),
        "appointment": appointment,
        "plan": plan,
        "session": session,
        "visit": visit,
        "alert": SafetyAlert.objects.get(patient=ada),
        "patient": Patient.objects.filter(clinic=clinic, conditions__isnull=False).first(),
        "screened": screened,
        "decision": decision,
        "rule_set": policies.store_in_force(None, clinic, "eligibility"),
        "password": DEMO_PASSWORD,
        "physician": physician,
    }


def _sign_in(page: Any, base: str, username: str, password: str, *, staff: bool) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if staff:
        page.wait_for_url("**/accounts/two-factor/**")
        page.get_by_label("6-digit code from your authenticator app").fill(current_code(username))
        page.get_by_role("button", name="Verify").click()
    # Signed in once the browser has left the sign-in steps (the cookie is set).
    page.wait_for_url(lambda url: "/accounts/" not in url)


def test_every_page_fits_a_tablet_and_a_phone(live_server, browser) -> None:
    data = _demo()
    kwargs = _route_kwargs(data)
    users = {
        Role.ADMIN: "admin",
        Role.PHYSICIAN: "dr.rivera",
        Role.NURSE: "nurse.kim",
        Role.FRONT_DESK: "desk.lee",
        Role.PATIENT: "patient.ben",
    }
    problems: list[str] = []
    visited = 0
    for role, username in users.items():
        context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
        page = context.new_page()
        _sign_in(page, live_server.url, username, data["password"], staff=role != Role.PATIENT)
        pages = [(name, kwargs.get(name), "") for name in sorted(ROUTE_ACCESS)]
        pages += EXTRA_PAGES + _extra_pages(data)
        for name, route_kwargs, query in pages:
            methods = ROUTE_ACCESS[name]
            if "GET" not in methods or name in NOT_SCREENS or is_api_route(name):
                continue
            if not allowed(role, methods["GET"]):
                continue
            try:
                url = reverse(name, kwargs=route_kwargs) + query
            except NoReverseMatch:
                pytest.fail(f"add URL arguments for the route {name!r} to _route_kwargs")
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(live_server.url + url)
            assert response is not None
            if response.status >= 400:
                problems.append(f"{role} {name}{query}: HTTP {response.status}")
                continue
            visited += 1
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > width:
                    culprit = page.evaluate(WIDEST)
                    problems.append(
                        f"{role} {name}{query} at {width} px: {scroll} px wide ({culprit})"
                    )
            # Addresses and DOIs of cited papers are what they are.
            text = re.sub(r"(https?://|doi:)\S+", "", page.locator("main").inner_text())
            keys = sorted(set(INTERNAL_KEY.findall(text)))
            if keys:
                problems.append(f"{role} {name}{query}: internal keys shown: {', '.join(keys[:5])}")
        context.close()
    assert visited > 40
    assert not problems, "\n".join(problems)


def test_the_public_site_fits_a_tablet_and_a_phone_for_a_visitor(live_server, browser) -> None:
    """The pages a visitor who is not signed in reaches, from the demo clinic's home page."""
    from ketaclinic.demo import load_demo
    from ketaclinic.public.topics import TOPICS

    clinic = load_demo(3)
    urls = ["/", reverse("public:contact"), reverse("booking:book"), reverse("booking:manage")]
    urls += [reverse("booking:book") + f"?mode={m}" for m in ("video", "phone", "in_person")]
    urls += [reverse("public:topic", args=[t.slug]) for t in TOPICS]
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    page = context.new_page()
    problems: list[str] = []
    for url in urls:
        response = page.goto(live_server.url + url)
        assert response is not None
        assert response.status == 200, url
        assert clinic.name in page.locator("header").inner_text()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"{url} at {width} px: {scroll} px wide ({page.evaluate(WIDEST)})")
        text = re.sub(r"(https?://|doi:)\S+", "", page.locator("main").inner_text())
        if keys := sorted(set(INTERNAL_KEY.findall(text))):
            problems.append(f"{url}: internal keys shown: {', '.join(keys[:5])}")
    # The visitor's way in: the home page links every page, and the sign-in.
    page.goto(live_server.url + "/")
    for topic in TOPICS:
        assert page.get_by_role("link", name=topic.title).first.is_visible()
    page.get_by_role("link", name="Staff and patient sign-in").click()
    page.wait_for_url("**/accounts/login/**")
    context.close()
    assert not problems, "\n".join(problems)
