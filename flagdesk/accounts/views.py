"""Staff login and logout, and the organisation settings page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from flagdesk.core.errors import FlagdeskError, RateLimited
from flagdesk.core.ratelimit import check_rate, parse_rate
from flagdesk.organisation.services import current_organisation, update_organisation

from .forms import (
    DesignationFormSet,
    OrganisationForm,
    StaffLoginForm,
    designation_initial,
    kept_designation_forms,
    show_service_errors,
)
from .models import Role
from .permissions import role_required

LOGIN_RATE = "10/m"


class StaffLoginView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Guessing passwords costs a try per request; the window is shared by all processes.
        # Rate limits switched off as a whole (PUBLIC_RATE_LIMIT=off, as in tests) include this.
        rate = LOGIN_RATE if parse_rate(settings.PUBLIC_RATE_LIMIT)[0] else "off"
        try:
            check_rate(request, "login", rate)
        except RateLimited as e:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, str(e.message))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


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
            return redirect("accounts:organisation")
    return render(
        request,
        "accounts/organisation.html",
        {"org": org, "form": form, "formset": formset},
    )
