from django.urls import path

from ketaclinic.accounts import api as accounts_api
from ketaclinic.infusions import api as infusions_api
from ketaclinic.invitations import api as invitations_api
from ketaclinic.outcomes import api as outcomes_api
from ketaclinic.patients import api as patients_api
from ketaclinic.plans import api as plans_api
from ketaclinic.policies import api as policies_api
from ketaclinic.scheduling import api as scheduling_api
from ketaclinic.screening import api as screening_api
from ketaclinic.visits import api as visits_api

app_name = "api"
_SESSION = "patients/<uuid:code>/sessions/<uuid:session_code>/"
_APPOINTMENT = "appointments/<uuid:code>/"
urlpatterns = [
    path("availability/", scheduling_api.Availability.as_view(), name="availability"),
    path("appointments/", scheduling_api.AppointmentList.as_view(), name="appointments"),
    path(_APPOINTMENT, scheduling_api.AppointmentDetail.as_view(), name="appointment"),
    path(f"{_APPOINTMENT}move/", scheduling_api.AppointmentMove.as_view(), name="appointment-move"),
    path(
        f"{_APPOINTMENT}cancel/",
        scheduling_api.AppointmentCancel.as_view(),
        name="appointment-cancel",
    ),
    path(
        f"{_APPOINTMENT}no-show/",
        scheduling_api.AppointmentNoShow.as_view(),
        name="appointment-no-show",
    ),
    path(
        "patients/<uuid:code>/appointments/series/",
        scheduling_api.SeriesBooking.as_view(),
        name="patient-series",
    ),
    path(
        "patients/<uuid:code>/boosters/",
        scheduling_api.PatientBoosters.as_view(),
        name="patient-boosters",
    ),
    path(
        "portal/appointments/",
        scheduling_api.PortalAppointments.as_view(),
        name="portal-appointments",
    ),
    path("portal/diary/", outcomes_api.PortalDiary.as_view(), name="portal-diary"),
    path("patients/<uuid:code>/diary/", outcomes_api.PatientDiary.as_view(), name="patient-diary"),
    path(
        "patients/<uuid:code>/sessions/",
        infusions_api.SessionList.as_view(),
        name="patient-sessions",
    ),
    path(_SESSION, infusions_api.SessionDetail.as_view(), name="patient-session"),
    path(f"{_SESSION}check-in/", infusions_api.CheckIn.as_view(), name="session-check-in"),
    path(f"{_SESSION}events/", infusions_api.EventList.as_view(), name="session-events"),
    path(f"{_SESSION}vitals/", infusions_api.VitalsList.as_view(), name="session-vitals"),
    path(f"{_SESSION}alerts/", infusions_api.AlertList.as_view(), name="session-alerts"),
    path(
        f"{_SESSION}alerts/<uuid:alert_code>/acknowledge/",
        infusions_api.AlertAcknowledge.as_view(),
        name="session-alert-acknowledge",
    ),
    path("patients/<uuid:code>/visits/", visits_api.VisitList.as_view(), name="patient-visits"),
    path(
        "patients/<uuid:code>/visits/<uuid:visit_code>/",
        visits_api.VisitDetail.as_view(),
        name="patient-visit",
    ),
    path("protocols/", plans_api.ProtocolLibraryView.as_view(), name="protocols"),
    path("patients/<uuid:code>/plans/", plans_api.PlanList.as_view(), name="patient-plans"),
    path(
        "patients/<uuid:code>/plans/calculate/",
        plans_api.PlanCalculate.as_view(),
        name="patient-plan-calculate",
    ),
    path(
        "patients/<uuid:code>/plans/<uuid:plan_code>/",
        plans_api.PlanDetail.as_view(),
        name="patient-plan",
    ),
    path("me/", accounts_api.Me.as_view(), name="me"),
    path("auth/token/", accounts_api.ObtainToken.as_view(), name="token"),
    path("auth/tokens/", accounts_api.TokenList.as_view(), name="tokens"),
    path("auth/tokens/<uuid:code>/", accounts_api.TokenRevoke.as_view(), name="token-revoke"),
    path("patients/", patients_api.PatientListCreate.as_view(), name="patient-list"),
    path("patients/search/", patients_api.PatientSearch.as_view(), name="patient-search"),
    path("patients/<uuid:code>/", patients_api.PatientDetail.as_view(), name="patient-detail"),
    path(
        "patients/<uuid:code>/conditions/",
        patients_api.ConditionListCreate.as_view(),
        name="patient-conditions",
    ),
    path(
        "patients/<uuid:code>/medications/",
        patients_api.MedicationListCreate.as_view(),
        name="patient-medications",
    ),
    path(
        "patients/<uuid:code>/allergies/",
        patients_api.AllergyListCreate.as_view(),
        name="patient-allergies",
    ),
    path(
        "patients/<uuid:code>/measurements/",
        patients_api.MeasurementListCreate.as_view(),
        name="patient-measurements",
    ),
    path(
        "patients/<uuid:code>/invitations/",
        invitations_api.InvitationList.as_view(),
        name="patient-invitations",
    ),
    path(
        "patients/<uuid:code>/invitations/<uuid:invitation>/",
        invitations_api.InvitationDetail.as_view(),
        name="patient-invitation",
    ),
    path(
        "patients/<uuid:code>/invitations/<uuid:invitation>/resend/",
        invitations_api.InvitationResend.as_view(),
        name="patient-invitation-resend",
    ),
    path("portal/me/", patients_api.PortalMe.as_view(), name="portal-me"),
    path("instruments/", screening_api.InstrumentList.as_view(), name="instrument-list"),
    path(
        "instruments/<slug:instrument>/",
        screening_api.InstrumentDetail.as_view(),
        name="instrument-detail",
    ),
    path(
        "patients/<uuid:code>/screening/",
        screening_api.ScreeningDetail.as_view(),
        name="patient-screening",
    ),
    path(
        "patients/<uuid:code>/screening/intake/<slug:section>/",
        screening_api.ScreeningIntakePart.as_view(),
        name="patient-screening-intake",
    ),
    path(
        "patients/<uuid:code>/screening/facts/",
        screening_api.ScreeningFacts.as_view(),
        name="patient-screening-facts",
    ),
    path(
        "patients/<uuid:code>/screening/decisions/",
        screening_api.ScreeningDecisions.as_view(),
        name="patient-screening-decisions",
    ),
    path("screening/rule-sets/", policies_api.RuleSetList.as_view(), name="rule-sets"),
    path("policies/<slug:kind>/", policies_api.PolicyApi.as_view(), name="policy"),
    path(
        "policies/<slug:kind>/<uuid:code>/",
        policies_api.PolicyVersionApi.as_view(),
        name="policy-version",
    ),
    path(
        "policies/<slug:kind>/<uuid:code>/approve/",
        policies_api.PolicyApprove.as_view(),
        name="policy-approve",
    ),
    path("portal/intake/", screening_api.PortalIntake.as_view(), name="portal-intake"),
    path(
        "portal/intake/submit/",
        screening_api.PortalIntakeSubmit.as_view(),
        name="portal-intake-submit",
    ),
    path(
        "portal/intake/<slug:section>/",
        screening_api.PortalIntakePart.as_view(),
        name="portal-intake-part",
    ),
]
