"""A safety alert and its acknowledgement (nurses and physicians)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ketaclinic.accounts.roles import Capability
from ketaclinic.alerts import access, services
from ketaclinic.alerts.forms import AcknowledgeForm
from ketaclinic.idempotency.http import page_create_once
from ketaclinic.lib.access import acting_user, capability_required
from ketacore.scoring.phq9 import FREQUENCY, ITEMS


@require_http_methods(["GET", "POST"])
@capability_required(Capability.ALERT_ACKNOWLEDGE)
def acknowledge(request: HttpRequest, code: UUID) -> HttpResponse:
    alert = access.alert_for_staff(request.user, code)
    form = AcknowledgeForm(request.POST or None)
    done = access.acknowledgement_of(alert)
    if request.method == "POST" and done is None and form.is_valid():
        user = acting_user(request)

        def create() -> str:
            services.acknowledge(user, alert, action_taken=form.cleaned_data["action_taken"])
            return reverse("home")

        try:
            outcome = page_create_once(request, form, scope="alerts:acknowledge", create=create)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, f"Alert acknowledged for {alert.patient.display_name}; it left the list."
            )
            return redirect(outcome.result["location"])
    answer = next((c.label for c in FREQUENCY if c.value == alert.value), str(alert.value))
    context = {
        "alert": alert,
        "patient": alert.patient,
        "question": ITEMS[8].text,
        "answer": answer,
        "score": alert.response.score,
        "form": form,
        "done": done,
    }
    return render(request, "alerts/acknowledge.html", context)
