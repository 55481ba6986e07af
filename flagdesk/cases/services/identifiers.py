"""An item's extra identifiers: what art. 16(2)(b) DSA calls "additional information enabling
the identification of the illegal content", beyond its exact URL.

A URL alone can point at a feed, a thread or a carousel; the post id, the account handle and
the posting and capture times let a platform's moderator find the exact content even after
its URL changed. Every later notice carries them, in its text and in its JSON part.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.core.errors import ValidationFailed

from .assessment import ASSESSOR_ROLES

# Field -> (label, longest value). 500 is the TDB's limit for a platform's own content id.
FIELDS: dict[str, tuple[Any, int]] = {
    "post_id": (gettext_lazy("Post or message ID"), 500),
    "account": (gettext_lazy("Account"), 200),
    "posted_at": (gettext_lazy("Posted at"), 40),
    "captured_at": (gettext_lazy("Captured at"), 40),
    # The platform's own id of the content as it publishes it in the DSA Transparency
    # Database (``puid``), when the platform told us: it links its statements to our notices.
    "puid": (gettext_lazy("Content id in the Transparency Database (puid)"), 500),
}
PUID = re.compile(r"^[A-Za-z0-9_-]+$")
TIMES = ("posted_at", "captured_at")
# How far ahead a capture time may be: clocks of the people typing it in drift.
CLOCK_SKEW = dt.timedelta(minutes=5)


def _clean_text(name: str, value: str, errors: dict[str, list[str]]) -> str:
    value = value.strip()
    limit = FIELDS[name][1]
    if len(value) > limit:
        errors[f"identifiers.{name}"] = [_("At most %(limit)d characters.") % {"limit": limit}]
    elif any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        # A line break would start a new line of the notice; invisible format characters
        # (U+202E...) would show the moderator another id than the one sent.
        errors[f"identifiers.{name}"] = [
            _("Remove line breaks and invisible characters from this value.")
        ]
    elif name == "puid" and value and not PUID.match(value):
        errors[f"identifiers.{name}"] = [
            _("Letters, digits, - and _ only, as the Transparency Database writes it.")
        ]
    return value


def _clean_time(
    name: str, value: str, now: dt.datetime, errors: dict[str, list[str]]
) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        errors[f"identifiers.{name}"] = [
            _("Give a date and time like 2026-03-14T09:30:00+01:00 (ISO 8601).")
        ]
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + CLOCK_SKEW:
        errors[f"identifiers.{name}"] = [_("This time is in the future.")]
        return None
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def clean_identifiers(
    changes: Mapping[str, Any], *, current: Mapping[str, str], now: dt.datetime
) -> dict[str, str]:
    """The item's identifiers after ``changes`` (an empty value removes one), validated."""
    errors: dict[str, list[str]] = {}
    result = dict(current)
    for name, raw in changes.items():
        if name not in FIELDS:
            errors[f"identifiers.{name}"] = [
                _("Unknown identifier; use: %(names)s.") % {"names": ", ".join(FIELDS)}
            ]
            continue
        value = "" if raw is None else str(raw)
        if not value.strip():
            result.pop(name, None)
        elif name in TIMES:
            if moment := _clean_time(name, value, now, errors):
                result[name] = moment.isoformat()
        else:
            result[name] = _clean_text(name, value, errors)
    posted, captured = result.get("posted_at"), result.get("captured_at")
    if posted and captured and posted > captured and not errors:
        errors["identifiers.posted_at"] = [_("The content cannot be posted after it was captured.")]
    if errors:
        raise ValidationFailed(_("The identifiers are not valid."), fields=errors)
    return result


@transaction.atomic
def set_item_identifiers(
    item: Item, *, actor: User, changes: Mapping[str, Any], now: dt.datetime | None = None
) -> CaseEvent | None:
    """Change some of an item's identifiers (analysts, reviewers, coordinators).

    Keys not in ``changes`` keep their value; an empty value removes one. Raises
    ``ValidationFailed`` naming ``identifiers.<key>``. Writes an ``identifiers`` event with
    the values before and after; returns None when nothing changed. Notices already queued
    keep the identifiers frozen in them.
    """
    require_role(actor, *ASSESSOR_ROLES)
    item = Item.objects.select_for_update().get(pk=item.pk)
    before = dict(item.identifiers or {})
    after = clean_identifiers(changes, current=before, now=now or timezone.now())
    if after == before:
        return None
    Item.objects.filter(pk=item.pk).update(identifiers=after)
    item.identifiers = after
    return CaseEvent.objects.create(
        case_id=item.case_id,
        item=item,
        kind=CaseEvent.Kind.IDENTIFIERS,
        actor=actor,
        data={"before": before, "after": after},
    )
