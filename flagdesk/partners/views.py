"""Partner pages: the registry of partners (managers), forwarding an item's case to a
partner, and the forwards with their partners' statuses."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from flagdesk.accounts.menu import may_open
from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.queries import visible_items
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from . import http, queries, services
from .forms import ForwardForm, PartnerForm
from .models import Partner

MANAGERS = roles_for(Action.PARTNERS_MANAGE)
FORWARDERS = roles_for(Action.REFERRAL_FORWARD)


@role_required(*MANAGERS)
def partner_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    context = {
        "partners": queries.managed_partners(user),
        "can_see_forwards": may_open(user, "partners:forward-list"),
    }
    return render(request, "partners/partner_list.html", context)


# A new secret or token waits here for the one page view that shows it (post, redirect, get:
# reloading that page neither shows it again nor makes another one).
SHOWN_ONCE = "partners.shown_once"


def _show_once(request: HttpRequest, partner: Partner, **keys: str) -> HttpResponse:
    request.session[SHOWN_ONCE] = {"partner": str(partner.id), **keys}
    return redirect("partners:partner-edit", partner_id=partner.id)


def _take_shown(request: HttpRequest, partner: Partner) -> dict[str, str]:
    shown = request.session.get(SHOWN_ONCE)
    if not isinstance(shown, dict) or shown.get("partner") != str(partner.id):
        return {}
    del request.session[SHOWN_ONCE]
    return {k: v for k, v in shown.items() if k in ("secret", "token")}


def _warn_unresolved(request: HttpRequest, partner: Partner) -> None:
    if not http.url_check(partner.base_url, unresolved_ok=True).resolves:
        messages.warning(
            request,
            _(
                "The host name of %(address)s does not resolve now. The partner is saved: "
                "every send checks the address again and is retried until it resolves."
            )
            % {"address": partner.base_url},
        )


@never_cache
@role_required(*MANAGERS)
def partner_add(request: HttpRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    if form.is_valid():
        try:
            partner, secret = services.register_partner(
                form.fields_value(), actor=staff_user(request), slug=form.cleaned_data["slug"]
            )
            if form.cleaned_data["their_token"]:
                services.set_partner_keys(
                    partner, actor=staff_user(request), their_token=form.cleaned_data["their_token"]
                )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(request, _("Partner %(name)s added.") % {"name": partner.name})
            _warn_unresolved(request, partner)
            return _show_once(request, partner, secret=secret)
    return render(request, "partners/partner_form.html", {"form": form, "partner": None})


@never_cache
@role_required(*MANAGERS)
def partner_edit(request: HttpRequest, partner_id: UUID) -> HttpResponse:
    partner = get_object_or_404(queries.managed_partners(staff_user(request)), id=partner_id)
    form = PartnerForm(request.POST or None, initial=PartnerForm.initial_for(partner))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_partner(
                partner,
                form.fields_value(),
                actor=staff_user(request),
                is_active=form.cleaned_data["is_active"],
                their_token=form.cleaned_data["their_token"] or None,
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(request, _("Partner %(name)s saved.") % {"name": partner.name})
            _warn_unresolved(request, partner)
            return redirect("partners:partner-list")
    context = {"form": form, "partner": partner, "shown": _take_shown(request, partner)}
    return render(request, "partners/partner_form.html", context)


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirm") == "yes"


@never_cache
@require_POST
@role_required(*MANAGERS)
def partner_rotate_secret(request: HttpRequest, partner_id: UUID) -> HttpResponse:
    """Without ``confirm=yes``: the warning and the button that really rotates."""
    partner = get_object_or_404(queries.managed_partners(staff_user(request)), id=partner_id)
    if not _confirmed(request):
        return render(
            request, "partners/partner_confirm.html", {"partner": partner, "what": "secret"}
        )
    secret = services.rotate_secret(partner, actor=staff_user(request))
    return _show_once(request, partner, secret=secret)


@never_cache
@require_POST
@role_required(*MANAGERS)
def partner_token(request: HttpRequest, partner_id: UUID) -> HttpResponse:
    """Without ``confirm=yes``: what a new token means, and the button that issues it."""
    partner = get_object_or_404(queries.managed_partners(staff_user(request)), id=partner_id)
    if not _confirmed(request):
        return render(
            request, "partners/partner_confirm.html", {"partner": partner, "what": "token"}
        )
    token = services.issue_partner_token(partner, actor=staff_user(request))
    return _show_once(request, partner, token=token)


@never_cache
@role_required(*FORWARDERS)
def item_forward(request: HttpRequest, item_id: UUID) -> HttpResponse:
    user = staff_user(request)
    item = get_object_or_404(visible_items(user), id=item_id)
    case_items = visible_items(user).filter(case_id=item.case_id).order_by("created_at")
    form = ForwardForm(
        request.POST or None,
        partners=queries.forwarding_partners(user),
        items=case_items,
        initial={"items": [item.pk]},
    )
    if form.is_valid():
        try:
            forward = services.forward_case(
                list(form.cleaned_data["items"]),
                form.cleaned_data["partner"],
                actor=user,
                reason=form.cleaned_data["reason"],
            )
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(
                request,
                _("Forwarded to %(partner)s as %(reference)s.")
                % {"partner": forward.partner.name, "reference": forward.reference},
            )
            return redirect("partners:forward-list")
    context = {
        "form": form,
        "item": item,
        "is_outside": queries.is_outside_designation(item),
    }
    return render(request, "partners/item_forward.html", context)


@role_required(*FORWARDERS)
def forward_list(request: HttpRequest) -> HttpResponse:
    forwards = queries.visible_forwards(staff_user(request))[:200]
    return render(request, "partners/forward_list.html", {"forwards": forwards})
