"""The support lines the organisation recommends to victims on its public pages.

A coordinator or administrator adds, edits, reorders, deactivates and reactivates them; each
change is one transaction with its audit entry (``support_line.*``, with the fields that
changed and their new values: the texts are public information, never personal data). Lines
are never deleted: the audit trail keeps naming them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.audit.services import record
from flagdesk.core import taxonomy
from flagdesk.core.errors import ValidationFailed
from flagdesk.core.text import is_storable
from flagdesk.core.weburls import InvalidUrl, normalise_url

from ..models import SUPPORT_LANGUAGES, SupportLine

MAX_NAME = 200
MAX_OFFER = 300
MAX_HOURS = 200
MAX_PHONE = 40
MAX_URL = 500
# Digits and the usual separators: what a reader's phone can dial from a tel: link.
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]*$")
TEXT_PARTS = ("name", "offer", "hours")
LIMITS = {"name": MAX_NAME, "offer": MAX_OFFER, "hours": MAX_HOURS}


@dataclass(frozen=True)
class SupportLineInput:
    """What a coordinator enters: ``texts`` maps a language to its name, offer and hours."""

    texts: dict[str, dict[str, str]]
    languages: tuple[str, ...]
    phone: str = ""
    url: str = ""
    phenomena: tuple[str, ...] = ()
    is_active: bool = True


def _clean_texts(entry: SupportLineInput, errors: dict[str, list[str]]) -> dict[str, Any]:
    texts: dict[str, dict[str, str]] = {}
    for lang in SUPPORT_LANGUAGES:
        given = entry.texts.get(lang) or {}
        cleaned = {part: str(given.get(part, "")).strip() for part in TEXT_PARTS}
        for part, value in cleaned.items():
            if len(value) > LIMITS[part]:
                errors[f"{part}_{lang}"] = [
                    _("At most %(limit)d characters.") % {"limit": LIMITS[part]}
                ]
            elif not is_storable(value) or "\n" in value:
                errors[f"{part}_{lang}"] = [_("One line of text, without control characters.")]
        if lang in entry.languages:
            for part in ("name", "offer"):
                if not cleaned[part] and f"{part}_{lang}" not in errors:
                    errors[f"{part}_{lang}"] = [
                        _("Required: the line serves this language, so its readers need it.")
                    ]
        if any(cleaned.values()):
            texts[lang] = cleaned
    return texts


def _clean_url(raw: str, errors: dict[str, list[str]]) -> str:
    url = raw.strip()
    if not url:
        return ""
    if len(url) > MAX_URL:
        errors["url"] = [_("At most %(limit)d characters.") % {"limit": MAX_URL}]
        return ""
    try:
        normal = normalise_url(url)
    except InvalidUrl as e:
        errors["url"] = [str(e.message)]
        return ""
    if urlsplit(normal).scheme != "https":
        errors["url"] = [_("The address must start with https://.")]
        return ""
    return normal


def _validated(entry: SupportLineInput) -> dict[str, Any]:
    """The line's stored fields, or ``ValidationFailed`` naming each wrong form field."""
    errors: dict[str, list[str]] = {}
    languages = [lang for lang in SUPPORT_LANGUAGES if lang in entry.languages]
    if unknown := sorted(set(entry.languages) - set(SUPPORT_LANGUAGES)):
        errors["languages"] = [
            _("Unknown languages: %(codes)s.") % {"codes": ", ".join(unknown)[:100]}
        ]
    elif not languages:
        errors["languages"] = [_("Choose at least one language the line answers in.")]
    texts = _clean_texts(entry, errors)
    phone = entry.phone.strip()
    if len(phone) > MAX_PHONE or (phone and not PHONE.match(phone)):
        errors["phone"] = [
            _("A phone number of at most %(limit)d characters: digits, spaces and + ( ) - . /")
            % {"limit": MAX_PHONE}
        ]
    url = _clean_url(entry.url, errors)
    if not phone and not entry.url.strip() and "phone" not in errors:
        errors["phone"] = [_("Give a phone number or a web address, so victims can reach it.")]
    known = set(taxonomy.phenomena())
    if unknown_codes := sorted(set(entry.phenomena) - known):
        errors["phenomena"] = [
            _("Unknown phenomena: %(codes)s.") % {"codes": ", ".join(unknown_codes)[:200]}
        ]
    if errors:
        raise ValidationFailed(_("The support line was not saved."), fields=errors)
    return {
        "texts": texts,
        "languages": languages,
        "phone": phone,
        "url": url,
        "phenomena": [code for code in taxonomy.phenomena() if code in entry.phenomena],
        "is_active": entry.is_active,
    }


def _audit(action: str, line: SupportLine, actor: User, changed: dict[str, Any]) -> None:
    record(
        f"support_line.{action}",
        actor=actor,
        target=f"support_line:{line.id}",
        data={"changed": sorted(changed), "after": changed},
    )


@transaction.atomic
def add_support_line(entry: SupportLineInput, *, actor: User) -> SupportLine:
    """A new line, last in the order. Raises ``PermissionDenied`` for roles without
    ``SUPPORT_LINES`` and ``ValidationFailed`` naming the form's fields (``name_fr``,
    ``offer_nl``, ``url``, ``phone``, ``languages``, ``phenomena``). Audited
    (``support_line.added``)."""
    require_role(actor, *roles_for(Action.SUPPORT_LINES))
    values = _validated(entry)
    last = SupportLine.objects.order_by("-order").values_list("order", flat=True).first()
    line = SupportLine.objects.create(order=(last or 0) + 1, **values)
    _audit("added", line, actor, values)
    return line


@transaction.atomic
def update_support_line(line: SupportLine, entry: SupportLineInput, *, actor: User) -> SupportLine:
    """Save the edited line; same rules and errors as ``add_support_line``. Audited
    (``support_line.changed``, with the fields that changed) when anything changed."""
    require_role(actor, *roles_for(Action.SUPPORT_LINES))
    values = _validated(entry)
    line = SupportLine.objects.select_for_update().get(pk=line.pk)
    changed = {name: value for name, value in values.items() if getattr(line, name) != value}
    if not changed:
        return line
    for name, value in changed.items():
        setattr(line, name, value)
    line.save()
    _audit("changed", line, actor, changed)
    return line


@transaction.atomic
def set_support_line_active(line: SupportLine, *, is_active: bool, actor: User) -> SupportLine:
    """Deactivate (hidden from victims' pages at once) or reactivate a line. Audited
    (``support_line.deactivated`` / ``support_line.activated``) when it changes."""
    require_role(actor, *roles_for(Action.SUPPORT_LINES))
    line = SupportLine.objects.select_for_update().get(pk=line.pk)
    if line.is_active != is_active:
        line.is_active = is_active
        line.save(update_fields=["is_active", "updated_at"])
        _audit("activated" if is_active else "deactivated", line, actor, {"is_active": is_active})
    return line


@transaction.atomic
def move_support_line(line: SupportLine, *, up: bool, actor: User) -> list[SupportLine]:
    """Swap the line with the one before it (``up``) or after it; the lines are numbered
    1, 2, 3... again on the way. Returns every line in its new order. Audited
    (``support_line.moved``, with the new position) when it moves."""
    require_role(actor, *roles_for(Action.SUPPORT_LINES))
    lines = list(SupportLine.objects.select_for_update().order_by("order", "created_at"))
    at = next(i for i, other in enumerate(lines) if other.pk == line.pk)
    to = at - 1 if up else at + 1
    if 0 <= to < len(lines):
        lines[at], lines[to] = lines[to], lines[at]
    renumbered = []
    for number, other in enumerate(lines, start=1):
        if other.order != number:
            other.order = number
            renumbered.append(other)
    SupportLine.objects.bulk_update(renumbered, ["order"])
    if 0 <= to < len(lines):
        _audit("moved", lines[to], actor, {"order": to + 1})
    return lines
