"""A reporter adds to their report later, proved by the receipt code: more text, more addresses.

The text is encrypted like the description and erased with it; staff read it behind the same
audited reveal. Addresses become items exactly as at intake (an address already open joins its
item), in the report's case. Each item of the report gets a ``reporter_message`` event that
says a message came, never what it says.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.priority import recompute_priority
from flagdesk.cases.services import open_items
from flagdesk.core.errors import ValidationFailed

from .models import Report, ReportMessage
from .reporter_updates import mark_answered
from .services import MAX_DESCRIPTION, normalised_urls


@dataclass(frozen=True)
class AddedMessage:
    message: ReportMessage
    items: list[Item]  # the items of the addresses given, new or joined


@transaction.atomic
def add_message(report: Report, *, text: str, urls: list[str]) -> AddedMessage:
    """Store what the reporter adds. Raises ``ValidationFailed`` (fields ``text``, ``urls``)
    and stores nothing when both are empty, the text is too long or an address is refused."""
    errors: dict[str, list[str]] = {}
    given = [u for u in (raw.strip() for raw in urls) if u]
    normalised = normalised_urls(given, errors) if given else []
    if len(text) > MAX_DESCRIPTION:
        errors["text"] = [
            _("The text can be at most %(limit)d characters; yours has %(count)d.")
            % {"limit": MAX_DESCRIPTION, "count": len(text)}
        ]
    if not text.strip() and not given:
        errors["text"] = [_("Write what you want to add, or give a web address.")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    items: list[Item] = []
    if normalised:
        _case, opened = open_items(normalised, phenomenon=report.phenomenon, into=report.case)
        items = [o.item for o in opened]
        report.items.add(*items)
        recompute_priority(items)
    message = ReportMessage.objects.create(report=report, text=text.strip())
    message.items.set(items)
    answered = mark_answered(report, message)
    CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=item.case_id,
            item=item,
            kind=CaseEvent.Kind.REPORTER_MESSAGE,
            data={
                "message": str(message.pk),
                "report": report.reference,
                "urls": len(items),
                # It answers a request for more information staff sent (reporter_updates).
                "answers_request": bool(answered),
            },
        )
        for item in report.items.all()
    )
    return AddedMessage(message, items)
