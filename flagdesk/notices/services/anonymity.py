"""Anonymous notices (art. 16(2)(c) DSA): when one is allowed, the sender it needs, and
what in an item would name the organisation it withholds.

An organisation either identifies itself (and may claim its trusted-flagger status) or is
anonymous (and claims nothing); a notice that omits the notifier but lets its name, address or
mail domain through in a header, the reasons, an identifier or the URL is worse than no
anonymity at all, so every such mark refuses the notice.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from flagdesk.cases.models import Assessment, Item
from flagdesk.organisation.models import Organisation
from flagdesk.platforms.services import registered_domain


def item_name(item: Item) -> str:
    return f"{item.case.reference} {item.url[:80]}"


def organisation_domain(org: Organisation) -> str:
    return org.email.rsplit("@", 1)[-1].strip().lower()


def _related_domains(a: str, b: str) -> bool:
    """Same domain, parent or child, or both under one registered domain."""
    if not a or not b:
        return False
    return (
        a == b
        or a.endswith("." + b)
        or b.endswith("." + a)
        or registered_domain(a) == registered_domain(b)
    )


def anonymous_sender_problems(org: Organisation) -> list[str]:
    """Why ``FLAGDESK_ANONYMOUS_SENDER`` cannot send for ``org`` (empty: it can)."""
    sender = settings.ANONYMOUS_SENDER
    if not sender:
        return [
            _(
                "Anonymous notices are not set up: the address they are sent from "
                "(FLAGDESK_ANONYMOUS_SENDER) is not configured."
            )
        ]
    domain = sender.rsplit("@", 1)[-1].lower()
    if _related_domains(domain, organisation_domain(org)):
        return [
            _(
                "The anonymous sender %(sender)s is in the organisation's own mail domain, so "
                "it would identify the organisation; configure an address outside %(domain)s."
            )
            % {"sender": sender, "domain": organisation_domain(org)}
        ]
    return []


def organisation_marks(org: Organisation) -> list[str]:
    """What names the organisation in a text: its name, its address, its mail domains."""
    domain = organisation_domain(org)
    marks = [org.name.strip(), org.email.strip(), domain, registered_domain(domain)]
    return [m for m in dict.fromkeys(m.lower() for m in marks) if len(m) >= 3]


def find_organisation(text: str, org: Organisation) -> list[str]:
    """Every mark of ``org`` that ``text`` contains (case-insensitive)."""
    lowered = text.lower()
    return [mark for mark in organisation_marks(org) if mark in lowered]


def payload_text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def leaks(item: Item, assessment: Assessment, org: Organisation) -> list[tuple[str, str]]:
    """What an item puts into the notice that names the organisation: a leak is worse than
    a refusal, so each one stops the anonymous notice."""
    texts = {
        "reasons": (
            assessment.reasons,
            _("The reasons of %(item)s name the organisation (%(found)s)."),
        ),
        "identifiers": (
            " ".join(str(v) for v in (item.identifiers or {}).values()),
            _("The identifiers of %(item)s name the organisation (%(found)s)."),
        ),
        "url": (item.url, _("The URL of %(item)s names the organisation (%(found)s).")),
    }
    advice = _(
        "An anonymous notice must not name the organisation: remove the mention, or send the "
        "notice under the organisation's name."
    )
    return [
        (where, message % {"item": item_name(item), "found": ", ".join(found)} + " " + advice)
        for where, (text, message) in texts.items()
        if (found := find_organisation(text, org))
    ]
