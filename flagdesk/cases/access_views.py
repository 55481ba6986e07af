"""Who may open a case: a reviewer or coordinator restricts it to named staff (S3)."""

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

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import role_required
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from . import queries
from .case_views import to_survivor
from .services.restriction import RESTRICT_ROLES, eligible_staff, restrict_case


class CaseAccessForm(forms.Form):
    staff = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Only these people may open the case"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Tick nobody to open the case to every caseworker again. You stay on the list."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        help_text=gettext_lazy("Recorded in the audit trail with your name."),
    )

    def __init__(self, *args: Any, eligible: list[User], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field = self.fields["staff"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 - declared above
        field.queryset = User.objects.filter(pk__in=[u.pk for u in eligible]).order_by("username")
        field.label_from_instance = lambda u: f"{u.username} · {u.get_role_display()}"


@never_cache
@role_required(*RESTRICT_ROLES)
def case_access(request: HttpRequest, case_id: UUID) -> HttpResponse:
    item = queries.case_entry(request.user, case_id)
    if item is None:
        return to_survivor(request, case_id, "cases:case-access")
    case = item.case
    form = CaseAccessForm(
        request.POST or None,
        eligible=eligible_staff(case),
        initial={"staff": list(case.restricted_to.all())},
    )
    if form.is_valid():
        try:
            named = restrict_case(
                case,
                actor=request.user,
                staff=form.cleaned_data["staff"],
                reason=form.cleaned_data["reason"],
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(
                request,
                _("Case %(ref)s is restricted to: %(names)s.")
                % {"ref": case.reference, "names": ", ".join(u.username for u in named)}
                if named
                else _("Case %(ref)s is open to every caseworker.") % {"ref": case.reference},
            )
            return redirect("cases:item-detail", item_id=item.id)
    return render(request, "cases/case_access.html", {"case": case, "item": item, "form": form})
