"""The EU Code of Conduct on countering illegal hate speech online (2016, integrated into the
DSA as the "Code of conduct+" in 2025): per platform, for our notices about hate speech, the
share reviewed within 24 hours, the removal rate and the share that got feedback.

Hate speech here is the phenomena ``HATE_SPEECH``. The definitions are those of
``notices.py``: reviewed within 24 h = the first decision on an item came within 24 hours of
sending; removal rate = the share of the notified items whose current action is ``removed``;
feedback given = the platform sent any answer.
"""

from __future__ import annotations

from uuid import UUID

from .notices import PlatformNotices, notices_by_platform
from .period import Filters

HATE_SPEECH = ("gender_hate_speech", "incitement_violence_gender")


def conduct_by_platform(filters: Filters) -> dict[UUID, PlatformNotices]:
    return notices_by_platform(filters, phenomena=HATE_SPEECH)
