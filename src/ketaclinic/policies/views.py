"""Policy pages: what is in force, every version, editing by fields, JSON import, approval."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketaclinic.accounts.roles import Capability
from ketaclinic.lib.access import acting_user, capability_required
from ketaclinic.policies import access, services
from ketaclinic.policies.care_form import CareForm
from ketaclinic.policies.follow_up_form import FollowUpForm
from ketaclinic.policies.forms import ApproveForm, EligibilityForm, ImportForm, field_for_error
from ketaclinic.policies.kinds import KindSpec
from ketaclinic.policies.models import PolicyKind, PolicyVersion
from ketaclinic.policies.protocol_form import ProtocolLibraryForm

_C = Capability
#: Each editable kind's form of labelled fields.
_EDIT_FORMS: dict[str, Any] = {
    PolicyKind.ELIGIBILITY: EligibilityForm,
    PolicyKind.PROTOCOLS: ProtocolLibraryForm,
    PolicyKind.INFUSION_CARE: CareForm,
    PolicyKind.FOLLOW_UP: FollowUpForm,
}


@require_GET
@capability_required(_C.POLICY_VIEW)
def policy_list(request: HttpRequest) -> HttpResponse:
    return render(request, "policies/list.html", {"policies": access.policies_for(request.user)})


@require_GET
@capability_required(_C.POLICY_VIEW)
def policy_detail(request: HttpRequest, kind: str) -> HttpResponse:
    policy = access.policy_for(request.user, kind)
    context = {
        "policy": policy,
        "rules": services.loaded(policy.in_force),
        "labels": services.STATUS_LABELS,
        "can_manage": acting_user(request).can(policy.spec.manage),
    }
    return render(request, "policies/detail.html", context)


def _apply(form: Any, action: Any) -> Any:
    """Run a service; put its errors on the form, on the field they name where it has one."""
    try:
        return action()
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                if field in form.fields:
                    form.add_error(field, error)
                elif hasattr(form, "place_error"):  # a field form: reworded onto its field
                    form.place_error(error)
                else:
                    form.add_error(field_for_error(form, error), error)
        return None


@require_http_methods(["GET", "POST"])
@capability_required(_C.POLICY_MANAGE)
def policy_edit(request: HttpRequest, kind: str) -> HttpResponse:
    """Edit the version in force through labelled fields and store the result as a draft."""
    policy = access.policy_for(request.user, kind, manage=True)
    if not policy.spec.editable:  # edited by importing a file (the page says so)
        return redirect("policies:import", kind)
    base = policy.in_force
    form = _EDIT_FORMS[kind](services.loaded(base), base.document, request.POST or None)
    if request.method == "POST" and form.is_valid():
        document, changes = form.edited()
        version = _apply(
            form,
            lambda: services.draft(
                acting_user(request),
                kind,
                document,
                change_note=form.cleaned_data["change_note"],
                changes=changes,
                based_on=base if not base._state.adding else None,
            ),
        )
        if version is not None:
            messages.success(
                request, "Draft saved. It is not in force until a physician approves it."
            )
            return redirect("policies:version", kind, version.code)
    context = {"policy": policy, "form": form, "groups": form.bound_groups(), "base": base}
    status = 400 if request.method == "POST" else 200  # not saved: the errors are on the page
    return render(request, "policies/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@capability_required(_C.POLICY_MANAGE)
def policy_import(request: HttpRequest, kind: str) -> HttpResponse:
    """For clinics that keep their policy in files: a whole JSON document becomes a draft."""
    policy = access.policy_for(request.user, kind, manage=True)
    initial = {"document": json.dumps(policy.in_force.document, indent=2, ensure_ascii=False)}
    form = ImportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        document = form.parsed()
        if document is not None:
            version = _apply(
                form,
                lambda: services.draft(
                    acting_user(request),
                    kind,
                    document,
                    change_note=form.cleaned_data["change_note"],
                ),
            )
            if version is not None:
                messages.success(request, "Draft saved from the file.")
                return redirect("policies:version", kind, version.code)
    return render(request, "policies/import.html", {"policy": policy, "form": form})


@require_GET
@capability_required(_C.POLICY_VIEW)
def version_detail(request: HttpRequest, kind: str, code: UUID) -> HttpResponse:
    spec, version = access.version_for(request.user, kind, code)
    return _version_page(request, spec, version, ApproveForm())


@require_POST
@capability_required(_C.POLICY_MANAGE)
def version_approve(request: HttpRequest, kind: str, code: UUID) -> HttpResponse:
    spec, version = access.version_for(request.user, kind, code, manage=True)
    form = ApproveForm(request.POST)
    if form.is_valid():
        approval = _apply(
            form,
            lambda: services.approve(
                acting_user(request),
                version,
                password=form.cleaned_data["password"],
                note=form.cleaned_data["note"],
            ),
        )
        if approval is not None:
            messages.success(request, f"Approved and in force: {spec.label} {version.version}.")
            return redirect("policies:detail", kind)
    return _version_page(request, spec, version, form, status=400)


def _version_page(
    request: HttpRequest,
    spec: KindSpec,
    version: PolicyVersion,
    form: ApproveForm,
    *,
    status: int = 200,
) -> HttpResponse:
    """One version with its rules, and the approval form while it can be approved."""
    user = acting_user(request)
    state = services.status_of(version, services.in_force(user.clinic, spec.kind))
    context = {
        "spec": spec,
        "version": version,
        "status": state,
        "status_label": services.STATUS_LABELS[state],
        "approved_by": services.approved_by(version),
        "rules": services.loaded(version),
        "can_approve": user.can(spec.manage)
        and state in (services.Status.DRAFT, services.Status.DEFAULT_UNREVIEWED),
        "form": form,
    }
    return render(request, "policies/version.html", context, status=status)


@require_GET
@capability_required(_C.POLICY_VIEW)
def version_export(request: HttpRequest, kind: str, code: UUID) -> HttpResponse:
    """The version's document as a JSON file (what the import page takes)."""
    _, version = access.version_for(request.user, kind, code)
    body = json.dumps(version.document, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    name = f"{kind}-{version.version}.json".replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
