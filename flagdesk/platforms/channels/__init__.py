"""Notice channels: one small class per way of reaching a platform (S10).

``channel_for(config)`` is the one way to get a channel; ``CHANNELS`` lists the kinds a
coordinator can choose, in the order the registry offers them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .base import (
    ChannelConfig,
    ChannelConfigError,
    Delivery,
    NoticeChannel,
    Outgoing,
    has_line_break,
    resolve_secret,
)
from .email import EmailChannel
from .http_api import ApiChannel
from .webform import WebFormChannel

CHANNELS: dict[str, type[NoticeChannel]] = {
    EmailChannel.kind: EmailChannel,
    ApiChannel.kind: ApiChannel,
    WebFormChannel.kind: WebFormChannel,
}


def channel_for(config: ChannelConfig) -> NoticeChannel:
    """The channel ``config`` describes; an unknown kind is a configuration error."""
    try:
        cls = CHANNELS[config.kind]
    except KeyError:
        raise ChannelConfigError(
            _("Unknown channel type “%(kind)s”.") % {"kind": config.kind[:40]},
            fields={"kind": _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(CHANNELS)}},
        ) from None
    return cls(config)


__all__ = [
    "CHANNELS",
    "ApiChannel",
    "ChannelConfig",
    "ChannelConfigError",
    "Delivery",
    "EmailChannel",
    "NoticeChannel",
    "Outgoing",
    "WebFormChannel",
    "channel_for",
    "has_line_break",
    "resolve_secret",
]
