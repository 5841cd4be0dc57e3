"""What the screening API answers, for the OpenAPI schema.

The endpoints in ``api.py`` build their JSON with small dict builders
(``_response_dict``, ``_decision_dict``, ``_intake_dict``, ``_rule_set_dict``, and
``describe``/``score_result_to_dict``/``decision_to_dict`` in ketacore). These
serializers are never used to render anything: they only describe those dicts,
field by field, so the schema says what is really sent. Keep them in step with the
builders; the schemathesis run (ketaclinic/lib/tests/test_api_schema.py) checks
every response against them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, inline_serializer
from rest_framework import serializers

from ketaclinic.screening.models import SIGNABLE, EnteredVia
from ketacore.rules import Decision

S = serializers
_Fields = dict[str, S.Field[Any, Any, Any, Any]]


def _strings() -> S.DictField:
    return S.DictField(child=S.CharField())


def _anything(**kwargs: Any) -> S.DictField:
    return S.DictField(child=S.JSONField(), **kwargs)


# ------------------------------------------------------------------ instruments


class InstrumentOptionDoc(S.Serializer[Any]):
    name = S.CharField()
    values = S.ListField(child=S.CharField())
    default = S.CharField()
    in_force = S.CharField()
    doc = S.CharField()


# Serializers declared with inline_serializer have fields named like a Field's own
# attributes (required, label, source), which a class body cannot declare cleanly.
_INSTRUMENT_ITEM: _Fields = {
    "id": S.CharField(help_text="Stable item id, q<position>_<short_name>."),
    "text": S.CharField(),
    "section": S.CharField(),
    "required": S.BooleanField(),
    "allowed_values": S.ListField(child=S.IntegerField()),
    "labels": S.DictField(child=S.CharField(), help_text="Label of each labelled value."),
    "weight_note": S.CharField(required=False, help_text="Only for items weighted in scoring."),
}


class InstrumentDoc(S.Serializer[Any]):
    """One instrument as ``ketaclinic score --describe`` prints it (docs/screening.md §4.1)."""

    instrument = S.CharField()
    instrument_version = S.CharField()
    name = S.CharField()
    summary = S.CharField()
    recall = S.CharField()
    missing_rule = S.CharField()
    references = S.CharField()
    options = InstrumentOptionDoc(many=True)
    items = inline_serializer("InstrumentItemDoc", _INSTRUMENT_ITEM, many=True)


# ------------------------------------------------------------------ scores and answers


_BAND: _Fields = {"id": S.CharField(), "label": S.CharField(), "source": S.CharField()}
_FLAG: _Fields = {"id": S.CharField(), "message": S.CharField(), "source": S.CharField()}


class Score(S.Serializer[Any]):
    """A scored instrument (``score_result_to_dict``, docs/screening.md §4.2)."""

    instrument = S.CharField()
    total = S.FloatField(allow_null=True)
    subscales = S.DictField(child=S.FloatField(allow_null=True))
    band = inline_serializer("ScoreBand", _BAND, allow_null=True)
    flags = inline_serializer("ScoreFlag", _FLAG, many=True)
    instrument_version = S.CharField()
    options = _strings()
    items = S.DictField(child=S.IntegerField())


class PortalInstrumentAnswers(S.Serializer[Any]):
    """An instrument's answers so far, as the patient sees them (no score)."""

    instrument = S.CharField()
    answers = S.DictField(child=S.IntegerField())
    options = _strings()
    complete = S.BooleanField()
    missing = S.ListField(child=S.CharField(), help_text="Required items not answered yet.")
    entered_via = S.ChoiceField(choices=EnteredVia.choices)
    updated_at = S.DateTimeField()


class InstrumentAnswers(PortalInstrumentAnswers):
    """An instrument's answers so far, with the score once complete (staff only)."""

    score = Score(allow_null=True)


class IntakeSection(S.Serializer[Any]):
    answers = _anything(allow_null=True, help_text="The answers so far; null: not started.")
    done = S.BooleanField()


class IntakeSectionSaved(S.Serializer[Any]):
    section = S.CharField()
    answers = _anything()
    done = S.BooleanField()


class PortalIntake(S.Serializer[Any]):
    """A patient's questionnaire: question sections and instruments (null: not started)."""

    screening = S.UUIDField()
    submitted_at = S.DateTimeField(allow_null=True)
    sections = S.DictField(child=IntakeSection())
    instruments = S.DictField(child=PortalInstrumentAnswers(allow_null=True))


# ------------------------------------------------------------------ evaluation and decisions


class RuleSetRef(S.Serializer[Any]):
    id = S.CharField()
    version = S.CharField()


class EvaluatedRuleSet(RuleSetRef):
    approved_by = S.CharField(allow_null=True)


_FINDING: _Fields = {
    "id": S.CharField(),
    "severity": S.CharField(help_text="exclude, specialist, review, unknown, precaution or info."),
    "message": S.CharField(),
    "rule": S.CharField(),
    "source": S.CharField(),
    "detail": S.CharField(),
    "evidence_grade": S.CharField(allow_null=True),
    "clinic_decision": S.BooleanField(),
}


class Eligibility(S.Serializer[Any]):
    """The rules' result (``decision_to_dict``, docs/screening.md §4.3)."""

    decision = S.ChoiceField(choices=[d.value for d in Decision])
    complete = S.BooleanField()
    rule_set = EvaluatedRuleSet()
    unknowns = S.ListField(child=S.CharField())
    findings = inline_serializer("Finding", _FINDING, many=True)


class EvaluationError(S.Serializer[Any]):
    """The facts could not be evaluated (the error names the fact and the rule)."""

    error = S.CharField()


class SignedDecision(S.Serializer[Any]):
    code = S.UUIDField()
    decision = S.ChoiceField(choices=[d.value for d in SIGNABLE])
    engine_decision = S.CharField()
    note = S.CharField()
    rule_set = RuleSetRef()
    signed_by = S.CharField()
    signed_at = S.DateTimeField()
    supersedes = S.UUIDField(allow_null=True)
    revision_reason = S.CharField()
    current = S.BooleanField()
    facts = _anything()
    evaluation = Eligibility()


class FactChangeDoc(S.Serializer[Any]):
    fact = S.CharField(help_text="The fact's key (docs/screening.md §4.3).")
    # A fact's value is any JSON (a number, a word, a list): not always an object.
    signed_on = S.JSONField(allow_null=True)
    now = S.JSONField(allow_null=True)


class PlanAuthorisation(S.Serializer[Any]):
    """Whether the current decision lets a treatment plan be made now."""

    authorises_plan = S.BooleanField()
    reasons = S.ListField(child=S.CharField(), help_text="Why not, in words; empty when it does.")
    stale = S.BooleanField(help_text="Facts, rules or the rules' result changed since signing.")
    changed_facts = S.ListField(child=FactChangeDoc())
    rules_changed = S.ListField(
        child=S.CharField(), allow_null=True, help_text="[version signed with, version in force]"
    )
    result_changed = S.ListField(
        child=S.CharField(), allow_null=True, help_text="[the rules' result then, now]"
    )


class StaffScreening(S.Serializer[Any]):
    """The current screening as staff see it (docs/screening.md §7)."""

    screening = S.UUIDField()
    submitted_at = S.DateTimeField(allow_null=True)
    sections = S.DictField(child=IntakeSection())
    instruments = S.DictField(child=InstrumentAnswers(allow_null=True))
    patient = S.UUIDField()
    clinician_facts = _anything()
    facts = _anything()
    fact_sources = S.DictField(child=S.CharField(), help_text="Where each fact came from.")
    evaluation = PolymorphicProxySerializer(
        component_name="EvaluationOrError",
        serializers=[Eligibility, EvaluationError],
        resource_type_field_name=None,
    )
    current_decision = SignedDecision(allow_null=True)
    plan_authorisation = PlanAuthorisation()


class ClinicianFacts(S.Serializer[Any]):
    clinician_facts = _anything()


# ------------------------------------------------------------------ rule sets


class RuleSetVersionDoc(S.Serializer[Any]):
    code = S.UUIDField()
    id = S.CharField()
    version = S.CharField()
    approved_by = S.CharField(allow_null=True)
    change_note = S.CharField()
    published_by = S.CharField(allow_null=True)
    published_at = S.DateTimeField()
    document = S.DictField(
        child=S.JSONField(),
        required=False,
        help_text="The rule-set JSON (docs/screening.md §1): in the list, only for the "
        "version in force.",
    )


# ------------------------------------------------------------------ requests


class IntakePartRequest(S.Serializer[Any]):
    answers = S.DictField(
        child=S.JSONField(allow_null=True),
        required=False,
        help_text="Item or question id -> answer; null clears one. Merged with saved answers.",
    )
    options = S.DictField(
        child=S.CharField(),
        required=False,
        allow_null=True,
        help_text="An instrument's options (not for question sections).",
    )


class PublishRuleSetRequest(S.Serializer[Any]):
    document = S.DictField(child=S.JSONField(), help_text="The rule-set JSON object.")
    change_note = S.CharField(required=False, allow_blank=True)
    approve = S.BooleanField(required=False, default=False)


StaffIntakePartSaved = PolymorphicProxySerializer(
    component_name="IntakePartSaved",
    serializers=[IntakeSectionSaved, InstrumentAnswers],
    resource_type_field_name=None,
)
PortalIntakePartSaved = PolymorphicProxySerializer(
    component_name="PortalIntakePartSaved",
    serializers=[IntakeSectionSaved, PortalInstrumentAnswers],
    resource_type_field_name=None,
)
