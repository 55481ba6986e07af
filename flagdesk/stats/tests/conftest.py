from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from flagdesk.accounts.models import User
from flagdesk.cases.models import Item
from flagdesk.notices.models import Notice
from flagdesk.notices.outbox import claim, mark_sent
from flagdesk.notices.services import queue_notices
from flagdesk.notices.tests.factories import approved_item, designate, make_platform
from flagdesk.platforms.channels import Delivery
from flagdesk.platforms.models import Platform


@pytest.fixture(autouse=True)
def _test_resolver(settings: Any) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"


@pytest.fixture
def platform(users: dict[str, User]) -> Platform:
    """A fictional platform whose TDB name differs from ours, with a content id pattern."""
    p = make_platform(users, name="Social", domain="social.test")
    p.tdb_name = "Example Social"
    p.puid_pattern = r"^https://social\.test/p/(?P<puid>[A-Za-z0-9_-]+)"
    p.save()
    return p


def sent_notice(users: dict[str, User], item: Item, sent_at: dt.datetime) -> Notice:
    """``item``'s notice, queued by alice and delivered at ``sent_at``."""
    [notice] = queue_notices([item], actor=users["analyst"])
    row = claim(notice.outbox.pk, worker="tdb-tests")
    assert row is not None
    mark_sent(row, Delivery("<m@social.test>", sent_at))
    notice.refresh_from_db()
    return notice


@pytest.fixture
def notified(users: dict[str, User], platform: Platform) -> Any:
    """Make an item at ``https://social.test/p/<puid>`` notified (as a trusted flagger) on
    ``sent_at``; returns (item, notice)."""
    designate(users, ["ncii"])

    def make(puid: str, sent_at: dt.datetime = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)) -> Any:
        item = approved_item(users, url=f"https://social.test/p/{puid}")
        return item, sent_notice(users, item, sent_at)

    return make
