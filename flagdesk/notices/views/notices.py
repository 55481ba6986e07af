"""Staff screens for notices: the list, one notice (with its responses and per-item decisions)
and sending (S3)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.accounts.menu import may_open
from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import role_required, staff_user
from flagdesk.accounts.policy import CASEWORK_ROLES, Action, roles_for
from flagdesk.cases.models import Item
from flagdesk.cases.queries import visible_items
from flagdesk.cases.services.qualification import COORDINATOR_CHECKS
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.forms import show_error

from .. import queries, services
from ..forms import (
    FollowUpForm,
    LodgedForm,
    ResponseForm,
    SendNoticeForm,
    SubmittedForm,
    item_decision_forms,
)
from ..models import ItemDecision, Notice, OutboxRow
from ..services.follow_ups import APPROVER_ROLES, ESCALATIONS, available, complaint_deadline
from ..services.queueing import QUEUE_ROLES


@role_required(*CASEWORK_ROLES)
def notice_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Notice.Status.values:
        status = ""
    notices = queries.notice_list(staff_user(request), status=status)[:200]
    return render(
        request,
        "notices/notice_list.html",
        {"notices": notices, "status": status, "statuses": Notice.Status.choices},
    )


def _decision_history(notice: Notice) -> dict[UUID, list[ItemDecision]]:
    """Item id -> the decisions recorded on this notice, newest (the current one) first."""
    history: dict[UUID, list[ItemDecision]] = {}
    # Reached from a notice already in the user's scope (queries.notice_detail).
    decisions = notice.item_decisions.select_related("recorded_by", "corrects")
    for decision in decisions.order_by("-created_at"):
        history.setdefault(decision.item_id, []).append(decision)
    return history


@role_required(*CASEWORK_ROLES)
def notice_detail(request: HttpRequest, notice_id: UUID) -> HttpResponse:
    user = staff_user(request)
    notice = get_object_or_404(queries.notice_detail(user), id=notice_id)
    items = list(notice.items.all())
    data = request.POST if request.method == "POST" else None  # an empty POST is still sent
    form = ResponseForm(data, label_suffix="")
    rows = item_decision_forms(data, items)
    # Every row is validated, so each one shows its own errors.
    rows_valid = data is not None and all([row.is_valid() for row in rows])
    if data is not None and form.is_valid() and rows_valid:
        # Rows left without a decision take the decision for all (or stay undecided).
        decided = [row for row in rows if row.cleaned_data["decision"]]
        try:
            services.record_response(
                notice,
                actor=user,
                **form.cleaned_data,
                items=[row.to_input() for row in decided],
            )
        except FlagdeskError as e:
            show_error(form, e, rows={"items": decided})
        else:
            messages.success(request, _("The platform's response was recorded."))
            return redirect("notices:notice-detail", notice_id=notice.id)
    elif data is not None and not rows_valid:
        form.add_error(None, _("The decision of some items is not valid."))
    history = _decision_history(notice)
    return render(
        request,
        "notices/notice_detail.html",
        {
            "notice": notice,
            "form": form,
            "rows": [(row, history.get(row.item.id, [])) for row in rows],
            "item_forms": rows,
            "can_open_items": bool(items) and may_open(user, "cases:item-detail", items[0].id),
            **_follow_through(user, notice),
        },
    )


def _follow_through(user: User, notice: Notice) -> dict[str, Any]:
    """What the notice page offers after sending: the attempt log, the copy sheet of a notice
    to submit by hand, its follow-ups and the actions the user may take on them."""
    row = getattr(notice, "outbox", None)
    manual = row is not None and row.status == OutboxRow.Status.MANUAL
    escalation = notice.kind in ESCALATIONS and notice.status == Notice.Status.DRAFT
    kinds = available(notice) if user.has_any_role(*QUEUE_ROLES) else []
    return {
        "attempts": list(notice.attempt_log.all()),
        "copy_sheet": services.copy_sheet(notice) if manual else [],
        "submitted_form": SubmittedForm(auto_id="submitted-%s")
        if manual and user.has_any_role(*QUEUE_ROLES)
        else None,
        "follow_ups": list(notice.follow_ups.all()),
        "follow_up_form": FollowUpForm(auto_id="follow-up-%s", kinds=kinds) if kinds else None,
        "complaint_deadline": complaint_deadline(notice),
        "can_approve": escalation
        and notice.approved_at is None
        and notice.created_by_id != user.pk
        and user.has_any_role(*APPROVER_ROLES),
        "awaits_approval": escalation and notice.approved_at is None,
        "lodged_form": LodgedForm(auto_id="lodged-%s")
        if notice.kind == Notice.Kind.DSC_COMPLAINT
        and notice.approved_at is not None
        and notice.status == Notice.Status.DRAFT
        and user.has_any_role(*roles_for(Action.DSC_LODGE))
        else None,
    }


def _checklist(checked: services.Preflight, items: list[Item]) -> list[dict[str, Any]]:
    """The pre-flight grouped for the send page: the request's own lines, then each item's;
    failed lines first with the messages of their failures, passed ones apart (folded)."""
    rows = []
    for item in [None, *items]:
        item_id = item.id if item is not None else None
        problems = checked.problems_for(item_id)
        lines = [
            {
                "code": line.code,
                "label": line.label,
                "passed": line.passed,
                "messages": [p.message for p in problems if p.code == line.code],
            }
            for line in checked.lines_for(item_id)
        ]
        if lines:
            rows.append(
                {
                    "item": item,
                    "failed": [line for line in lines if not line["passed"]],
                    "passed": [line for line in lines if line["passed"]],
                    "needs_coordinator": any(
                        line["code"] in COORDINATOR_CHECKS for line in lines if not line["passed"]
                    ),
                }
            )
    return rows


@role_required(*services.QUEUE_ROLES)
def notice_send(request: HttpRequest) -> HttpResponse:
    """POSTed by the checkbox form on the item page and the approved-items list. "Check" runs
    the pre-flight only; "Send" queues, and a refusal shows the pre-flight's checklist."""
    user = staff_user(request)
    form = SendNoticeForm(request.POST if request.method == "POST" else None)
    checked: services.Preflight | None = None
    selected: list[Item] = []
    # Parsed here until SendNoticeForm has the field: ticked only after a language warning.
    confirm_language = request.POST.get("confirm_language") == "on"
    if request.method == "POST" and form.is_valid():
        ids = form.cleaned_data["item_ids"]
        items = list(
            visible_items(user)
            .select_related("platform", "case")
            .filter(id__in=ids)
            .order_by("created_at", "id")
        )
        options = {
            "anonymous": form.cleaned_data["anonymous"],
            "confirm_language": confirm_language,
        }
        if len(items) != len(ids):
            form.add_error("item_ids", _("Some of these items no longer exist."))
        elif request.POST.get("action") == "check":
            checked, selected = services.preflight(items, actor=user, **options), items
        else:
            try:
                notices = services.queue_notices(items, actor=user, **options)
            except services.PreflightFailed as e:
                checked, selected = e.preflight, items
                form.add_error(
                    None,
                    ngettext(
                        "The pre-flight found %(count)d problem; the checklist below says "
                        "what to fix.",
                        "The pre-flight found %(count)d problems; the checklist below says "
                        "what to fix.",
                        len(e.preflight.problems),
                    )
                    % {"count": len(e.preflight.problems)},
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
    listed = list(queries.notifiable_items(user)[:500])
    listed += [i for i in selected if i not in listed]
    return render(
        request,
        "notices/notice_send.html",
        {
            "form": form,
            "send_items": listed,
            "checked_ids": {str(i) for i in request.POST.getlist("item_ids")},
            "preflight": checked,
            "checklist": _checklist(checked, selected) if checked else [],
            "anonymity_refused": checked is not None and not checked.can_be_anonymous,
            "anonymous_ticked": request.POST.get("anonymous") == "on",
            "language_warning": checked is not None
            and any(p.code == "reasons_language" for p in checked.problems),
            "confirm_language": confirm_language,
            "offer_check": True,
        },
    )
