"""``flagdesk demo``: fictional data through the real services, loaded once, reported twice."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from flagdesk.accounts.models import ApiToken, TotpDevice, User
from flagdesk.accounts.services import add_user, user_for_token
from flagdesk.audit.services import verify_chain
from flagdesk.cases.models import Assessment, CaseEvent, Item, Review
from flagdesk.intake.models import Report
from flagdesk.notices.models import Notice, NoticeResponse
from flagdesk.organisation.services import current_organisation
from flagdesk.platforms.models import Platform
from flagdesk.site.demo import (
    DEMO_DEVICE,
    EQUALITY_PHENOMENA,
    ORG_NAME,
    PERSONAS,
    PLATFORMS,
    REPORTS,
    demo_password,
    demo_totp_key,
)
from flagdesk.site.management.commands.demo import _base32

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_dns(settings: Any) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    settings.BASE_URL = "http://127.0.0.1:8123"


def demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (User, Platform, Report, Item, Assessment, Review, CaseEvent, Notice, ApiToken)
    return {m.__name__: m.objects.count() for m in models}


def test_demo_loads_every_state_through_the_services() -> None:
    output = demo()

    statuses = sorted(Item.objects.values_list("status", flat=True))
    for status in ("new", "awaiting_review", "assessing", "approved", "not_illegal"):
        assert status in statuses, status
    assert "removed" in statuses
    assert Item.objects.filter(platform__isnull=True).count() == 1  # unknown-board.example
    assert Report.objects.count() == len(REPORTS)
    # the repeated Chirp URL joined the open item instead of opening a second one
    assert Item.objects.filter(url__startswith="https://chirp.example/demo_account/").count() == 1
    # two notices wait for the worker; their items stay approved until sent
    assert Notice.objects.filter(status=Notice.Status.QUEUED).count() == 2
    assert Item.objects.filter(status="approved", notices__status="queued").count() == 2
    assert Notice.objects.filter(status=Notice.Status.DECIDED).count() == 1
    assert NoticeResponse.objects.filter(decision="removed").count() == 1
    # The demo's fictional platforms, plus the shipped registry (no channel: by hand).
    import json

    from flagdesk.platforms.services import SEED

    shipped = json.loads(SEED.read_text())["platforms"]
    assert Platform.objects.count() == len(PLATFORMS) + len(shipped)
    ours = Platform.objects.filter(name__in=[p.name for p in PLATFORMS])
    assert all(p.notice_address.startswith("dsa-notices@") for p in ours.exclude(name="ForumHub"))
    forum = Platform.objects.get(name="ForumHub")
    assert [c.kind for c in forum.channels.all()] == ["webform"]
    from flagdesk.notices.models import InboundMail

    assert sorted(InboundMail.objects.values_list("state", flat=True)) == [
        "applied",
        "needs_review",
    ]
    # A case of two items with a note, and an open task for the demo analyst.
    from flagdesk.cases.models import CaseNote, Task
    from flagdesk.cases.queries import my_tasks

    [task] = my_tasks(User.objects.get(username="alice"))
    assert task.case.items.count() == 2 and CaseNote.objects.filter(case=task.case).exists()
    assert Task.objects.count() == 1
    org = current_organisation()
    assert org.name == ORG_NAME
    assert org.designated_phenomena(on=org.designations.get().designated_on) == set(
        EQUALITY_PHENOMENA
    )
    assert verify_chain().is_intact

    for username, role in PERSONAS.items():
        user = User.objects.get(username=username)
        assert user.check_password(demo_password(username)) and user.role == role
        assert f"{username}" in output and demo_password(username) in output
        # The second factor, as the demo prints it: a key per user and `demo --code`.
        assert _base32(demo_totp_key(username)) in output
        assert TotpDevice.objects.filter(user=user, name=DEMO_DEVICE, confirmed=True).exists()
    assert "flagdesk demo --code alice" in output
    token = output.strip().splitlines()[-1].split()[-1]
    assert user_for_token(token) == User.objects.get(username="pat")
    assert "http://127.0.0.1:8123/report" in output
    assert "http://127.0.0.1:8123/login" in output


def test_a_demo_user_logs_in_with_the_printed_code(client) -> None:
    call_command("demo", stdout=io.StringIO())
    code = io.StringIO()
    call_command("demo", "--code", "alice", stdout=code)
    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": demo_password("alice")}
    )
    response = client.post(response["Location"], {"code": code.getvalue().strip()})
    assert response["Location"] == reverse("workbench:queue")
    assert client.get(reverse("workbench:queue")).status_code == 200


def test_codes_are_printed_for_demo_accounts_only() -> None:
    call_command("demo", stdout=io.StringIO())
    User.objects.create_user("real-colleague", password="x", role="analyst")
    with pytest.raises(CommandError, match="no demo authenticator"):
        call_command("demo", "--code", "real-colleague", stdout=io.StringIO())


def test_second_run_changes_nothing_and_says_so() -> None:
    demo()
    before = counts()

    output = demo()

    assert counts() == before
    assert "already loaded" in output
    assert demo_password("alice") in output
    assert "fdk_" not in output  # the token is shown once


def test_refuses_a_database_with_conflicting_names() -> None:
    add_user("bob", role="admin")

    with pytest.raises(CommandError, match="bob"):
        demo()

    assert not Platform.objects.exists()
