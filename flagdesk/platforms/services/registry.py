"""What the registry records about a platform besides its domains and channels: who it is in
law, how fast it should answer, whom to escalate to, when its items are re-checked and how its
"content unavailable" page looks, and the inbound API's secret."""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, can
from flagdesk.audit.services import record
from flagdesk.core import taxonomy
from flagdesk.core.errors import ValidationFailed

from ..models import Platform
from .editors import REGISTRY_EDITORS

LANGUAGES = ("en", "fr", "nl", "de")
MAX_SLA_HOURS = 24 * 365
# Re-noticing more often than daily would flood a platform that is already reviewing.
MIN_RENOTICE_HOURS = 24
# A re-check plan: hours after the first notice, at most a year out (the watch ends sooner).
MAX_RECHECK_HOURS = 24 * 365
# Enough for a dense first day; after the last point the schedule repeats on its own.
MAX_RECHECK_POINTS = 20
# "Content unavailable" patterns are searched in every re-checked page, so their number and
# size stay small; a very short one would match almost any page and call live content gone.
MAX_PATTERNS = 50
MAX_PATTERN_CHARS = 200
MIN_PATTERN_CHARS = 4
MAX_PATTERNS_TEXT = 5000
# What a regular expression looks like: patterns are plain text (judge.py searches them as
# such), so ".*" would only match a page that literally shows ".*".
# A content id pattern runs over every notified item's URL at each Transparency Database import.
MAX_PUID_PATTERN = 300
REGEX_SIGNS = re.compile(r"\.\*|\.\+|\\[dswbDSWB]|\(\?|^\^")
FACTS = (
    "category",
    "legal_entity",
    "member_state",
    "is_vlop",
    "is_vlose",
    "tdb_name",
    "puid_pattern",
    "languages",
    "accepts_hash_matching",
    "sla_hours",
    "escalation_contacts",
    "renotice_every_hours",
    "recheck_hours",
    "unavailable_patterns",
)


def _text(value: Any, field: str, limit: int) -> str:
    text = str(value or "").strip()
    multiline = field == "escalation_contacts"
    if len(text) > limit or "\x00" in text or (not multiline and ("\r" in text or "\n" in text)):
        raise ValidationFailed(
            _("%(field)s is too long or holds a line break.") % {"field": field},
            fields={field: _("At most %(n)d characters on one line.") % {"n": limit}},
        )
    return text


def clean_plan(value: Any) -> list[int]:
    """One re-check plan (``recheck_hours``' value for a phenomenon), as it is stored.

    Refused rather than repaired (sorted, deduplicated): a plan typed as "24, 6" may hide a
    typo, and the coordinator should see what will run. The monitoring app reads plans
    defensively as well, since the import of an old file or the admin could bypass this."""
    if not isinstance(value, list):
        raise ValidationFailed(_("A list of whole hours, e.g. [1, 6, 24]."))
    if not value:
        raise ValidationFailed(_("Give at least one hour, e.g. 1, 6, 24."))
    if any(not isinstance(h, int) or isinstance(h, bool) for h in value):
        raise ValidationFailed(_("Whole hours only, separated by commas, e.g. 1, 6, 24."))
    if any(not 1 <= h <= MAX_RECHECK_HOURS for h in value):
        raise ValidationFailed(
            _("Each hour must be between 1 and %(max)d.") % {"max": MAX_RECHECK_HOURS}
        )
    if any(a >= b for a, b in itertools.pairwise(value)):
        raise ValidationFailed(_("Each hour once, from the earliest to the latest, e.g. 1, 6, 24."))
    if len(value) > MAX_RECHECK_POINTS:
        raise ValidationFailed(
            _(
                "At most %(max)d re-checks; after the last one, the item is checked again "
                "every %(every)d hours anyway."
            )
            % {"max": MAX_RECHECK_POINTS, "every": settings.MONITORING_RECHECK_EVERY_HOURS}
        )
    return list(value)


def _pattern_problem(line: str) -> str:
    """Why one pattern line (not a comment) cannot be used; "" when it can."""
    is_url = line.lower().startswith("url:")
    value = line[4:].strip() if is_url else line
    if is_url and not value:
        return str(_("“url:” needs the part of the address to look for, e.g. url:/login."))
    if len(value) < MIN_PATTERN_CHARS:
        return str(
            _(
                "“%(text)s” is too short: it would match almost any page. Use at least "
                "%(min)d characters."
            )
            % {"text": value, "min": MIN_PATTERN_CHARS}
        )
    if len(line) > MAX_PATTERN_CHARS:
        return str(_("At most %(max)d characters per line.") % {"max": MAX_PATTERN_CHARS})
    if REGEX_SIGNS.search(value):
        return str(
            _(
                "“%(text)s” looks like a regular expression; patterns are plain text. Write "
                "the words the page shows, without .* or \\d."
            )
            % {"text": value}
        )
    return ""


def clean_patterns(value: Any) -> str:
    """The "content unavailable" patterns as stored: one per line, each line trimmed, line
    breaks as \\n. ``#`` lines are comments and kept (they say where a pattern came from)."""
    if not isinstance(value, str):
        raise ValidationFailed(_("Text, one pattern per line."))
    # splitlines, as the reader (monitoring's ``Patterns.parse``) does: a line it would see
    # must be checked here as a line, whatever character ends it.
    lines = [line.strip() for line in value.splitlines()]
    text = "\n".join(lines).strip("\n")
    if len(text) > MAX_PATTERNS_TEXT:
        raise ValidationFailed(_("At most %(max)d characters in all.") % {"max": MAX_PATTERNS_TEXT})
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise ValidationFailed(_("Plain text only: this holds control characters."))
    patterns = [(n, line) for n, line in enumerate(lines, start=1) if line and line[0] != "#"]
    if len(patterns) > MAX_PATTERNS:
        raise ValidationFailed(_("At most %(max)d patterns.") % {"max": MAX_PATTERNS})
    problems = [
        _("Line %(n)d: %(problem)s") % {"n": n, "problem": problem}
        for n, line in patterns
        if (problem := _pattern_problem(line))
    ]
    if problems:
        raise ValidationFailed(" ".join(problems))
    return text


def clean_puid_pattern(value: Any) -> str:
    """A content id pattern as stored: a regular expression over an item's URL with a group
    named ``puid``, which must compile. Nested repetitions are refused: such a pattern can take
    exponential time on a long URL, and it runs on every notified item at each import."""
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) > MAX_PUID_PATTERN or any(ord(c) < 32 for c in text):
        raise ValidationFailed(
            _("At most %(max)d characters on one line.") % {"max": MAX_PUID_PATTERN}
        )
    try:
        compiled = re.compile(text)
    except re.error as e:
        raise ValidationFailed(
            _("Not a valid regular expression: %(problem)s.") % {"problem": str(e)}
        ) from None
    if "puid" not in compiled.groupindex:
        raise ValidationFailed(
            _("Name the content id's group puid, as in (?P<puid>[A-Za-z0-9_-]+).")
        )
    if re.search(r"\)[*+?{][^)]*\)[*+{]|[*+]\)[*+{]", text):
        raise ValidationFailed(
            _("Repetitions inside repetitions can take very long on a long address; simplify.")
        )
    return text


def clean_facts(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The facts in ``raw`` (only the keys present), validated; errors name every field."""
    cleaned: dict[str, Any] = {}
    problems: dict[str, str] = {}

    def check(field: str, fn: Any) -> None:
        if field in raw:
            try:
                cleaned[field] = fn(raw[field])
            except ValidationFailed as e:
                problems[field] = str(e.fields.get(field, e.message))

    def category(v: Any) -> str:
        if (v or "") not in {"", *Platform.Category.values}:
            raise ValidationFailed(fields={"category": _("Not a known category.")})
        return str(v or "")

    def member_state(v: Any) -> str:
        code = str(v or "").strip().upper()
        if code and code not in taxonomy.raw()["territorial_scope"]["allowed"]:
            raise ValidationFailed(
                fields={"member_state": _("The two letters of an EU or EEA country, e.g. IE.")}
            )
        return code

    def languages(v: Any) -> list[str]:
        langs = list(dict.fromkeys(str(x).strip().lower() for x in (v or [])))
        if not langs or any(x not in LANGUAGES for x in langs):
            raise ValidationFailed(fields={"languages": _("Choose among en, fr, nl and de.")})
        return langs

    def sla(v: Any) -> dict[str, int]:
        known = {"default", *taxonomy.phenomena()}
        if not isinstance(v, Mapping):
            raise ValidationFailed(fields={"sla_hours": _("Hours per phenomenon, as an object.")})
        hours: dict[str, int] = {}
        for key, value in v.items():
            if key not in known:
                raise ValidationFailed(
                    fields={"sla_hours": _("Unknown phenomenon: %(key)s.") % {"key": key}}
                )
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValidationFailed(fields={"sla_hours": _("Whole hours, e.g. 24.")})
            if not 1 <= value <= MAX_SLA_HOURS:
                raise ValidationFailed(
                    fields={"sla_hours": _("Between 1 and %(max)d hours.") % {"max": MAX_SLA_HOURS}}
                )
            hours[key] = value
        return hours

    def recheck(v: Any) -> dict[str, list[int]]:
        known = {"default", *taxonomy.phenomena()}
        if not isinstance(v, Mapping):
            raise ValidationFailed(
                fields={
                    "recheck_hours": _(
                        'Hours per phenomenon, as an object: {"default": [1, 6, 24]}.'
                    )
                }
            )
        plans: dict[str, list[int]] = {}
        for key, value in v.items():
            if key not in known:
                raise ValidationFailed(
                    fields={"recheck_hours": _("Unknown phenomenon: %(key)s.") % {"key": key}}
                )
            try:
                plans[key] = clean_plan(value)
            except ValidationFailed as e:
                raise ValidationFailed(
                    fields={
                        "recheck_hours": _("%(key)s: %(problem)s")
                        % {"key": key, "problem": e.message}
                    }
                ) from None
        return plans

    def patterns(v: Any) -> str:
        try:
            return clean_patterns("" if v is None else v)
        except ValidationFailed as e:
            raise ValidationFailed(fields={"unavailable_patterns": e.message}) from None

    def puid_pattern(v: Any) -> str:
        try:
            return clean_puid_pattern(v)
        except ValidationFailed as e:
            raise ValidationFailed(fields={"puid_pattern": e.message}) from None

    def renotice(v: Any) -> int | None:
        if v in (None, ""):
            return None
        if not isinstance(v, int) or isinstance(v, bool) or v < MIN_RENOTICE_HOURS:
            raise ValidationFailed(
                fields={
                    "renotice_every_hours": _("Empty, or at least %(min)d hours.")
                    % {"min": MIN_RENOTICE_HOURS}
                }
            )
        return v

    def flag(field: str) -> Any:
        def fn(v: Any) -> bool:
            if not isinstance(v, bool):
                raise ValidationFailed(fields={field: _("true or false.")})
            return v

        return fn

    check("category", category)
    check("legal_entity", lambda v: _text(v, "legal_entity", 200))
    check("member_state", member_state)
    check("tdb_name", lambda v: _text(v, "tdb_name", 200))
    check("puid_pattern", puid_pattern)
    check("escalation_contacts", lambda v: _text(v, "escalation_contacts", 2000))
    check("languages", languages)
    check("sla_hours", sla)
    check("renotice_every_hours", renotice)
    check("recheck_hours", recheck)
    check("unavailable_patterns", patterns)
    for field in ("is_vlop", "is_vlose", "is_natural_person", "accepts_hash_matching"):
        check(field, flag(field))
    if problems:
        raise ValidationFailed(
            _("Some registry fields are not valid: %(fields)s.")
            % {"fields": ", ".join(sorted(problems))},
            fields=problems,
        )
    return cleaned


@transaction.atomic
def update_facts(platform: Platform, *, actor: User, **raw: Any) -> Platform:
    """Change the registry's facts about ``platform`` (coordinator, admin); audited with the
    values before and after. Queued notices keep what they froze."""
    require_role(actor, *REGISTRY_EDITORS)
    cleaned = clean_facts(raw)
    if cleaned.get("renotice_every_hours") and not can(actor, Action.RENOTICE_CADENCE):
        # Setting a cadence approves its re-notices in advance (legal.md g.14).
        raise ValidationFailed(
            _("Only a coordinator can set automatic re-notices: it approves them in advance."),
            fields={"renotice_every_hours": _("A coordinator's decision.")},
        )
    before = {f: getattr(platform, f) for f in cleaned}
    for field, value in cleaned.items():
        setattr(platform, field, value)
    fields = list(cleaned)
    if "renotice_every_hours" in cleaned:
        # Setting a cadence approves, in advance, the re-notices it will make.
        platform.renotice_approved_by = actor if cleaned["renotice_every_hours"] else None
        fields.append("renotice_approved_by")
    platform.save(update_fields=fields)
    changed = {f: cleaned[f] for f in cleaned if before[f] != cleaned[f]}
    if changed:
        record(
            "platform.facts",
            actor=actor,
            target=f"platform:{platform.pk}",
            data={"before": {f: before[f] for f in changed}, "after": changed},
        )
    return platform


@transaction.atomic
def new_inbound_secret(platform: Platform, *, actor: User) -> str:
    """A fresh HMAC key for the platform's signed answers (``POST /api/v1/inbound/{slug}``),
    returned once; the previous key stops working at once. Stored encrypted; audited."""
    require_role(actor, *REGISTRY_EDITORS)
    secret = secrets.token_urlsafe(32)
    platform.inbound_secret = secret
    platform.save(update_fields=["inbound_secret"])
    record("platform.inbound_secret", actor=actor, target=f"platform:{platform.pk}", data={})
    return secret
