"""The intake mailbox pages: the intake mailbox's drafts, and one draft with its three decisions.

Opening a draft shows the sender and their text, so it is audited (``read_draft``). Each
decision is one service call; of two officers deciding at once, the slower one sees why
nothing of theirs was stored.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import role_required
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.core.errors import FlagdeskError

from . import queries
from .mail_forms import LANGUAGE_CHOICES, ConfirmDraftForm, DiscardDraftForm, MergeDraftForm
from .mail_intake import services
from .models import MailedReport

S = MailedReport.Status


@never_cache
@role_required(*roles_for(Action.INTAKE_MAIL))
def mail_intake_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - role_required let only staff in
    status = request.GET.get("status", "")
    status = status if status in S.values else ""
    counts = queries.mailbox_counts(user)
    return render(
        request,
        "intake/mail_list.html",
        {
            "drafts": queries.mailbox_page(user, status=status),
            "status": status,
            "counts": [(s, label, counts[s]) for s, label in S.choices],
            "cursor": services.current_cursor(),
            # Said in plain words: the setting's name is in docs/operations.md, for the
            # administrator (who has no Mailbox page).
            "mailbox_set_up": bool(settings.INTAKE_IMAP_URL),
        },
    )


@never_cache
@role_required(*roles_for(Action.INTAKE_MAIL))
def mail_intake_detail(request: HttpRequest, mailed_report_id: UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - role_required let only staff in
    mail = get_object_or_404(queries.visible_mailed_reports(user), id=mailed_report_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    data = request.POST
    confirm = ConfirmDraftForm(data if action == "confirm" else None, mail=mail)
    # Three forms on one page: their own ids, the same field names.
    merge = MergeDraftForm(data if action == "merge" else None, mail=mail, auto_id="merge_%s")
    discard = DiscardDraftForm(data if action == "discard" else None, auto_id="discard_%s")
    try:
        if action == "confirm" and confirm.is_valid():
            submitted = services.confirm_draft(mail, confirm.submission(), actor=user)
            messages.success(
                request,
                _("Report %(reference)s was made from this mail.")
                % {"reference": submitted.report.reference},
            )
            return redirect("intake:mail-intake-detail", mailed_report_id=mail.id)
        if action == "merge" and merge.is_valid():
            report = queries.mergeable_report(user, merge.cleaned_data["reference"])
            if report is None:
                merge.add_error("reference", _("No report with this reference."))
            else:
                text = mail.body if merge.cleaned_data["include_text"] else ""
                services.merge_draft(mail, report, actor=user, urls=merge.chosen_urls(), text=text)
                messages.success(
                    request,
                    _("The mail was added to report %(reference)s.")
                    % {"reference": report.reference},
                )
                return redirect("intake:mail-intake-detail", mailed_report_id=mail.id)
        if action == "discard" and discard.is_valid():
            services.discard_draft(mail, actor=user, reason=discard.cleaned_data["discard_reason"])
            messages.success(request, _("The mail was discarded; it stays in the list."))
            return redirect("intake:mail-intake-list")
    except FlagdeskError as e:
        form = {"confirm": confirm, "merge": merge}.get(action)
        if form is not None and e.fields:
            form.add_service_errors(e)
        else:
            messages.error(request, str(e.message))
            return redirect("intake:mail-intake-detail", mailed_report_id=mail.id)
    mail = services.read_draft(mail, actor=user)
    item = mail.report.items.order_by("created_at").first() if mail.report else None
    return render(
        request,
        "intake/mail_detail.html",
        {
            "mail": mail,
            "language_name": dict(LANGUAGE_CHOICES).get(mail.language, mail.language),
            "attachments": list(mail.attachments.all()),
            "problems": [problem_text(p) for p in mail.problems],
            "confirm": confirm,
            "merge": merge,
            "discard": discard,
            "action": action,
            "item": item,
        },
    )


def problem_text(problem: dict[str, object]) -> str:
    """What was wrong with a mail, in the reader's language."""
    code = problem.get("code")
    if code == "oversize":
        return _(
            "The mail is larger than %(limit)s bytes (%(size)s): only its sender and subject "
            "were read. Ask the sender to send the addresses without the files."
        ) % {"limit": problem.get("limit"), "size": problem.get("size")}
    if code == "urls_capped":
        return _("The mail lists %(found)s addresses; only the first %(kept)s were kept.") % {
            "found": problem.get("found"),
            "kept": problem.get("kept"),
        }
    if code == "attachments_capped":
        return _("The mail has %(found)s attachments; only the first %(kept)s were hashed.") % {
            "found": problem.get("found"),
            "kept": problem.get("kept"),
        }
    if code == "text_cut":
        return _("The text is longer than %(limit)s characters; only its beginning was kept.") % {
            "limit": problem.get("limit")
        }
    if code == "html_script":
        return _(
            "The mail was written in HTML with scripts; it is shown as plain text and nothing "
            "in it ran."
        )
    if code == "html":
        return _("The mail was written in HTML; it is shown as plain text.")
    return str(problem.get("detail", ""))
