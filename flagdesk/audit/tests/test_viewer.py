"""The audit trail's page and its exports, for auditors and coordinators only."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from flagdesk.audit.models import AuditEntry
from flagdesk.audit.services import record

pytestmark = pytest.mark.django_db

LIST, EXPORT = reverse("audit:entry-list"), reverse("audit:entry-export")


def make_entries(users) -> list[AuditEntry]:
    """Recorded after logging in: a login is audited too, and would come first otherwise."""
    return [
        record("report.revealed", actor=users["analyst"], target="report:r1", reason="case"),
        record("bank.export", actor=users["coordinator"], target="bank:partner-x"),
        record(
            "report.revealed",
            actor=users["reviewer"],
            target="report:r2",
            reason='=HYPERLINK("http://evil.test","click")',
        ),
        record("login.failed", actor=None, data={"username": "-@cmd"}),
    ]


def rows_of(html: str) -> list[str]:
    """The action of each row of the page's table, in order."""
    return re.findall(r"<td><code>([^<]+)</code></td>", html)


def newest_first() -> list[str]:
    return list(AuditEntry.objects.order_by("-seq").values_list("action", flat=True))


@pytest.mark.parametrize("role", ["auditor", "coordinator"])
def test_auditors_and_coordinators_read_the_trail(client, users, role):
    client.force_login(users[role])
    make_entries(users)
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert rows_of(html)[:4] == [
        "login.failed",
        "report.revealed",
        "bank.export",
        "report.revealed",
    ]
    assert rows_of(html) == newest_first()
    total = AuditEntry.objects.count()
    assert f"The chain is intact: {total} entries verified." in html
    assert f'href="{LIST}"' in html  # in the staff menu


@pytest.mark.parametrize("role", ["analyst", "admin", "intake", "reviewer", "partner", "none"])
def test_other_roles_are_refused(client, users, role):
    make_entries(users)
    client.force_login(users[role])
    assert client.get(LIST).status_code == 403
    assert client.get(EXPORT, {"format": "csv"}).status_code == 403
    assert not AuditEntry.objects.filter(action="audit.exported").exists()


def test_anonymous_visitors_go_to_the_login_page(client, users):
    make_entries(users)
    for url in (LIST, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_filters(client, users):
    client.force_login(users["auditor"])
    entries = make_entries(users)

    def actions(**query: str) -> list[str]:
        response = client.get(LIST, query)
        assert response.status_code == 200
        return rows_of(response.content.decode())

    assert actions(action="report.") == ["report.revealed", "report.revealed"]
    assert actions(actor="carol") == ["bank.export"]
    assert actions(target="report:r2") == ["report.revealed"]
    assert actions(since="2000-01-01", until="2000-12-31") == []
    today = timezone.localdate(entries[0].created_at).isoformat()  # the site's time zone
    assert actions(since=today, until=today) == newest_first()
    html = client.get(LIST, {"since": "03/12/2026"}).content.decode()
    assert "Write the date as year-month-day" in html and rows_of(html) == newest_first()


def test_the_list_is_paginated_newest_first(client, users):
    client.force_login(users["auditor"])
    for i in range(55):
        record("login", actor=users["analyst"], target=f"session:{i}")
    first = client.get(LIST).content.decode()
    assert first.count("session:") == 50 and "session:54" in first and "session:4<" not in first
    second = client.get(LIST, {"page": 2}).content.decode()
    assert "session:4<" in second and "session:0<" in second


def test_a_tampered_trail_is_shown_at_the_top(client, users):
    make_entries(users)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditEntry._meta.db_table} SET reason = 'x' WHERE seq = 2")
    client.force_login(users["auditor"])
    html = client.get(LIST).content.decode()
    assert "The audit trail was tampered with." in html
    assert "First bad entry: #2 (content was changed)." in html


def test_no_inline_script_or_style(client, users):
    make_entries(users)
    client.force_login(users["coordinator"])
    html = client.get(LIST).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "style=" not in html and "<style" not in html and " on" + "click=" not in html


def test_csv_export_neutralises_formulas_and_is_audited(client, users):
    make_entries(users)
    client.force_login(users["auditor"])
    response = client.get(EXPORT, {"format": "csv", "action": "report."})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["seq"] for r in rows] == ["3", "1"]
    assert rows[0]["reason"] == '\'=HYPERLINK("http://evil.test","click")'
    assert rows[0]["actor"] == "bob" and rows[0]["target"] == "report:r2"
    exported = AuditEntry.objects.get(action="audit.exported")
    assert exported.actor == users["auditor"]
    assert exported.data == {"format": "csv", "filters": {"action": "report."}}


def test_csv_cells_starting_like_formulas_all_get_a_quote(client, users):
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'quoted", "plain"):
        record("test.cell", actor=None, reason=text)
    client.force_login(users["coordinator"])
    response = client.get(EXPORT, {"format": "csv", "action": "test."})
    reasons = [r["reason"] for r in csv.DictReader(io.StringIO(response.getvalue().decode()))]
    expected = ["plain", "''quoted", "'\rx", "'\tx", "'@SUM(A1)", "'-1", "'+1", "'=1+1"]
    assert reasons == expected


def test_json_export(client, users):
    entries = make_entries(users)
    client.force_login(users["coordinator"])
    response = client.get(EXPORT, {"format": "json", "actor": "alice"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    [row] = json.loads(b"".join(response.streaming_content))
    assert row["seq"] == 1 and row["action"] == "report.revealed" and row["actor"] == "alice"
    assert row["entry_hash"] == entries[0].entry_hash and row["scheme"] == 2
    assert client.get(EXPORT, {"format": "xml"}).status_code == 404


def test_the_export_is_one_snapshot_and_keeps_the_chain_intact(client, users):
    client.force_login(users["auditor"])
    make_entries(users)
    before = AuditEntry.objects.count()
    response = client.get(EXPORT, {"format": "json"})
    record("login", actor=users["analyst"])  # while the download runs
    rows = json.loads(b"".join(response.streaming_content))
    assert [r["seq"] for r in rows] == list(range(before, 0, -1))
    html = client.get(LIST).content.decode()
    assert f"The chain is intact: {before + 2} entries verified." in html


def test_export_from_the_command_line(users, tmp_path):
    make_entries(users)
    out = io.StringIO()
    call_command(
        "audit_export", "--user", "frank", "--format", "csv", "--target", "bank:", stdout=out
    )
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert row["action"] == "bank.export"
    target = tmp_path / "audit.json"
    call_command("audit_export", "--user", "carol", "--format", "json", "-o", str(target))
    assert len(json.loads(target.read_text())) == 5  # the four, and the first export
    assert (target.stat().st_mode & 0o777) == 0o600
    assert AuditEntry.objects.filter(action="audit.exported").count() == 2
    with pytest.raises(CommandError, match="may not export the audit trail"):
        call_command("audit_export", "--user", "erin")
    with pytest.raises(CommandError, match="--since"):
        call_command("audit_export", "--user", "frank", "--since", "yesterday")
