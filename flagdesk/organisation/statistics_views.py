"""The statistics settings page (coordinators, ``Action.STATISTICS_SETTINGS``): the age bands
the published figures use and the smallest count they may show, with a preview of the bands'
labels before saving. Linked from the organisation page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from .age_bands import bands, check_starts
from .forms import StatisticsSettingsForm
from .services import current_organisation, update_statistics_settings

PREVIEW, SAVE = "preview", "save"


@role_required(*roles_for(Action.STATISTICS_SETTINGS))
def statistics_settings(request: HttpRequest) -> HttpResponse:
    org = current_organisation()
    saved = list(org.statistics_age_bands)
    preview = None
    if request.method == "POST":
        form = StatisticsSettingsForm(request.POST)
        if form.is_valid():
            starts = form.cleaned_data["age_bands"]
            if request.POST.get("action") == PREVIEW:
                problems = check_starts(starts)
                if problems:
                    form.add_error("age_bands", problems)
                else:
                    preview = [b.label for b in bands(starts)]
            else:
                try:
                    update_statistics_settings(
                        actor=staff_user(request),
                        age_bands=starts,
                        min_cell=form.cleaned_data["min_cell"],
                    )
                except FlagdeskError as e:
                    show_error(form, e)
                else:
                    messages.success(request, _("The statistics settings were saved."))
                    return redirect("organisation:statistics-settings")
    else:
        form = StatisticsSettingsForm(initial=StatisticsSettingsForm.initial_for(org))
    return render(
        request,
        "organisation/statistics_settings.html",
        {
            "form": form,
            "saved_labels": [b.label for b in bands(saved)],
            "preview": preview,
            "actions": {"preview": PREVIEW, "save": SAVE},
        },
        status=422 if request.method == "POST" and form.errors else 200,
    )
