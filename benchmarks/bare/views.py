"""The bare endpoint: parse, validate with a form, insert a row and an audit row, answer."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bare.models import AuditRow, Reading
from ketacore.infusion.care import PLAUSIBLE, Measure

_VITALS = tuple(m.value for m in Measure)


def _measure(measure: Measure) -> forms.FloatField:
    low, high = PLAUSIBLE[measure]
    return forms.FloatField(required=False, min_value=low, max_value=high)


class VitalsForm(forms.Form):
    """The same fields and physical bounds as the product's vitals, nothing more."""

    client_ref = forms.UUIDField()
    occurred_at = forms.DateTimeField(required=False)
    systolic_mmhg = _measure(Measure.SYSTOLIC)
    diastolic_mmhg = _measure(Measure.DIASTOLIC)
    heart_rate_bpm = _measure(Measure.HEART_RATE)
    spo2_percent = _measure(Measure.SPO2)
    respiratory_rate_per_min = _measure(Measure.RESPIRATORY_RATE)
    temperature_c = _measure(Measure.TEMPERATURE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        systolic, diastolic = data.get("systolic_mmhg"), data.get("diastolic_mmhg")
        if systolic is not None and diastolic is not None and systolic <= diastolic:
            raise forms.ValidationError("the systolic pressure must be above the diastolic")
        if all(data.get(name) is None for name in _VITALS):
            raise forms.ValidationError("no vital sign given")
        return data


@csrf_exempt
@require_POST
def record_vitals(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"detail": "JSON expected"}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"detail": "a JSON object expected"}, status=400)
    form = VitalsForm(body)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    data = form.cleaned_data
    values = {name: data[name] for name in _VITALS}
    now = timezone.now()
    with transaction.atomic():
        reading = Reading.objects.create(
            client_ref=data["client_ref"],
            occurred_at=data["occurred_at"] or now,
            recorded_at=now,
            **values,
        )
        AuditRow.objects.create(
            created_at=now,
            action="create",
            object_type="bare.reading",
            object_id=reading.pk,
            ip_address=request.META.get("REMOTE_ADDR"),
            changes={k: v for k, v in values.items() if v is not None},
        )
    return JsonResponse({"id": reading.pk, "client_ref": str(reading.client_ref)}, status=201)
