"""What the database says against what the platform told us: per linked statement, and per
platform and month."""

from __future__ import annotations

import pytest
from django.utils import timezone

from flagdesk.notices.services import record_response
from flagdesk.stats.tdb import queries
from flagdesk.stats.tdb.importing import import_dump

from .tdb_dumps import bare_csv, statement

pytestmark = pytest.mark.django_db


def answer(users, notice, decision: str, **kw) -> None:
    record_response(
        notice,
        actor=users["analyst"],
        kind="decision",
        decision=decision,
        received_at=timezone.now(),
        **kw,
    )


@pytest.fixture
def compared(tmp_path, users, notified):
    """Six notified items, five answered, and the platform's statements about each."""
    notices = {}
    for puid in ("same", "cat", "src", "act", "auto", "silent"):
        _item, notices[puid] = notified(puid)
    for puid in ("same", "cat", "src", "auto"):
        answer(users, notices[puid], "removed", is_automated=False)
    answer(users, notices["act"], "refused")
    rows = [
        statement(puid="same"),
        statement(puid="cat", category="STATEMENT_CATEGORY_PROTECTION_OF_MINORS"),
        statement(puid="src", source_type="SOURCE_ARTICLE_16"),
        statement(puid="act"),
        statement(puid="auto", automated_detection="Yes"),
        statement(puid="silent"),
        statement(puid="other-tf-1"),  # another trusted flagger's notice
        statement(puid="vol", source_type="SOURCE_VOLUNTARY"),
    ]
    imp = import_dump(bare_csv(tmp_path / "x.csv", rows))
    assert imp.statements_linked == 6
    return notices


def test_linked_statements_that_differ_say_what_differs(compared, users):
    found = {
        s.puid: {
            f for f in ("category", "action", "source", "automated") if vars(s)[f"{f}_differs"]
        }
        for s in queries.differences(users["auditor"])
    }
    assert found == {
        "cat": {"category"},
        "src": {"source"},
        "act": {"action"},
        "auto": {"automated"},
        "silent": {"action"},  # published as removed; told us nothing yet
    }


def test_no_one_without_the_statistics_role_sees_them(compared, users):
    assert not queries.differences(users["analyst"]).exists()
    assert queries.comparison(users["analyst"]) == []


def test_per_platform_and_month(compared, users, platform):
    [month] = queries.comparison(users["coordinator"])
    assert (month.platform, month.month.isoformat()) == (platform, "2026-11-01")
    assert (month.tdb_total, month.tdb_trusted_flagger, month.tdb_article_16) == (8, 6, 1)
    assert month.tdb_actions == {"removed": 6}
    assert (month.our_notices, month.our_items) == (6, 6)
    assert month.our_actions == {"removed": 4, "refused": 1, "pending": 1}
    assert not month.fewer_than_ours
    data = month.as_dict()
    assert data["month"] == "2026-11" and data["ours"]["actions"]["pending"] == 1


def test_fewer_trusted_flagger_statements_than_items_acted_on_is_flagged(tmp_path, users, notified):
    for puid in ("m1", "m2"):
        _item, notice = notified(puid)
        answer(users, notice, "removed")
    rows = [statement(puid="m1"), statement(puid="m2", source_type="SOURCE_ARTICLE_16")]
    import_dump(bare_csv(tmp_path / "x.csv", rows))
    [month] = queries.comparison(users["auditor"])
    assert (month.tdb_trusted_flagger, month.our_acted, month.fewer_than_ours) == (1, 2, True)


def test_a_month_without_imported_statements_is_never_flagged(users, notified):
    """The platform acted on our items, but no dump of that month was imported: nothing says
    it published fewer statements than it should."""
    for puid in ("n1", "n2"):
        _item, notice = notified(puid)
        answer(users, notice, "removed")
    [month] = queries.comparison(users["coordinator"])
    assert (month.tdb_total, month.our_acted) == (0, 2)
    assert not month.imported and not month.fewer_than_ours
    assert month.as_dict()["imported"] is False


def test_filters_by_platform_and_months(compared, users, platform):
    import datetime as dt

    from flagdesk.notices.tests.factories import make_platform

    other = make_platform(users, name="Other", domain="other.test")
    assert queries.comparison(users["auditor"], platform=other) == []
    assert queries.comparison(users["auditor"], since=dt.date(2026, 12, 1)) == []
    assert len(queries.comparison(users["auditor"], until=dt.date(2026, 11, 30))) == 1
    assert not queries.differences(users["auditor"], since=dt.date(2026, 12, 1)).exists()
