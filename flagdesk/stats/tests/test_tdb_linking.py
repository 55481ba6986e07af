"""Linking a statement to our notice: the puid's three sources, and the rule on dates and
source type, with the reason kept when a statement does not fit."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from flagdesk.cases.services import set_item_identifiers
from flagdesk.core.errors import ValidationFailed
from flagdesk.notices.services import record_response
from flagdesk.platforms.services import update_facts
from flagdesk.stats.models import TdbStatement
from flagdesk.stats.tdb.importing import import_dump
from flagdesk.stats.tdb.linking import judge

from .tdb_dumps import bare_csv, statement

pytestmark = pytest.mark.django_db
L = TdbStatement.Link


def imported(tmp_path, *rows) -> list[TdbStatement]:
    path = bare_csv(tmp_path / f"dump-{len(list(tmp_path.iterdir()))}.csv", rows)
    imp = import_dump(path)
    assert imp.status == "done", imp.error
    return list(TdbStatement.objects.filter(tdb_import=imp).order_by("puid"))


@pytest.mark.parametrize(
    ("applied", "source", "link"),
    [
        ("2026-11-02", "SOURCE_TRUSTED_FLAGGER", L.LINKED),  # the day it was sent
        ("2026-11-01", "SOURCE_TRUSTED_FLAGGER", L.LINKED),  # a day early: time zones
        ("2026-10-31", "SOURCE_TRUSTED_FLAGGER", L.BEFORE),
        ("2027-01-31", "SOURCE_ARTICLE_16", L.LINKED),  # 90 days later
        ("2027-02-01", "SOURCE_TRUSTED_FLAGGER", L.LATE),
        ("2026-11-03", "SOURCE_VOLUNTARY", L.SOURCE),
        ("2026-11-03", "SOURCE_TYPE_OTHER_NOTIFICATION", L.SOURCE),
    ],
)
def test_the_linking_rule(tmp_path, notified, applied, source, link):
    item, notice = notified("fit1")
    [s] = imported(tmp_path, statement(puid="fit1", application_date=applied, source_type=source))
    assert s.link == link
    assert s.item_id == item.pk
    assert s.notice_id == notice.pk


def test_the_window_follows_the_setting(tmp_path, notified, settings):
    settings.TDB_LINK_DAYS = 10
    notified("win1")
    [s] = imported(tmp_path, statement(puid="win1", application_date="2026-11-13"))
    assert s.link == L.LATE


def test_the_latest_fitting_notice_is_the_one_linked():
    """An item notified, then re-notified: the statement answers the latest notice before it."""
    first, second = uuid.uuid4(), uuid.uuid4()
    sent = [(first, dt.date(2026, 11, 2)), (second, dt.date(2026, 11, 20))]
    s = TdbStatement(source_type="SOURCE_TRUSTED_FLAGGER", application_date=dt.date(2026, 11, 21))
    assert judge(s, sent) == (L.LINKED, second)
    s.application_date = dt.date(2026, 11, 10)
    assert judge(s, sent) == (L.LINKED, first)


def test_an_item_without_a_sent_notice_is_kept_unlinked(tmp_path, users, platform):
    from flagdesk.notices.tests.factories import approved_item

    approved_item(users, url="https://social.test/p/nonotice")
    [s] = imported(tmp_path, statement(puid="nonotice"))
    assert (s.link, s.notice_id) == (L.NO_NOTICE, None)


def test_the_puid_from_the_items_identifiers(tmp_path, users, notified):
    item, _notice = notified("urlpuid")
    set_item_identifiers(item, actor=users["analyst"], changes={"puid": "told-us-7"})
    [s] = imported(tmp_path, statement(puid="told-us-7"))
    assert (s.item_id, s.puid_source, s.link) == (item.pk, "identifiers", L.LINKED)


def test_the_puid_from_the_platforms_answer(tmp_path, users, notified):
    item, notice = notified("x9")
    record_response(
        notice,
        actor=users["analyst"],
        kind="decision",
        decision="removed",
        statement_id="SOR_4471",
        received_at=timezone.now(),
    )
    [s] = imported(tmp_path, statement(puid="SOR_4471"))
    assert (s.item_id, s.puid_source, s.link) == (item.pk, "answer", L.LINKED)


def test_without_a_pattern_the_url_says_nothing(tmp_path, users, notified, platform):
    notified("nopat")
    platform.puid_pattern = ""
    platform.save()
    assert imported(tmp_path, statement(puid="nopat")) == []


def test_an_identifier_puid_must_look_like_the_databases(users, notified):
    item, _notice = notified("v1")
    with pytest.raises(ValidationFailed) as e:
        set_item_identifiers(item, actor=users["analyst"], changes={"puid": "a b/c"})
    assert "identifiers.puid" in e.value.fields


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (r"^https://x\.test/(?P<id>\d+)", "puid"),
        (r"^https://x\.test/(?P<puid>[a-z+", "regular expression"),
        (r"^https://x\.test/(?P<puid>(a+)+)", "Repetitions"),
        ("^" + "a" * 400 + "(?P<puid>.+)", "300"),
    ],
)
def test_the_registry_checks_the_content_id_pattern(users, platform, pattern, problem):
    with pytest.raises(ValidationFailed) as e:
        update_facts(platform, actor=users["coordinator"], puid_pattern=pattern)
    assert problem in str(e.value.fields["puid_pattern"])


def test_the_pattern_is_set_through_the_api_and_the_page(api, client, users, platform):
    good = r"^https://social\.test/watch/(?P<puid>[A-Za-z0-9_-]+)"
    response = api("coordinator").patch(f"/platforms/{platform.id}", {"puid_pattern": good})
    assert response.status_code == 200, response.content
    assert response.json()["puid_pattern"] == good
    refused = api("coordinator").patch(f"/platforms/{platform.id}", {"puid_pattern": "(x"})
    assert refused.status_code == 422
    assert "puid_pattern" in refused.json()["error"]["fields"]


def test_a_statement_kept_unlinked_is_linked_by_a_later_import(tmp_path, users, platform):
    """The platform acted before our notice left (the item reached it another way); once our
    notice is sent, the next import links the statement kept earlier, if it now fits."""
    from flagdesk.notices.tests.factories import approved_item, designate

    from .conftest import sent_notice

    designate(users, ["ncii"])
    item = approved_item(users, url="https://social.test/p/later1")
    [s] = imported(tmp_path, statement(puid="later1", application_date="2026-11-03"))
    assert s.link == L.NO_NOTICE
    notice = sent_notice(users, item, dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC))
    imported(tmp_path, statement())
    s.refresh_from_db()
    assert (s.link, s.notice_id) == (L.LINKED, notice.pk)
