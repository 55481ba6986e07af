"""The "Needs follow-up" and "Notice quality" pages and their API endpoints
(``GET /api/v1/notices?overdue=true``, ``GET /api/v1/platforms/quality``): who may open them,
what they show, and bad period input."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from flagdesk.accounts.models import User
from flagdesk.accounts.services import issue_token
from flagdesk.notices import outbox, sla
from flagdesk.notices.models import Notice
from flagdesk.notices.services import queue_notices, record_response
from flagdesk.platforms.channels import Delivery
from flagdesk.platforms.models import Platform

from .factories import approved_item

pytestmark = pytest.mark.django_db

OVERDUE_API = "/api/v1/notices?overdue=true"
QUALITY_API = "/api/v1/platforms/quality"


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)}"}


H = dt.timedelta(hours=1)
# The pages read the real clock: everything happened a month ago, so it is all overdue.
T0 = (timezone.now() - dt.timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
CASEWORK = ("intake", "analyst", "reviewer", "coordinator")
EVERYONE = (*CASEWORK, "admin", "auditor", "partner", "none", None)


def send(users: dict[str, User], *phenomena: str, at: dt.datetime) -> Notice:
    members = [approved_item(users, phenomenon=p) for p in phenomena]
    [notice] = queue_notices(members, actor=users["analyst"], now=at)
    row = outbox.claim(notice.outbox.id, worker="test", now=at)
    assert row is not None
    outbox.mark_sent(row, Delivery(reference=notice.message_id, sent_at=at))
    notice.refresh_from_db()
    return notice


def decide(
    users: dict[str, User], notice: Notice, decision: str, *, at: dt.datetime, statement: str = ""
) -> None:
    record_response(
        notice,
        actor=users["analyst"],
        kind="decision",
        decision=decision,
        received_at=at,
        statement=statement,
    )


def text(response) -> str:
    """What a reader sees: the page without tags, spaces collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def statuses(client, users, role, paths: Sequence[str]) -> list[int]:
    client.logout()
    if role:
        client.force_login(users[role])
    return [client.get(p).status_code for p in paths]


@pytest.mark.parametrize("role", EVERYONE)
def test_who_may_open_the_pages(client, users, platform, role):
    queue_page = reverse("notices:follow-up-queue")
    quality_page = reverse("notices:quality")
    assert queue_page == "/staff/notices/follow-up/"
    assert quality_page == "/staff/notices/quality/"
    queue_status, quality_status = statuses(client, users, role, [queue_page, quality_page])
    anonymous = 302  # to the login page
    assert queue_status == (200 if role in CASEWORK else 403 if role else anonymous)
    assert quality_status == (200 if role in (*CASEWORK, "auditor") else 403 if role else anonymous)


@pytest.mark.parametrize("role", EVERYONE)
def test_who_may_call_the_api_functions(client, users, platform, role):
    headers = bearer(users[role]) if role else {}
    overdue, quality = (
        client.get(p, headers=headers).status_code for p in (OVERDUE_API, QUALITY_API)
    )
    assert overdue == (200 if role in CASEWORK else 403 if role else 401)
    assert quality == (200 if role in (*CASEWORK, "auditor") else 403 if role else 401)


def test_the_empty_queue_says_there_is_nothing_to_do(client, users, platform):
    client.force_login(users["analyst"])
    response = client.get(reverse("notices:follow-up-queue"))
    assert response.status_code == 200
    page = text(response)
    assert "Nothing is overdue" in page
    assert "No refusal waits for a complaint" in page
    assert "No notice failed." in page
    assert "Nothing is stuck" in page


def test_the_queue_lists_overdue_refused_failed_and_stuck_notices(client, users, platform):
    overdue = send(users, "ncii", at=T0)  # due after 24 hours (no SLA set: the default)
    refused = send(users, "ncii", at=T0)
    decide(users, refused, "refused", at=T0 + 2 * H, statement="Not illegal.")
    [failed] = queue_notices([approved_item(users)], actor=users["analyst"], now=T0)
    outbox.give_up(failed.outbox, reason="550 5.7.1 Mailbox unknown", now=T0)
    [stuck] = queue_notices([approved_item(users)], actor=users["analyst"], now=T0)
    client.force_login(users["coordinator"])
    response = client.get(reverse("notices:follow-up-queue"))
    assert response.status_code == 200
    assert response.context["counts"] == {
        "overdue": 1,
        "still_online": 0,
        "open_to_complaint": 1,
        "failed": 1,
        "stuck": 1,
    }
    html = response.content.decode()
    for notice in (overdue, refused, failed, stuck):
        link = reverse("notices:notice-detail", kwargs={"notice_id": notice.id})
        assert f'href="{link}"' in html, notice.reference
    due = timezone.localtime(T0 + 24 * H)
    assert f'<time datetime="{due.isoformat()}">{due:%Y-%m-%d %H:%M}</time>' in html
    deadline = sla.add_months(T0 + 2 * H, 6)  # art. 20: six months after the refusal
    assert f'<time datetime="{deadline.isoformat()}">{deadline:%Y-%m-%d}</time>' in html
    page = text(response)
    assert "550 5.7.1 Mailbox unknown" in page
    assert "1 of 1" in page  # items undecided
    assert html.count('scope="col"') >= 4 * 5


def test_the_quality_page_shows_shares_times_the_warning_and_reasons(client, users, platform):
    for n in range(5):
        notice = send(users, "ncii", at=T0)
        record_response(notice, actor=users["intake"], kind="acknowledgement", received_at=T0 + H)
        if n < 2:
            decide(users, notice, "refused", at=T0 + (n + 2) * H, statement=f"Reason {n}: satire.")
    client.force_login(users["auditor"])
    response = client.get(reverse("notices:quality"))
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert (row.sent, row.items_refused, row.items_decided) == (5, 2, 2)
    page = text(response)
    assert "Social 5 100% 40% 100% (2 of 2) 0% 1.0 / 1.0 2.5 / 3.0 Many refusals" in page
    assert "art. 22(6) DSA" in page
    assert "Social · 2 refusals" in page
    assert page.index("Reason 1: satire.") < page.index("Reason 0: satire.")  # newest first
    html = response.content.decode()
    assert "<details" in html
    # An auditor may not open notices: the references are not links for them.
    assert not re.search(r'href="/staff/notices/[0-9a-f-]{36}/"', html)
    client.force_login(users["analyst"])
    html = client.get(reverse("notices:quality")).content.decode()
    assert re.search(r'href="/staff/notices/[0-9a-f-]{36}/"', html)


def test_the_quality_page_without_notices(client, users, platform):
    client.force_login(users["coordinator"])
    page = text(client.get(reverse("notices:quality")))
    assert "No notice has been sent yet" in page
    page = text(client.get(reverse("notices:quality"), {"since": "2020-01-01"}))
    assert "No notice was sent in this period" in page


def test_the_quality_period_filters_by_sending_day(client, users, platform):
    send(users, "ncii", at=T0)
    send(users, "ncii", at=T0 + 72 * H)
    client.force_login(users["coordinator"])
    later = timezone.localdate(T0 + 72 * H).isoformat()
    response = client.get(reverse("notices:quality"), {"since": later})
    [row] = response.context["rows"]
    assert row.sent == 1
    assert f'value="{later}"' in response.content.decode()
    response = client.get(reverse("notices:quality"), {"until": timezone.localdate(T0)})
    [row] = response.context["rows"]
    assert row.sent == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-13-45"}, "since"),
        ({"since": "03/04/2026"}, "since"),
        ({"until": "x" * 5000}, "until"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "until"),
    ],
)
def test_a_bad_period_is_a_message_not_an_error(client, users, platform, params, field):
    send(users, "ncii", at=T0)
    client.force_login(users["coordinator"])
    response = client.get(reverse("notices:quality"), params)
    assert response.status_code == 200
    page = text(response)
    assert "The period is not valid." in page
    assert "every notice sent, over all time" in page
    assert list(response.context["errors"]) == [field]
    assert f'aria-describedby="quality-{field}-error"' in response.content.decode()
    [row] = response.context["rows"]  # the figures without the period
    assert row.sent == 1


def test_overdue_json(client, users, platform):
    notice = send(users, "ncii", "ncii", at=T0)
    record_response(notice, actor=users["intake"], kind="acknowledgement", received_at=T0 + H)
    [row] = client.get(OVERDUE_API, headers=bearer(users["intake"])).json()
    due = T0 + 24 * H
    assert row == {
        "id": str(notice.id),
        "reference": notice.reference,
        "platform": "Social",
        "status": "acknowledged",
        "sent_at": row["sent_at"],
        "due_at": row["due_at"],
        "overdue_hours": row["overdue_hours"],
        "undecided_items": 2,
    }
    assert dt.datetime.fromisoformat(row["sent_at"].replace("Z", "+00:00")) == T0
    assert dt.datetime.fromisoformat(row["due_at"].replace("Z", "+00:00")) == due
    expected = (timezone.now() - due).total_seconds() / 3600
    assert row["overdue_hours"] == pytest.approx(expected, abs=0.1)


def test_quality_json(client, users, platform: Platform):
    for n in range(2):
        notice = send(users, "ncii", at=T0)
        decide(users, notice, "no_action" if n else "removed", at=T0 + (n + 1) * H, statement="No.")
    auditor = bearer(users["auditor"])
    [row] = client.get(QUALITY_API, headers=auditor).json()
    assert row["platform"] == "Social" and row["platform_id"] == str(platform.id)
    assert (row["notices_sent"], row["decided"], row["items_refused"]) == (2, 2, 1)
    assert (row["decided_share"], row["refused_share"], row["acknowledged_share"]) == (1, 0.5, 0)
    assert row["hours_to_decision"] == {"count": 2, "median": 1.5, "p90": 2.0}
    assert row["hours_to_acknowledgement"] == {"count": 0, "median": None, "p90": None}
    assert row["refusals"] == 1
    [reason] = row["refusal_reasons"]
    assert (reason["decisions"], reason["statement"], reason["truncated"]) == (
        ["no_action"],
        "No.",
        False,
    )
    assert (row["warning"], row["warning_reasons"]) == (False, [])  # two notices: too few
    assert client.get(QUALITY_API, {"since": "2099-01-01"}, headers=auditor).json() == []


def test_quality_json_refuses_a_bad_period(client, users, platform):
    response = client.get(
        QUALITY_API, {"since": "31/01/2026"}, headers=bearer(users["coordinator"])
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == ["since"]
