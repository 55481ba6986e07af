"""The contract every notice channel fulfils: built from a platform's channel configuration,
it checks that configuration and sends one frozen notice, or says why not.

The model is healthchecks' transports: one small class per way of reaching someone, built from
stored configuration, with two outcomes besides success. ``TransientError`` means try again
later (the outbox schedules a retry, honouring ``retry_after`` when the platform gave one);
``PermanentError`` means retrying cannot help and a person must look. Anything else is a bug
and leaves the outbox row leased until the sweeper picks it up again.

Channels live with the registry (platforms) rather than with notices so that a coordinator
saving a channel gets the same ``check_config()`` as the worker about to send: the notice
reaches a channel only as ``Outgoing``, the frozen texts, never as a database row.
"""

from __future__ import annotations

import datetime as dt
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.utils.translation import gettext as _

from flagdesk.core.errors import ValidationFailed


@dataclass(frozen=True)
class ChannelConfig:
    """How one channel of a platform is reached, as a coordinator entered it.

    ``secret_ref`` names where the credential is (``env:NAME`` or ``file:/path``), never the
    credential itself: the database, its backups and the audit trail hold no platform secret.
    """

    kind: str
    address: str = ""  # email: the platform's notice address
    endpoint: str = ""  # api: the URL notices are POSTed to; webform: the form's page
    auth: str = ""  # api: "bearer", "hmac" or "" (none)
    secret_ref: str = ""
    language: str = ""  # overrides the platform's notice language when set
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outgoing:
    """One notice as frozen when it was queued: what a channel may send, byte for byte."""

    reference: str
    subject: str
    body: str
    payload: Mapping[str, Any]
    sender: str
    recipient: str  # the address or endpoint frozen with the notice
    message_id: str
    idempotency_key: str  # the same on every attempt: platforms deduplicate on it
    language: str
    is_anonymous: bool = False


@dataclass(frozen=True)
class Delivery:
    """Proof of one successful hand-over: the channel's or the platform's own reference, when
    it happened, and what the platform answered (kept as evidence, never interpreted)."""

    reference: str
    sent_at: dt.datetime
    platform_reference: str = ""
    detail: str = ""


def has_line_break(value: str) -> bool:
    """A CR or LF in a header value would let it add headers (or recipients) of its own."""
    return "\r" in value or "\n" in value


class ChannelConfigError(ValidationFailed):
    """A channel configuration that cannot work; ``fields`` names what to fix."""

    code = "invalid_channel"


def resolve_secret(ref: str) -> str:
    """The credential ``ref`` points at: ``env:NAME`` (an environment variable) or
    ``file:/absolute/path`` (a mounted secret). Raises ``ChannelConfigError`` naming the
    reference, never the value, when it cannot be read."""
    scheme, _sep, where = ref.partition(":")
    value = None
    if scheme == "env" and where:
        value = os.environ.get(where)
    elif scheme == "file" and where.startswith("/"):
        try:
            value = Path(where).read_text(encoding="utf-8").strip()
        except OSError:
            value = None
    else:
        raise ChannelConfigError(
            _("A secret is named as env:VARIABLE or file:/absolute/path, not “%(ref)s”.")
            % {"ref": ref[:80]},
            fields={"secret_ref": _("Use env:VARIABLE or file:/absolute/path.")},
        )
    if not value:
        raise ChannelConfigError(
            _("The secret %(ref)s is not set on this machine.") % {"ref": ref[:80]},
            fields={"secret_ref": _("Not set on this machine.")},
        )
    return value


class NoticeChannel(ABC):
    kind: ClassVar[str]
    # A manual channel is never sent by a worker: a person submits the notice (a web form)
    # and confirms it with the platform's reference.
    manual: ClassVar[bool] = False

    def __init__(self, config: ChannelConfig) -> None:
        self.config = config

    @abstractmethod
    def check_config(self) -> None:
        """Raise ``ChannelConfigError`` listing every problem of ``self.config`` by field.

        Called when a coordinator saves the channel and again before a notice is queued, so
        a notice never waits in the outbox for a channel that cannot work.
        """

    @abstractmethod
    def recipient(self) -> str:
        """What the notice is frozen with as its recipient: an address, endpoint or page."""

    @abstractmethod
    def send(self, notice: Outgoing) -> Delivery:
        """Deliver the frozen subject, body and payload; never re-render them."""
