"""Decisions per item: the Transparency Database's fields, ``restricted`` as its own outcome
(never shown as removed), partial decisions and corrections that keep their history."""

from __future__ import annotations

import json
import uuid
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from flagdesk.accounts.services import issue_token
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.services import review_assessment, submit_assessment
from flagdesk.cases.transitions import IllegalTransition, transition
from flagdesk.core.errors import ValidationFailed
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.notices.models import ItemDecision, Notice, NoticeResponse
from flagdesk.notices.services import queue_notices, record_response
from flagdesk.notices.services.responses import ItemDecisionInput
from flagdesk.notices.tasks import send_outbox_row

from .factories import FACTS_ON, LEGAL_BASES, REASONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(users, platform, smtp_server):
    """One report of two URLs, both approved and notified in one sent notice."""
    submitted = submit_report(
        ReportSubmission(
            urls=["https://social.test/p/geo", "https://social.test/p/gone"],
            role="victim",
            phenomenon="ncii",
        )
    )
    for item in submitted.items:
        assessment = submit_assessment(
            item,
            actor=users["analyst"],
            verdict="illegal",
            phenomenon="ncii",
            legal_bases=LEGAL_BASES["ncii"],
            reasons=REASONS,
            facts_on=FACTS_ON,
        )
        review_assessment(assessment, actor=users["reviewer"], approve=True)
    items = list(Item.objects.filter(reports=submitted.report).order_by("created_at"))
    [notice] = queue_notices(items, actor=users["analyst"])
    send_outbox_row.call(str(notice.outbox.id))
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT
    return submitted, notice, items


def status_of(item: Item) -> str:
    return Item.objects.values_list("status", flat=True).get(pk=item.pk)


def decide(users, notice, *, items=None, **kwargs):
    kwargs.setdefault("received_at", timezone.now())
    return record_response(notice, actor=users["analyst"], kind="decision", items=items, **kwargs)


@pytest.fixture
def api(client, users):
    tokens: dict[str, str] = {}

    def call(method: str, path: str, body: object = None, *, role: str = "analyst", **headers):
        if role:
            tokens.setdefault(role, issue_token(users[role]))
            headers["Authorization"] = f"Bearer {tokens[role]}"
        if method == "get":
            return client.get(f"/api/v1{path}", headers=headers)
        return client.post(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", headers=headers
        )

    return call


# --- the service ---------------------------------------------------------------------------


def test_each_item_gets_its_own_decision_with_the_tdb_fields(users, reported):
    _, notice, [geo, gone] = reported
    response = decide(
        users,
        notice,
        items=[
            ItemDecisionInput(
                geo.id,
                "geo_blocked",
                ground="illegal",
                territorial_scope=(" be", "BE", "lu"),
                is_automated=False,
                redress="Appeal within six months at https://social.test/appeal.",
                statement_id="SOR-1",
            ),
            ItemDecisionInput(gone.id, "removed", ground="terms", is_automated=True),
        ],
    )
    assert (status_of(geo), status_of(gone)) == (Item.Status.RESTRICTED, Item.Status.REMOVED)
    geo_decision = ItemDecision.objects.get(item=geo)
    assert geo_decision.response == response and geo_decision.notice == notice
    assert geo_decision.territorial_scope == ["BE", "LU"]
    assert (geo_decision.ground, geo_decision.is_automated) == ("illegal", False)
    assert geo_decision.redress.startswith("Appeal") and geo_decision.statement_id == "SOR-1"
    assert geo_decision.decided_at == response.received_at and geo_decision.corrects is None
    assert ItemDecision.objects.get(item=gone).is_automated is True
    assert response.decision == ""  # the items were decided differently
    notice.refresh_from_db()
    assert notice.status == Notice.Status.DECIDED
    events = CaseEvent.objects.filter(kind=CaseEvent.Kind.DECISION).order_by("created_at")
    assert [(e.item_id, e.data["decision"]) for e in events] == [
        (geo.id, "geo_blocked"),
        (gone.id, "removed"),
    ]
    assert events[0].data["ground"] == "illegal" and events[0].data["corrects"] is None


def test_the_decision_for_all_applies_to_every_item_not_listed(users, reported):
    _, notice, [geo, gone] = reported
    decide(
        users,
        notice,
        decision="removed",
        ground="terms",
        statement_id="SOR-ALL",
        items=[ItemDecisionInput(geo.id, "demoted")],
    )
    assert (status_of(geo), status_of(gone)) == (Item.Status.RESTRICTED, Item.Status.REMOVED)
    assert ItemDecision.objects.get(item=gone).statement_id == "SOR-ALL"
    # a listed item's row stands on its own: it takes none of the fields given for all
    assert ItemDecision.objects.get(item=geo).ground == ""


def test_a_partial_decision_leaves_the_notice_open_until_every_item_is_decided(users, reported):
    _, notice, [geo, gone] = reported
    decide(users, notice, items=[ItemDecisionInput(gone.id, "removed")])
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT and notice.decided_at is None
    assert (status_of(geo), status_of(gone)) == (Item.Status.NOTIFIED, Item.Status.REMOVED)

    later = timezone.now()
    decide(users, notice, items=[ItemDecisionInput(geo.id, "refused")], received_at=later)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.DECIDED and notice.decided_at == later
    assert status_of(geo) == Item.Status.REFUSED


def test_restricted_is_never_removed(users, reported):
    _, notice, items = reported
    decide(users, notice, decision="restricted", territorial_scope=["EU"])
    assert {status_of(i) for i in items} == {Item.Status.RESTRICTED}
    assert not Item.objects.filter(status=Item.Status.REMOVED).exists()
    [scope] = set(tuple(d.territorial_scope) for d in ItemDecision.objects.all())
    assert len(scope) == 27 and "GR" in scope and "NO" not in scope  # EU, not EEA


def test_a_correction_is_a_new_decision_pointing_at_the_old_one(users, reported):
    _, notice, [geo, gone] = reported
    decide(users, notice, decision="removed")
    [first] = ItemDecision.objects.filter(item=geo)
    decide(
        users, notice, items=[ItemDecisionInput(geo.id, "geo_blocked", territorial_scope=("BE",))]
    )

    assert status_of(geo) == Item.Status.RESTRICTED and status_of(gone) == Item.Status.REMOVED
    old, new = ItemDecision.objects.filter(item=geo).order_by("created_at")
    assert old == first and old.decision == "removed"  # kept as it was
    assert new.corrects == old and new.decision == "geo_blocked"
    event = CaseEvent.objects.filter(item=geo, kind=CaseEvent.Kind.DECISION).last()
    assert event.data["corrects"] == str(old.id) and event.data["previous_decision"] == "removed"
    moves = CaseEvent.objects.filter(item=geo, kind=CaseEvent.Kind.STATUS).order_by("created_at")
    assert [(e.before, e.after) for e in moves][-2:] == [
        ("notified", "removed"),
        ("removed", "restricted"),
    ]


def test_a_refusal_can_be_reversed_after_a_complaint(users, reported):
    _, notice, [geo, gone] = reported
    decide(users, notice, decision="refused", statement="Not against our guidelines.")
    decide(users, notice, items=[ItemDecisionInput(gone.id, "removed", ground="illegal")])
    assert (status_of(geo), status_of(gone)) == (Item.Status.REFUSED, Item.Status.REMOVED)
    assert ItemDecision.objects.filter(item=gone).last().corrects.decision == "refused"
    assert NoticeResponse.objects.get(decision="refused").statement == "Not against our guidelines."


def test_a_decision_on_a_closed_item_is_refused_whole(users, reported):
    _, notice, [geo, gone] = reported
    decide(users, notice, decision="removed")
    transition(Item.objects.get(pk=gone.pk), Item.Status.CLOSED, actor=users["coordinator"])
    with pytest.raises(IllegalTransition):
        decide(users, notice, decision="restricted")
    assert ItemDecision.objects.count() == 2 and NoticeResponse.objects.count() == 1
    assert status_of(geo) == Item.Status.REMOVED


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"items": "unknown"}, "items.0.id"),
        ({"items": "twice"}, "items.1.id"),
        ({"items": [{"decision": "deleted"}]}, "items.0.decision"),
        ({"items": [{"decision": ""}]}, "items.0.decision"),
        ({"items": [{"ground": "morals"}]}, "items.0.ground"),
        ({"items": [{"territorial_scope": ("BE", "EL")}]}, "items.0.territorial_scope"),
        ({"items": [{"territorial_scope": ("US",)}]}, "items.0.territorial_scope"),
        ({"items": [{"statement_id": "x" * 501}]}, "items.0.statement_id"),
        ({"decision": "removed", "territorial_scope": ["XX"]}, "territorial_scope"),
        ({"decision": "removed", "ground": "other"}, "ground"),
        ({"kind": "acknowledgement", "items": [{}]}, "items"),
        ({"kind": "acknowledgement", "is_automated": False}, "automated"),
    ],
)
def test_invalid_decisions_name_the_field_and_record_nothing(users, reported, kwargs, field):
    _, notice, [geo, _gone] = reported
    if kwargs.get("items") == "unknown":
        kwargs["items"] = [ItemDecisionInput(uuid.uuid4(), "removed")]
    elif kwargs.get("items") == "twice":
        kwargs["items"] = [ItemDecisionInput(geo.id, "removed")] * 2
    elif "items" in kwargs:
        kwargs["items"] = [
            ItemDecisionInput(geo.id, **{"decision": "removed", **row}) for row in kwargs["items"]
        ]
    kwargs.setdefault("kind", "decision")
    with pytest.raises(ValidationFailed) as e:
        record_response(notice, actor=users["analyst"], received_at=timezone.now(), **kwargs)
    assert field in e.value.fields, e.value.fields
    assert not NoticeResponse.objects.exists() and not ItemDecision.objects.exists()


def test_greece_is_gr_and_the_message_says_so(users, reported):
    _, notice, [geo, _gone] = reported
    with pytest.raises(ValidationFailed) as e:
        decide(
            users,
            notice,
            items=[ItemDecisionInput(geo.id, "geo_blocked", territorial_scope=("EL",))],
        )
    assert "EL" in str(e.value.fields["items.0.territorial_scope"][0])
    assert "GR" in str(e.value.fields["items.0.territorial_scope"][0])


# --- the API -------------------------------------------------------------------------------


def test_api_records_decisions_per_item_and_shows_them(api, reported):
    submitted, notice, [geo, gone] = reported
    response = api(
        "post",
        f"/notices/{notice.id}/responses",
        {
            "kind": "decision",
            "received_at": "2026-01-05T10:00:00+01:00",
            "items": [
                {
                    "id": str(geo.id),
                    "decision": "geo_blocked",
                    "ground": "illegal",
                    "territorial_scope": ["BE"],
                    "automated": False,
                    "redress": "Internal complaint within six months.",
                    "statement_id": "SOR-77",
                },
                {"id": str(gone.id), "decision": "removed", "ground": "terms"},
            ],
        },
        role="intake",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["notice_status"] == "decided" and body["decision"] == ""
    first, second = body["items"]
    assert first["id"] == str(geo.id) and first["decision"] == "geo_blocked"
    assert first["territorial_scope"] == ["BE"] and first["automated"] is False
    assert first["statement_id"] == "SOR-77" and first["corrects"] is None
    assert first["decided_at"].startswith("2026-01-05T09:00:00")
    assert second["automated"] is None and second["statement_id"] is None

    item = api("get", f"/items/{geo.id}").json()
    assert item["status"] == "restricted"
    assert item["decision"] == {
        "id": first["decision_id"],
        "decision": "geo_blocked",
        "ground": "illegal",
        "territorial_scope": ["BE"],
        "automated": False,
        "redress": "Internal complaint within six months.",
        "statement_id": "SOR-77",
        "decided_at": item["decision"]["decided_at"],
        "corrects": None,
    }
    detail = api("get", f"/notices/{notice.id}").json()
    assert {i["id"]: i["decision"]["decision"] for i in detail["items"]} == {
        str(geo.id): "geo_blocked",
        str(gone.id): "removed",
    }

    # the reporter sees "restricted" for the geo-blocked URL, and the report is not "removed"
    public = api(
        "get",
        f"/reports/{submitted.report.reference}",
        role="",
        **{"X-Receipt-Code": submitted.receipt_code},
    ).json()
    assert public["status"] == "restricted"
    assert {i["url"]: i["status"] for i in public["items"]} == {
        geo.url: "restricted",
        gone.url: "removed",
    }


def test_api_correction_points_at_the_previous_decision(api, reported):
    _, notice, [geo, _gone] = reported
    url = f"/notices/{notice.id}/responses"
    first = api("post", url, {"kind": "decision", "decision": "refused"}).json()
    second = api(
        "post", url, {"kind": "decision", "items": [{"id": str(geo.id), "decision": "removed"}]}
    ).json()
    [corrected] = second["items"]
    previous = next(i for i in first["items"] if i["id"] == str(geo.id))
    assert corrected["corrects"] == previous["decision_id"]
    assert api("get", f"/items/{geo.id}").json()["decision"]["corrects"] == previous["decision_id"]


def test_api_item_decision_is_null_until_one(api, reported):
    _, _notice, [geo, _gone] = reported
    assert api("get", f"/items/{geo.id}").json()["decision"] is None


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([{"id": "UNKNOWN", "decision": "removed"}], "items.0.id"),
        (
            [{"id": "GEO", "decision": "removed"}, {"id": "GEO", "decision": "removed"}],
            "items.1.id",
        ),
        ([{"id": "GEO", "decision": "deleted"}], "items.0.decision"),
        (
            [{"id": "GEO", "decision": "restricted", "territorial_scope": ["EL"]}],
            "items.0.territorial_scope",
        ),
        ([{"id": "GEO", "decision": "removed", "ground": "taste"}], "items.0.ground"),
        ([{"id": "not-a-uuid", "decision": "removed"}], "items.0.id"),
    ],
)
def test_api_invalid_items_give_422_naming_the_field(api, reported, items, field):
    _, notice, [geo, _gone] = reported
    ids = {"UNKNOWN": str(uuid.uuid4()), "GEO": str(geo.id)}
    for row in items:
        row["id"] = ids.get(row["id"], row["id"])
    response = api("post", f"/notices/{notice.id}/responses", {"kind": "decision", "items": items})
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error
    assert not ItemDecision.objects.exists()


# --- the pages -----------------------------------------------------------------------------


def test_staff_record_a_decision_per_item_on_the_notice_page(client, users, reported):
    _, notice, [geo, gone] = reported
    client.force_login(users["analyst"])
    url = reverse("notices:notice-detail", args=[notice.id])
    page = client.get(url).content.decode()
    assert 'name="items-0-decision"' in page and 'name="items-1-territorial_scope"' in page
    response = client.post(
        url,
        {
            "kind": "decision",
            "decision": "removed",
            "received_at": "2026-01-05 10:00",
            "items-0-decision": "geo_blocked",
            "items-0-territorial_scope": "be, nl",
            "items-0-is_automated": "no",
            "items-0-statement_id": "SOR-9",
        },
    )
    assert response.status_code == 302, unescape(response.content.decode())
    assert (status_of(geo), status_of(gone)) == (Item.Status.RESTRICTED, Item.Status.REMOVED)
    geo_decision = ItemDecision.objects.get(item=geo)
    assert geo_decision.territorial_scope == ["BE", "NL"] and geo_decision.is_automated is False

    # a correction, shown with the decision it corrects
    client.post(
        url,
        {"kind": "decision", "received_at": "2026-01-06 10:00", "items-0-decision": "removed"},
    )
    assert status_of(geo) == Item.Status.REMOVED
    page = unescape(client.get(url).content.decode())
    assert "Correction of the decision “Geo-blocked”" in page

    item_page = unescape(client.get(reverse("cases:item-detail", args=[geo.id])).content.decode())
    assert "Platform's decision" in item_page and "Correction of the decision" in item_page


def test_a_bad_row_is_shown_on_its_row_and_nothing_is_recorded(client, users, reported):
    _, notice, _items = reported
    client.force_login(users["analyst"])
    url = reverse("notices:notice-detail", args=[notice.id])
    response = client.post(
        url,
        {
            "kind": "decision",
            "received_at": "2026-01-05 10:00",
            "items-1-decision": "geo_blocked",
            "items-1-territorial_scope": "BE, XX",
        },
    )
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert 'href="#id_items-1-territorial_scope">Item 2 · Territorial scope</a>: Unknown' in page
    assert not ItemDecision.objects.exists()


def test_a_row_with_details_but_no_decision_is_refused(client, users, reported):
    _, notice, _items = reported
    client.force_login(users["analyst"])
    url = reverse("notices:notice-detail", args=[notice.id])
    response = client.post(
        url,
        {"kind": "decision", "received_at": "2026-01-05 10:00", "items-0-statement_id": "SOR-1"},
    )
    assert response.status_code == 200
    assert "Choose this item&#x27;s decision" in response.content.decode()
    assert not NoticeResponse.objects.exists()


def test_a_recorded_decision_is_never_edited_or_deleted(users, reported):
    """A correction is a new decision pointing at the old one; the old one stays as it was."""
    _submitted, notice, items = reported
    decide(users, notice, decision="removed")
    decision = ItemDecision.objects.filter(item=items[0]).latest("created_at")
    decision.decision = "refused"
    with pytest.raises(TypeError):
        decision.save()
    with pytest.raises(TypeError):
        decision.delete()
    with pytest.raises(TypeError):
        ItemDecision.objects.filter(pk=decision.pk).update(decision="refused")
    assert ItemDecision.objects.get(pk=decision.pk).decision == "removed"
