"""Staff screens for notices: the list, one notice (with its responses) and sending (S3)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.accounts.menu import may_open
from flagdesk.accounts.models import CASEWORK_ROLES, User
from flagdesk.accounts.permissions import role_required
from flagdesk.cases.queries import visible_items
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from . import queries, services
from .forms import ResponseForm, SendNoticeForm
from .models import Notice


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - role_required let only staff users in
    return user


@role_required(*CASEWORK_ROLES)
def notice_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Notice.Status.values:
        status = ""
    notices = queries.notice_list(_user(request), status=status)[:200]
    return render(
        request,
        "notices/notice_list.html",
        {"notices": notices, "status": status, "statuses": Notice.Status.choices},
    )


@role_required(*CASEWORK_ROLES)
def notice_detail(request: HttpRequest, notice_id: UUID) -> HttpResponse:
    user = _user(request)
    notice = get_object_or_404(queries.notice_detail(user), id=notice_id)
    data = request.POST if request.method == "POST" else None  # an empty POST is still sent
    form = ResponseForm(data, label_suffix="")
    if request.method == "POST" and form.is_valid():
        try:
            services.record_response(notice, actor=user, **form.cleaned_data)
        except FlagdeskError as e:
            show_error(form, e)
        else:
            messages.success(request, _("The platform's response was recorded."))
            return redirect("notices:notice-detail", notice_id=notice.id)
    items = notice.items.all()
    return render(
        request,
        "notices/notice_detail.html",
        {
            "notice": notice,
            "form": form,
            "can_open_items": bool(items) and may_open(user, "cases:item-detail", items[0].id),
        },
    )


@role_required(*services.QUEUE_ROLES)
def notice_send(request: HttpRequest) -> HttpResponse:
    """POSTed by the checkbox form on the item page and the approved-items list."""
    user = _user(request)
    form = SendNoticeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ids = form.cleaned_data["item_ids"]
        items = list(visible_items(user).filter(id__in=ids))
        if len(items) != len(ids):
            form.add_error("item_ids", _("Some of these items no longer exist."))
        else:
            try:
                notices = services.queue_notices(
                    items, actor=user, anonymous=form.cleaned_data["anonymous"]
                )
            except FlagdeskError as e:
                form.add_error(None, e.message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d notice queued: %(references)s.",
                        "%(count)d notices queued: %(references)s.",
                        len(notices),
                    )
                    % {
                        "count": len(notices),
                        "references": ", ".join(n.reference for n in notices),
                    },
                )
                return redirect("notices:notice-list")
    checked = {str(i) for i in request.POST.getlist("item_ids")}
    return render(
        request,
        "notices/notice_send.html",
        {
            "form": form,
            "send_items": queries.notifiable_items(user)[:500],
            "checked_ids": checked,
        },
    )
