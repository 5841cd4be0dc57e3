from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketaclinic.accounts.roles import Capability
from ketaclinic.audit import access
from ketaclinic.audit.models import Action
from ketaclinic.lib.access import acting_user, capability_required


class AuditFilterForm(forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User name")
    action = forms.ChoiceField(required=False, choices=[("", "Any"), *Action.choices])
    object_type = forms.ChoiceField(required=False, label="Record type")
    patient = forms.UUIDField(required=False, label="Patient code")
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = sorted(access.record_types().items(), key=lambda kv: kv[1])
        self.fields["object_type"].choices = [("", "Any"), *types]  # type: ignore[attr-defined]


@require_GET
@capability_required(Capability.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    """Browse and filter the clinic's audit trail (newest first)."""
    form = AuditFilterForm(request.GET or None)
    events = access.events_for(acting_user(request), form.cleaned_data if form.is_valid() else None)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = access.readable(acting_user(request), page.object_list)
    context = {"form": form, "page": page, "rows": rows, "query": query.urlencode()}
    return render(request, "audit/list.html", context)
