"""The registry as JSON: export it, import it (a seed file, another instance's export).

The format is ``flagdesk/platforms/data/registry.json``'s: platforms by slug with their facts,
domains and, in an export, their channels. An import is all or nothing: every entry is checked
first and every problem is reported at once, by the entry's name. An entry without
``channels`` leaves the platform's channels alone (a seed never enters an address); a domain
already owned by another platform is a problem, never a silent move.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, can
from flagdesk.audit.services import record
from flagdesk.core.errors import FlagdeskError, ValidationFailed

from ..channels import ChannelConfigError
from ..models import Platform, PlatformDomain
from .channels import CHANNEL_FIELDS, check_channel, set_channels
from .domains import _clean_domain, _store_domains, add_platform
from .editors import REGISTRY_EDITORS
from .registry import FACTS, clean_facts

FORMAT_VERSION = 1
MAX_PLATFORMS = 2000
SEED = Path(__file__).resolve().parent.parent / "data" / "registry.json"
# JSON keys that differ from the model's field names.
JSON_NAMES = {"is_vlop": "vlop", "is_vlose": "vlose"}


def export_registry() -> dict[str, Any]:
    """Every platform with its facts, domains and channels (secrets by reference only)."""
    entries = []
    for p in Platform.objects.prefetch_related("domains", "channels").order_by("name"):
        entry: dict[str, Any] = {"name": p.name, "slug": p.slug}
        entry |= {JSON_NAMES.get(f, f): getattr(p, f) for f in FACTS}
        entry["active"] = p.is_active
        entry["domains"] = sorted(d.domain for d in p.domains.all())
        entry["channels"] = [
            {f: getattr(c, f) for f in CHANNEL_FIELDS} | {"active": c.is_active}
            for c in p.channels.all()
        ]
        entries.append(entry)
    return {"version": FORMAT_VERSION, "platforms": entries}


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # slug -> domains newly registered to it (the caller adopts the items waiting on them)
    new_domains: dict[str, list[str]] = field(default_factory=dict)


def _facts(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {f: entry[JSON_NAMES.get(f, f)] for f in FACTS if JSON_NAMES.get(f, f) in entry}


def _check_entries(data: Any) -> list[Mapping[str, Any]]:
    if not isinstance(data, Mapping) or data.get("version") != FORMAT_VERSION:
        raise ValidationFailed(
            _("This is not a flagdesk platform registry (version %(v)d).") % {"v": FORMAT_VERSION},
            fields={"file": _("Not a registry file.")},
        )
    entries = data.get("platforms")
    if not isinstance(entries, list) or not entries or len(entries) > MAX_PLATFORMS:
        raise ValidationFailed(
            _("The registry must list between 1 and %(n)d platforms.") % {"n": MAX_PLATFORMS},
            fields={"platforms": _("Empty or too long.")},
        )
    return entries


def _validate(entries: Sequence[Any]) -> dict[str, str]:
    """Every problem of every entry, as "entry name: message"."""
    problems: dict[str, str] = {}
    owners = dict(PlatformDomain.objects.values_list("domain", "platform__slug"))
    seen: dict[str, str] = {}
    for n, entry in enumerate(entries, start=1):
        label = str(entry.get("name") or n) if isinstance(entry, Mapping) else str(n)
        if not isinstance(entry, Mapping) or not str(entry.get("name") or "").strip():
            problems[label] = _("Each platform needs a name.")
            continue
        slug = str(entry.get("slug") or "")
        try:
            clean_facts(_facts(entry))
            for position, channel in enumerate(entry.get("channels") or [], start=1):
                try:
                    check_channel(channel if isinstance(channel, Mapping) else {})
                except ChannelConfigError as e:
                    raise ValidationFailed(
                        _("channel %(n)d: %(problem)s") % {"n": position, "problem": e.message},
                        fields=e.fields,
                    ) from None
            for raw in entry.get("domains") or []:
                domain = _clean_domain(str(raw))
                owner = owners.get(domain) or seen.get(domain)
                if owner and owner != slug:
                    raise ValidationFailed(
                        _("%(domain)s already belongs to %(owner)s.")
                        % {"domain": domain, "owner": owner}
                    )
                seen[domain] = slug
        except FlagdeskError as e:
            details = "; ".join(f"{k}: {v}" for k, v in (e.fields or {}).items())
            problems[label] = f"{e.message} {details}".strip() if details else str(e.message)
    return problems


@transaction.atomic
def import_registry(data: Any, *, actor: User, keep_existing: bool = False) -> ImportResult:
    """Create or update platforms from ``data`` (matched by slug, then name); audited.

    ``keep_existing`` (the shipped list): a platform already registered only gains the
    domains it lacks, so a coordinator's edits (languages, response times, channels) are
    never overwritten by a seed run again."""
    require_role(actor, *REGISTRY_EDITORS)
    entries = _check_entries(data)
    problems = _validate(entries)
    if problems:
        raise ValidationFailed(
            _("Nothing was imported: %(problems)s")
            % {"problems": "; ".join(f"{k}: {v}" for k, v in problems.items())},
            fields=problems,
        )
    result = ImportResult()
    for entry in entries:
        platform = (
            Platform.objects.filter(slug=entry.get("slug") or "").first()
            or Platform.objects.filter(name__iexact=entry["name"].strip()).first()
        )
        wanted = list(dict.fromkeys(_clean_domain(str(d)) for d in entry.get("domains") or []))
        if platform is None:
            platform = add_platform(actor=actor, name=entry["name"], domains=wanted)
            if entry.get("slug") and not Platform.objects.filter(slug=entry["slug"]).exists():
                Platform.objects.filter(pk=platform.pk).update(slug=entry["slug"])
                platform.slug = entry["slug"]
            result.created.append(platform.slug)
            added = wanted
        else:
            owned = set(platform.domains.values_list("domain", flat=True))
            added = [d for d in wanted if d not in owned]
            if added:
                _store_domains(platform, added)
            result.updated.append(platform.slug)
        if keep_existing and platform.slug not in result.created:
            if added:
                result.new_domains[platform.slug] = added
            continue
        facts = clean_facts(_facts(entry))
        if facts.get("renotice_every_hours") and not can(actor, Action.RENOTICE_CADENCE):
            raise ValidationFailed(
                _("Only a coordinator can set automatic re-notices: it approves them in advance."),
                fields={str(entry["name"]): _("renotice_every_hours needs a coordinator.")},
            )
        for name, value in facts.items():
            setattr(platform, name, value)
        if "renotice_every_hours" in facts:  # the importer approves the cadence's re-notices
            platform.renotice_approved_by = actor if facts["renotice_every_hours"] else None
        if "active" in entry:
            platform.is_active = bool(entry["active"])
        platform.save()
        if "channels" in entry:
            set_channels(platform, actor=actor, channels=entry["channels"])
        if added:
            result.new_domains[platform.slug] = added
    record(
        "platform.registry_import",
        actor=actor,
        target="platforms",
        data={"created": result.created, "updated": result.updated},
    )
    return result
