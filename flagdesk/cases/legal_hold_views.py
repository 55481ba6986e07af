"""The legal-hold page of a case: a coordinator sets or lifts it, with a reason (S3)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from flagdesk.accounts.permissions import role_required
from flagdesk.audit.reasons import MAX_REASON
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from . import queries
from .case_views import to_survivor
from .services.legal_hold import LEGAL_HOLD_ROLES, set_legal_hold


class LegalHoldForm(forms.Form):
    is_held = forms.BooleanField(
        label=gettext_lazy("Keep everything of this case: proceedings are running"),
        required=False,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=MAX_REASON,
        help_text=gettext_lazy("Recorded in the audit trail with your name."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@never_cache
@role_required(*LEGAL_HOLD_ROLES)
def case_legal_hold(request: HttpRequest, case_id: UUID) -> HttpResponse:
    item = queries.case_entry(request.user, case_id)
    if item is None:
        return to_survivor(request, case_id, "cases:case-legal-hold")
    case = item.case
    form = LegalHoldForm(
        request.POST or None,
        initial={"is_held": case.legal_hold, "reason": case.legal_hold_reason},
    )
    if form.is_valid():
        try:
            set_legal_hold(
                case,
                actor=request.user,
                is_held=form.cleaned_data["is_held"],
                reason=form.cleaned_data["reason"],
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(
                request,
                _("Case %(ref)s is under legal hold.") % {"ref": case.reference}
                if form.cleaned_data["is_held"]
                else _("The legal hold of case %(ref)s is lifted.") % {"ref": case.reference},
            )
            return redirect("cases:item-detail", item_id=item.id)
    return render(request, "cases/case_legal_hold.html", {"case": case, "item": item, "form": form})
