"""A platform's channels: saved only when they can work, used in the coordinator's order.

``check_config()`` of the channel's own class decides whether a configuration can work, here
when a coordinator saves it and again (``notice_channel``) when a notice is about to be
queued, so a notice never waits in the outbox for a channel that could never send it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.audit.services import record
from flagdesk.core.errors import ValidationFailed

from ..channels import ChannelConfig, ChannelConfigError, channel_for
from ..models import Platform, PlatformChannel
from .editors import REGISTRY_EDITORS

MAX_CHANNELS = 5
# A platform without a usable channel gets its notices by hand, through a copy sheet.
MANUAL = ChannelConfig(kind=PlatformChannel.Kind.WEBFORM)
CHANNEL_FIELDS = ("kind", "address", "endpoint", "auth", "secret_ref", "language", "options")


def _config(raw: Mapping[str, Any]) -> ChannelConfig:
    if "kind" not in raw and "type" in raw:  # the API's spelling
        raw = {**raw, "kind": raw["type"]}
    text = {f: str(raw.get(f) or "").strip() for f in CHANNEL_FIELDS if f != "options"}
    options = raw.get("options") or {}
    if not isinstance(options, Mapping):
        raise ChannelConfigError(
            _("A channel's options must be an object."), fields={"options": _("Not an object.")}
        )
    if text["language"] and text["language"] not in ("en", "fr", "nl", "de"):
        raise ChannelConfigError(
            _("Notices are written in en, fr, nl or de."),
            fields={"language": _("Choose en, fr, nl or de.")},
        )
    return ChannelConfig(**text, options=dict(options))


def check_channel(raw: Mapping[str, Any]) -> ChannelConfig:
    """The configuration ``raw`` describes, or ``ChannelConfigError`` naming what to fix."""
    config = _config(raw)
    channel_for(config).check_config()
    return config


def _audit_data(config: ChannelConfig) -> dict[str, Any]:
    # The secret's reference is not the secret: safe in the audit trail.
    return {f: getattr(config, f) for f in CHANNEL_FIELDS if f != "options"} | {
        "options": dict(config.options)
    }


@transaction.atomic
def add_channel(platform: Platform, *, actor: User, **raw: Any) -> PlatformChannel:
    """Append a verified channel after the platform's others."""
    require_role(actor, *REGISTRY_EDITORS)
    existing = list(platform.channels.values("kind", *CHANNEL_FIELDS[1:]))
    return set_channels(platform, actor=actor, channels=[*existing, raw])[-1]


@transaction.atomic
def set_channels(
    platform: Platform, *, actor: User, channels: Sequence[Mapping[str, Any]]
) -> list[PlatformChannel]:
    """Replace the platform's channels by ``channels``, first preferred. Every one is checked
    before anything is written; the errors name the channel by its position (1, 2...)."""
    require_role(actor, *REGISTRY_EDITORS)
    if len(channels) > MAX_CHANNELS:
        raise ValidationFailed(
            _("A platform has at most %(n)d channels.") % {"n": MAX_CHANNELS},
            fields={"channels": _("Too many.")},
        )
    configs: list[ChannelConfig] = []
    problems: dict[str, Any] = {}
    for position, raw in enumerate(channels, start=1):
        try:
            configs.append(check_channel(raw))
        except ChannelConfigError as e:
            for field, message in (e.fields or {"kind": e.message}).items():
                problems[f"channels.{position}.{field}"] = message
    if problems:
        raise ChannelConfigError(
            _("A channel cannot work as entered: %(problems)s")
            % {"problems": "; ".join(f"{k}: {v}" for k, v in problems.items())},
            fields=problems,
        )
    before = [_audit_data(c.config()) for c in platform.channels.all()]
    platform.channels.all().delete()
    now = timezone.now()
    saved = PlatformChannel.objects.bulk_create(
        PlatformChannel(
            platform=platform,
            position=position,
            kind=config.kind,
            address=config.address,
            endpoint=config.endpoint,
            auth=config.auth,
            secret_ref=config.secret_ref,
            language=config.language,
            options=dict(config.options),
            verified_by=actor,
            verified_at=now,
        )
        for position, config in enumerate(configs)
    )
    record(
        "platform.channels",
        actor=actor,
        target=f"platform:{platform.pk}",
        data={"before": before, "after": [_audit_data(c) for c in configs]},
    )
    return saved


def notice_channel(platform: Platform) -> ChannelConfig:
    """The channel a notice to ``platform`` goes through now: the first active channel whose
    configuration works on this machine (a secret can be missing here), else by hand."""
    for channel in platform.active_channels():
        config = channel.config()
        try:
            channel_for(config).check_config()
        except ChannelConfigError:
            continue
        return config
    return MANUAL
