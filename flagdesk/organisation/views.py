"""The organisation settings page (admin and coordinator) and the page where a coordinator
confirms legal bases marked "to be confirmed" (casework roles and admin read it)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import RoleRefused, role_required
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from . import queries
from .forms import (
    DesignationFormSet,
    LegalBasisConfirmationForm,
    OrganisationForm,
    designation_initial,
    kept_designation_forms,
)
from .services import (
    confirm_legal_basis,
    current_organisation,
    update_organisation,
    withdraw_legal_basis_confirmation,
)


@role_required(*roles_for(Action.ORGANISATION_EDIT))
def organisation(request: HttpRequest) -> HttpResponse:
    org = current_organisation()
    rows = list(queries.designations(org, include_ended=True))
    current = [d for d in rows if not d.is_ended]
    if request.method == "POST":
        form = OrganisationForm(request.POST)
        formset = DesignationFormSet(request.POST, prefix="designations")
    else:
        form = OrganisationForm(initial=OrganisationForm.initial_for(org))
        formset = DesignationFormSet(initial=designation_initial(current), prefix="designations")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = kept_designation_forms(formset)
        try:
            update_organisation(
                actor=request.user,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                independence_procedures=form.cleaned_data["independence_procedures"],
                designations=[row.as_input() for row in kept],
            )
        except FlagdeskError as e:
            show_error(form, e, rows={"designations": kept})
        else:
            messages.success(request, _("The organisation settings were saved."))
            return redirect("organisation:organisation-edit")
    by_id = {str(d.id): d for d in current}
    return render(
        request,
        "organisation/organisation.html",
        {
            "org": org,
            "form": form,
            "formset": formset,
            # Each row with the saved designation it edits (None for a new one), whose
            # history is shown under it, also when a POST comes back bound.
            "rows": [(row, by_id.get(str(row["id"].value() or ""))) for row in formset],
            "ended": [d for d in rows if d.is_ended],
        },
    )


@role_required(*roles_for(Action.LEGAL_BASES_READ))
def legal_bases(request: HttpRequest) -> HttpResponse:
    is_coordinator = request.user.has_any_role(*roles_for(Action.LEGAL_BASES_CONFIRM))
    failed: LegalBasisConfirmationForm | None = None
    if request.method == "POST":
        if not is_coordinator:
            raise RoleRefused(roles_for(Action.LEGAL_BASES_CONFIRM))
        failed = LegalBasisConfirmationForm(request.POST)
        if failed.is_valid():
            data = failed.cleaned_data
            action = (
                confirm_legal_basis
                if data["action"] == LegalBasisConfirmationForm.CONFIRM
                else withdraw_legal_basis_confirmation
            )
            try:
                action(data["code"], actor=request.user, note=data["note"])
            except FlagdeskError as e:
                failed.add_error(None, str(e.message))
                for name, msgs in e.fields.items():
                    failed.add_error(name if name == "note" else None, [str(m) for m in msgs])
            else:
                messages.success(request, _("Saved: %(code)s.") % {"code": data["code"]})
                return redirect("organisation:legal-bases")
    bases: list[dict[str, Any]] = []
    for i, entry in enumerate(queries.bases_to_confirm()):
        code = entry.basis.code
        form = None
        if is_coordinator:
            if failed is not None and failed.data.get("code") == code:
                form = failed
            else:
                todo = "withdraw" if entry.is_confirmed else "confirm"
                form = LegalBasisConfirmationForm(initial={"code": code, "action": todo})
            form.auto_id = f"id_basis{i}_%s"  # one page holds a form per basis
        bases.append({"entry": entry, "form": form})
    # What waits for a coordinator first; what is confirmed after it, for reference.
    bases.sort(key=lambda row: row["entry"].is_confirmed)
    return render(
        request,
        "organisation/legal_bases.html",
        {"bases": bases, "is_coordinator": is_coordinator},
    )
