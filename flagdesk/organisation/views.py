"""The organisation settings page (admin and coordinator)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from flagdesk.accounts.models import Role
from flagdesk.accounts.permissions import role_required
from flagdesk.core.errors import FlagdeskError

from .forms import (
    DesignationFormSet,
    OrganisationForm,
    designation_initial,
    kept_designation_forms,
    show_service_errors,
)
from .services import current_organisation, update_organisation


@role_required(Role.ADMIN, Role.COORDINATOR)
def organisation(request: HttpRequest) -> HttpResponse:
    org = current_organisation()
    if request.method == "POST":
        form = OrganisationForm(request.POST)
        formset = DesignationFormSet(request.POST, prefix="designations")
    else:
        form = OrganisationForm(initial=OrganisationForm.initial_for(org))
        formset = DesignationFormSet(initial=designation_initial(org), prefix="designations")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = kept_designation_forms(formset)
        try:
            update_organisation(
                actor=request.user,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                independence_procedures=form.cleaned_data["independence_procedures"],
                designations=[row.as_input() for row in rows],
            )
        except FlagdeskError as e:
            form.add_error(None, str(e.message))
            show_service_errors(form, rows, e.fields)
        else:
            messages.success(request, _("The organisation settings were saved."))
            return redirect("organisation:organisation-edit")
    return render(
        request,
        "organisation/organisation.html",
        # Rows up to this number show saved designations, also when a POST comes back bound.
        {"org": org, "form": form, "formset": formset, "existing": org.designations.count()},
    )
