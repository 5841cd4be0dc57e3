"""REST API for screening: instruments, questionnaires, scores, facts, decisions, rules.

The same access getters and services as the pages, so the same permissions and
the same validation (errors name the field and the rule). Formats are in
docs/screening.md §6.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user
from ketaclinic.lib.api import HasCapability
from ketaclinic.lib.serializers import StrictSerializer
from ketaclinic.questionnaires.models import QuestionnaireResponse
from ketaclinic.screening import access, services
from ketaclinic.screening import api_schema as doc
from ketaclinic.screening.models import (
    EnteredVia,
    Screening,
    ScreeningDecision,
)
from ketacore import intake
from ketacore.errors import InputError
from ketacore.scoring import INSTRUMENTS, get_instrument

_C = Capability
_PERMS: list[type[BasePermission]] = [IsAuthenticated, HasCapability]


def _response_dict(r: QuestionnaireResponse, *, with_score: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "instrument": r.questionnaire,
        "answers": r.answers,
        "options": r.options,
        "complete": r.complete,
        "missing": r.missing,
        "entered_via": r.entered_via,
        "updated_at": r.entered_at.isoformat(),
    }
    if with_score:
        data["score"] = r.result
    return data


def _decision_dict(d: ScreeningDecision, *, current: bool) -> dict[str, Any]:
    return {
        "code": str(d.code),
        "decision": d.decision,
        "engine_decision": d.engine_decision,
        "note": d.note,
        "rule_set": {"id": str(d.rule_set.document.get("id", "")), "version": d.rule_set_version},
        "signed_by": d.signed_by_name,
        "signed_at": d.signed_at.isoformat(),
        "supersedes": str(d.supersedes.code) if d.supersedes else None,
        "revision_reason": d.revision_reason,
        "current": current,
        "facts": d.facts,
        "evaluation": d.evaluation,
    }


def _authorisation_dict(plan: services.Authorisation) -> dict[str, Any]:
    stale = plan.staleness
    return {
        "authorises_plan": plan.ok,
        "reasons": list(plan.reasons),
        "stale": stale.stale,
        "changed_facts": [
            {"fact": c.key, "signed_on": c.signed_on, "now": c.now} for c in stale.facts
        ],
        "rules_changed": list(stale.rules) if stale.rules else None,
        "result_changed": list(stale.result) if stale.result else None,
    }


def _intake_dict(
    screening: Screening, instruments: tuple[str, ...], *, staff: bool
) -> dict[str, Any]:
    responses = services.answers_of(screening)
    return {
        "screening": str(screening.code),
        "submitted_at": screening.submitted_at.isoformat() if screening.submitted_at else None,
        "sections": {
            s: {
                "answers": responses[s].answers if s in responses else None,
                "done": s in responses and responses[s].complete,
            }
            for s in intake.FACT_SECTIONS
        },
        "instruments": {
            name: _response_dict(responses[name], with_score=staff) if name in responses else None
            for name in instruments
        },
    }


def _body(request: Request) -> tuple[dict[str, Any], dict[str, Any] | None]:
    data = request.data
    if not isinstance(data, dict) or not isinstance(data.get("answers", {}), dict):
        raise InputError("answers", 'send an object {"answers": {...}, "options": {...}}')
    options = data.get("options")
    if options is not None and not isinstance(options, dict):
        raise InputError("options", "must be an object")
    extra = set(data) - {"answers", "options"}
    if extra:
        raise InputError(sorted(extra)[0], "allowed keys: answers, options")
    return dict(data.get("answers") or {}), options


def _save_part(request: Request, screening: Screening, section: str, via: str) -> Response:
    answers, options = _body(request)
    actor = acting_user(request)
    if section in intake.FACT_SECTIONS:
        if options:
            raise InputError("options", "question sections have no options")
        saved = services.save_intake_section(
            actor, screening, section, answers, via=via, merge=True
        )
        return Response({"section": section, "answers": saved.answers, "done": saved.complete})
    allowed = (
        services.intake_instruments()
        if via == EnteredVia.PORTAL
        else services.clinician_instruments()
    )
    if section not in allowed:
        raise Http404("No such part of the questionnaire")
    response = services.save_instrument_answers(
        actor, screening, section, answers, via=via, options=options
    )
    return Response(_response_dict(response, with_score=via != EnteredVia.PORTAL))


class InstrumentList(APIView):
    """Every instrument with its items in order (as ``ketaclinic score --describe``)."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(responses=doc.InstrumentDoc(many=True), operation_id="instruments_list")
    def get(self, request: Request) -> Response:
        return Response([i.describe() for i in INSTRUMENTS.values()])


class InstrumentDetail(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(responses=doc.InstrumentDoc)
    def get(self, request: Request, instrument: str) -> Response:
        try:
            return Response(get_instrument(instrument).describe())
        except InputError:
            raise Http404("No such instrument") from None


class ScreeningDetail(APIView):
    """The current screening: intake, scores, facts with sources, the rules' result."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_VIEW_CLINICAL}  # noqa: RUF012

    @extend_schema(responses=doc.StaffScreening)
    def get(self, request: Request, code: UUID) -> Response:
        user = acting_user(request)
        patient, screening = access.screening_for_staff(user, code, _C.PATIENT_VIEW_CLINICAL)
        evaluation = services.evaluate_screening(screening)
        current = services.current_decision(screening)
        plan = services.authorisation(screening, evaluation)
        data = _intake_dict(screening, services.clinician_instruments(), staff=True)
        data |= {
            "patient": str(patient.code),
            "clinician_facts": screening.clinician_facts,
            "facts": evaluation.facts,
            "fact_sources": evaluation.sources,
            "evaluation": evaluation.as_dict() or {"error": evaluation.error},
            "current_decision": _decision_dict(current, current=True) if current else None,
            "plan_authorisation": _authorisation_dict(plan),
        }
        return Response(data)


class ScreeningIntakePart(APIView):
    """Staff save a question section or an instrument's answers (merged with saved ones)."""

    permission_classes = _PERMS
    capabilities = {"PATCH": _C.PATIENT_EDIT_CLINICAL}  # noqa: RUF012

    @extend_schema(request=doc.IntakePartRequest, responses=doc.StaffIntakePartSaved)
    def patch(self, request: Request, code: UUID, section: str) -> Response:
        _, screening = access.screening_for_staff(request.user, code, _C.PATIENT_EDIT_CLINICAL)
        return _save_part(request, screening, section, EnteredVia.API)


class ScreeningFacts(APIView):
    """Facts recorded by a clinician (docs/screening.md §4.3 format; null removes one)."""

    permission_classes = _PERMS
    capabilities = {"PATCH": _C.PATIENT_EDIT_CLINICAL}  # noqa: RUF012

    @extend_schema(request=OpenApiTypes.OBJECT, responses=doc.ClinicianFacts)
    def patch(self, request: Request, code: UUID) -> Response:
        _, screening = access.screening_for_staff(request.user, code, _C.PATIENT_EDIT_CLINICAL)
        if not isinstance(request.data, dict):
            raise InputError("facts", "must be a JSON object")
        screening = services.record_clinician_facts(acting_user(request), screening, request.data)
        return Response({"clinician_facts": screening.clinician_facts})


class SignSerializer(StrictSerializer):
    decision = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    password = serializers.CharField(write_only=True)
    revises = serializers.UUIDField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ScreeningDecisions(APIView):
    """Signed decisions, newest first; POST signs one (password re-entered) or a revision."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PATIENT_VIEW_CLINICAL, "POST": _C.SCREENING_DECIDE}  # noqa: RUF012

    @extend_schema(responses=doc.SignedDecision(many=True))
    def get(self, request: Request, code: UUID) -> Response:
        _, screening = access.screening_for_staff(request.user, code, _C.PATIENT_VIEW_CLINICAL)
        history = services.decision_history(screening)
        return Response([_decision_dict(d, current=c) for d, c in history])

    #: Methods that check a re-entered password, so may answer 429 (account locked).
    password_checked = ("POST",)

    @extend_schema(request=SignSerializer, responses={201: doc.SignedDecision})
    def post(self, request: Request, code: UUID) -> Response:
        patient, screening = access.screening_for_staff(request.user, code, _C.SCREENING_DECIDE)
        serializer = SignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        revises = None
        if data["revises"] is not None:
            revises = access.decision_for_staff(
                request.user, patient.code, data["revises"], _C.SCREENING_DECIDE
            )
        signed = services.sign_decision(
            acting_user(request),
            screening,
            decision=data["decision"],
            note=data["note"],
            password=data["password"],
            revises=revises,
            reason=data["reason"],
        )
        return Response(_decision_dict(signed, current=True), status=status.HTTP_201_CREATED)


class PortalIntake(APIView):
    """The patient's own questionnaire and progress (scores are for the clinicians)."""

    permission_classes = _PERMS
    capabilities = {"GET": _C.PORTAL_OWN_RECORD}  # noqa: RUF012

    @extend_schema(responses=doc.PortalIntake)
    def get(self, request: Request) -> Response:
        _, screening = access.own_screening(request.user)
        return Response(_intake_dict(screening, services.intake_instruments(), staff=False))


class PortalIntakePart(APIView):
    permission_classes = _PERMS
    capabilities = {"PATCH": _C.PORTAL_OWN_RECORD}  # noqa: RUF012

    @extend_schema(request=doc.IntakePartRequest, responses=doc.PortalIntakePartSaved)
    def patch(self, request: Request, section: str) -> Response:
        _, screening = access.own_screening(request.user)
        return _save_part(request, screening, section, EnteredVia.PORTAL)


class PortalIntakeSubmit(APIView):
    permission_classes = _PERMS
    capabilities = {"POST": _C.PORTAL_OWN_RECORD}  # noqa: RUF012

    @extend_schema(request=None, responses={200: doc.PortalIntake})
    def post(self, request: Request) -> Response:
        _, screening = access.own_screening(request.user)
        screening = services.submit_intake(acting_user(request), screening)
        return Response(_intake_dict(screening, services.intake_instruments(), staff=False))
