from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ketaclinic.accounts.roles import Capability
from ketaclinic.audit.chain import chain_for
from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.lib.access import acting_user, capability_required


class AuditFilterForm(forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User name")
    action = forms.ChoiceField(required=False, choices=[("", "Any"), *Action.choices])
    object_type = forms.CharField(required=False, max_length=64, label="Record type")
    patient = forms.UUIDField(required=False, label="Patient code")
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


@capability_required(Capability.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    """Browse and filter the clinic's audit trail (newest first)."""
    admin = acting_user(request)
    form = AuditFilterForm(request.GET or None)
    # The clinic's own chain: every record of the clinic, in chain order by seq.
    events = AuditEvent.objects.filter(chain=chain_for(admin.clinic_id))
    if form.is_valid():
        data = form.cleaned_data
        if data["user"]:
            events = events.filter(actor_username__iexact=data["user"])
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_type"]:
            events = events.filter(object_type__iexact=data["object_type"])
        if data["patient"]:
            events = events.filter(patient_code=str(data["patient"]))
        if data["date_from"]:
            events = events.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(created_at__date__lte=data["date_to"])
    page = Paginator(events.order_by("-seq"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "audit/list.html", context)
