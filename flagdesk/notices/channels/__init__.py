"""Notice channels: one small class per way of reaching a platform (S10)."""

from __future__ import annotations

from .base import Delivery, NoticeChannel
from .email import EmailChannel

CHANNELS: dict[str, type[NoticeChannel]] = {"email": EmailChannel}

__all__ = ["CHANNELS", "Delivery", "EmailChannel", "NoticeChannel"]
