"""The contract every notice channel fulfils (S10): send one frozen notice, or say why not.

A channel maps what can go wrong to exactly two errors: ``TransientError`` (try again later,
the outbox schedules a retry) and ``PermanentError`` (retrying cannot help, a person must look).
Anything else is a bug and leaves the outbox row leased until the sweeper picks it up again.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from flagdesk.notices.models import Notice


@dataclass(frozen=True)
class Delivery:
    """Proof of one successful hand-over: the channel's own reference and when it happened."""

    reference: str
    sent_at: dt.datetime


class NoticeChannel(ABC):
    kind: ClassVar[str]

    @abstractmethod
    def send(self, notice: Notice) -> Delivery:
        """Deliver the notice's frozen subject, body and payload; never re-render them."""
