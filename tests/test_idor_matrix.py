"""Other cases' ids (IDOR): every page and API endpoint that takes an object's id, called by
someone whose role may use it, with the id of an object out of their reach.

Out of reach means (docs/security.md, need-to-know): an object of a case restricted to other
staff; of a case involving a minor, for staff not cleared for such cases; another partner's
bank; a hash under another bank's name; another user's token or reset link; another report's
receipt code; another platform's notice. The answer must be the one an id that does not exist
gets (404 as a rule, ``not_found`` in the API): never a 200, nor a 403 that confirms the object
exists; and nothing is written (no ``report.revealed``, no download, no unblur...). Each probe
also proves that its request is valid: someone in reach makes it and gets its answer (carol,
named on the restricted case and cleared for minors' cases).

``CASE_PROBES`` (here) and ``OTHER_PROBES`` (``idor_other_probes.py``) are the tables;
``test_every_id_taking_route_is_probed`` fails when a route that takes an id has no probe.
Objects of no case (user accounts, platforms, staff's view of the hash banks, the legal bases)
are ``UNSCOPED_PROBES``: the role is the whole rule there, and the probe checks that an unknown
id answers as documented.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from flagdesk.accounts.models import User
from flagdesk.cases.tests.factories import REASONS
from flagdesk.matching.demo import picture_bytes
from tests.idor_other_probes import LIKE_UNKNOWN, OTHER_PROBES, UNSCOPED, UNSCOPED_PROBES
from tests.idor_world import (
    CASE,
    MINORS,
    RESTRICTED,
    Probe,
    Req,
    Target,
    api,
    extra_staff,
    page,
    put_out_of_reach,
    send,
)
from tests.matrix_world import (
    ASSESSORS,
    BANK_READERS,
    CASEWORK,
    REVIEWERS,
    ROLES,
    build_world,
    named_routes,
    written,
)

# Who is out of reach of a case restricted to carol, or involving a minor, by role.
OUTSIDERS = {
    RESTRICTED: {
        "analyst": ["alice"],
        "reviewer": ["bob"],
        "coordinator": ["cora"],
        "intake": ["dave"],
        "admin": ["erin"],
        "auditor": ["frank"],
    },
    MINORS: {
        "analyst": ["uma"],
        "coordinator": ["una"],
        "intake": ["dave"],
        "admin": ["erin"],
        "auditor": ["frank"],
    },
}


ASSESSMENT = {
    "verdict": "illegal",
    "phenomenon": "ncii",
    "legal_bases": ["BE-CC-417/9"],
    "reasons": REASONS,
    "content_types": ["image"],
    "facts_on": "2025-11-03",
}
WHY = {"reason": "Call the reporter back about the second link."}
PICTURE = {"file": picture_bytes()}
HELD = {"is_held": "on", "reason": "Criminal proceedings are running."}
ANSWER = {"kind": "acknowledgement", "received_at": "2026-12-01T10:00"}
ITEMS = {"item_ids": ["{id}"]}
EXPORT = {"report": ["{id}"], "action": "export", "reason": "Request by mail of 1 December."}
TO_REPORTER = {"kind": "staff", "subject": "Your report", "text": "Thank you.", "action": "send"}


def _access(t: Target) -> dict[str, Any]:
    staff = [t.users["coordinator"].pk, t.users["analyst"].pk]
    return {"staff": staff, "reason": "The victim is a colleague of ours."}


def _contact(t: Target) -> dict[str, str]:
    at = timezone.localtime() - dt.timedelta(hours=1)
    return {"at": at.strftime("%Y-%m-%d %H:%M"), "channel": "phone", "direction": "outgoing"}


MERGE_WHY = "The same victim and the same pictures."


def _merge_from_world(t: Target) -> dict[str, str]:
    """Merge the world's waiting case (in everyone's reach) into the case out of reach."""
    return {
        "reference": t.world.waiting.case.reference,
        "reason": MERGE_WHY,
        "confirm_access": "on",
    }


def _merge_naming(t: Target) -> Req:
    """The world's waiting case (in reach), merging in the case out of reach by its reference."""
    url = reverse("cases:case-merge", kwargs={"case_id": str(t.world.waiting.case_id)})
    reference = t.case.reference
    data = {"reference": reference, "reason": MERGE_WHY, "confirm_access": "on"}
    return Req("page", "POST", url, reference, data, unknown_key="C-0000-0000")


def _split(t: Target) -> dict[str, Any]:
    second = t.pair_case.items.order_by("created_at").last()
    return {"items": [str(second.pk)], "reason": MERGE_WHY}


def _task_for_carol(t: Target) -> dict[str, Any]:
    return {"title": "Call the reporter back", "assignee": t.users["coordinator"].pk}


def _bank_add(t: Target) -> dict[str, str]:
    return {"bank": t.world.match.entry.bank.slug}


def _answered_by_mail(t: Target) -> Req:
    reference = t.notice.reference
    data = {"notice_reference": reference, "kind": "acknowledgement"}
    req = page("POST", "notices:mail-detail", reference, data, mail_id=str(t.world.mail.id))
    return replace(req, unknown_key="N-0000-0000")


def _bundle_naming(kind: str) -> Any:
    """The court bundle of the world's notified case (in reach), narrowed with ``?item=`` to
    the captured item of a case out of reach (``own``: to the notified item itself)."""

    def make(t: Target, *, own: bool = False) -> Req:
        case_id = str(t.world.notified.case_id)
        key = str((t.world.notified if own else t.captured_item).id)
        if kind == "api":
            return api("GET", f"/cases/{case_id}/bundle?item={key}", key)
        url = reverse("monitoring:case-bundle", kwargs={"case_id": case_id})
        return Req("page", "POST", url, key, {"item": key, **WHY})

    return make


def _assess_together(t: Target) -> Req:
    """The ids in the query string: the form lists the items it would assess."""
    key = str(t.item.pk)
    return Req("page", "GET", f"{reverse('workbench:bulk-assess')}?ids={key}", key)


def _facts(method: str, body: Any = None) -> Any:
    """The API names a case by its reference, not its id."""

    def make(t: Target) -> Req:
        reference = t.case.reference
        path = f"/cases/{reference}/facts"
        return api(method, path, reference, body, unknown_key="C-0000-0000")

    return make


# Objects of a case: restricted to carol, then involving a minor.
# fmt: off
CASE_PROBES: dict[tuple[str, str], Probe] = {
    ("cases:item-detail", "GET"): Probe(CASEWORK, 200, "item"),
    ("cases:item-assess", "GET"): Probe(ASSESSORS, 200, "item"),
    ("cases:item-assess", "POST"): Probe(ASSESSORS, 302, "item", ASSESSMENT, writes=True),
    ("cases:item-platform", "POST"): Probe(
        ASSESSORS, 302, "homeless_item", {"platform": "social"}, writes=True
    ),
    ("cases:item-identifiers", "POST"): Probe(ASSESSORS, 302, "item", {"post_id": "42"}, True),
    ("cases:report-reveal", "GET"): Probe(CASEWORK, 200, "report"),
    ("cases:report-reveal", "POST"): Probe(CASEWORK, 200, "report", WHY, writes=True),
    ("cases:assessment-review", "GET"): Probe(REVIEWERS, 200, "assessment"),
    ("cases:assessment-review", "POST"): Probe(
        REVIEWERS, 302, "assessment", {"decision": "approve"}, writes=True
    ),
    ("cases:case-access", "GET"): Probe(REVIEWERS, 200, "case"),
    ("cases:case-access", "POST"): Probe(REVIEWERS, 302, "case", _access, writes=True),
    ("cases:case-legal-hold", "GET"): Probe({"coordinator"}, 200, "case"),
    ("cases:case-legal-hold", "POST"): Probe({"coordinator"}, 302, "case", HELD, writes=True),
    # The case page, merging, splitting, notes and tasks.
    ("cases:case-detail", "GET"): Probe(CASEWORK, 200, "case"),
    ("cases:case-merge", "GET"): Probe(ASSESSORS, 200, "case"),
    ("cases:case-merge", "POST"): Probe(ASSESSORS, 302, "case", _merge_from_world, True),
    ("cases:case-merge", "POST, a case out of reach named in the body"): Probe(
        ASSESSORS, 302, request=_merge_naming, writes=True
    ),
    ("cases:case-split", "GET"): Probe(ASSESSORS, 200, "pair_case"),
    ("cases:case-split", "POST"): Probe(ASSESSORS, 302, "pair_case", _split, writes=True),
    ("cases:case-note", "POST"): Probe(CASEWORK, 302, "case", {"text": "Called back."}, True),
    ("cases:case-task", "POST"): Probe(CASEWORK, 302, "case", _task_for_carol, writes=True),
    ("cases:task-done", "POST"): Probe(CASEWORK, 302, "task", {"done": "1"}, writes=True),
    # The facts for the statistics: the form's page and its POST, the API by reference.
    ("cases:case-facts", "GET"): Probe(ASSESSORS, 200, "case"),
    ("cases:case-facts", "POST"): Probe(ASSESSORS, 302, "case", {"victim_age": "30"}, True),
    ("api:get_case_facts", "GET"): Probe(CASEWORK, 200, request=_facts("GET")),
    ("api:put_case_facts", "PUT"): Probe(
        ASSESSORS, 200, request=_facts("PUT", {"victim_age": 30}), writes=True
    ),
    ("api:get_item", "GET"): Probe(CASEWORK, 200, "item"),
    ("api:update_item", "PATCH"): Probe(
        ASSESSORS, 200, "item", {"identifiers": {"post_id": "42"}}, writes=True
    ),
    ("api:create_assessment", "POST"): Probe(ASSESSORS, 201, "item", ASSESSMENT, writes=True),
    ("api:review", "POST"): Probe(REVIEWERS, 201, "assessment", {"approve": True}, True),
    # Who works on an item (nobody has it yet: releasing it writes nothing).
    ("api:claim", "POST"): Probe(CASEWORK, 200, "item", writes=True),
    ("api:release", "POST"): Probe(CASEWORK, 200, "item"),
    ("api:assign", "POST"): Probe(REVIEWERS, 200, "item", {"user": "carol"}, writes=True),
    # The workbench: ids in the body (claim, the bulk toolbar) or the query (assess together).
    ("workbench:claim", "POST"): Probe(CASEWORK, 302, "item", {"item_id": "{id}"}, writes=True),
    ("workbench:bulk", "POST"): Probe(
        CASEWORK, 302, "item", {**ITEMS, "action": "claim"}, writes=True
    ),
    ("workbench:bulk-assess", "GET"): Probe(ASSESSORS, 200, request=_assess_together),
    ("workbench:bulk-assess", "POST"): Probe(
        ASSESSORS, 302, "item", {**ASSESSMENT, "ids": ["{id}"]}, writes=True
    ),
    # Hashes, matches, evidence.
    ("matching:item-hash", "GET"): Probe(CASEWORK, 200, "item"),
    ("matching:item-hash", "POST"): Probe(CASEWORK, 302, "item", PICTURE, writes=True),
    ("matching:item-bank-add", "GET"): Probe(ASSESSORS, 200, "item"),
    ("matching:item-bank-add", "POST"): Probe(ASSESSORS, 302, "matched_item", _bank_add, True),
    ("matching:match-thumbnail", "GET"): Probe(BANK_READERS, 200, "match"),
    ("matching:match-unblur", "POST"): Probe(ASSESSORS, 302, "match", writes=True),
    ("matching:match-assess", "POST"): Probe(ASSESSORS, 302, "prefilled_match", writes=True),
    # Joining the known case: refused (nothing written) when carol's restricted case would
    # move into an open one, done when the case involves a minor.
    ("matching:match-move", "POST"): Probe(ASSESSORS, 302, "match"),
    ("matching:file-download", "POST"): Probe(ASSESSORS, 200, "media_file", WHY, writes=True),
    ("api:upload_item_media", "POST"): Probe(CASEWORK, 201, "item", PICTURE, writes=True),
    ("api:item_match_list", "GET"): Probe(ASSESSORS, 200, "matched_item"),
    # Re-checks and evidence captures.
    ("monitoring:item-check", "POST"): Probe(CASEWORK, 302, "item", writes=True),
    # Forwarding an item's case to a partner.
    ("partners:item-forward", "GET"): Probe(ASSESSORS, 200, "item"),
    ("monitoring:item-capture", "POST"): Probe(ASSESSORS, 302, "item", writes=True),
    ("monitoring:item-confirm", "POST"): Probe(
        ASSESSORS, 302, "gone_item", {"decision": "gone"}, writes=True
    ),
    ("monitoring:file-preview", "GET"): Probe(ASSESSORS, 200, "screenshot"),
    ("monitoring:file-reveal", "POST"): Probe(ASSESSORS, 302, "screenshot", writes=True),
    ("monitoring:file-download", "POST"): Probe(ASSESSORS, 200, "screenshot", WHY, writes=True),
    ("monitoring:case-bundle", "POST"): Probe(ASSESSORS, 200, "bundled_case", WHY, writes=True),
    ("api:list_checks", "GET"): Probe(CASEWORK, 200, "gone_item"),
    ("api:queue_check", "POST"): Probe(CASEWORK, 202, "item", writes=True),
    ("api:list_captures", "GET"): Probe(CASEWORK, 200, "captured_item"),
    ("api:queue_evidence", "POST"): Probe(ASSESSORS, 202, "item", writes=True),
    ("api:case_bundle", "GET"): Probe(ASSESSORS, 200, "bundled_case", writes=True),
    # A case in reach, its bundle narrowed to an item out of reach (of another case).
    ("monitoring:case-bundle", "POST, an item out of reach in item="): Probe(
        ASSESSORS, 200, request=_bundle_naming("page"),
        control=lambda t: _bundle_naming("page")(t, own=True), writes=True,
    ),
    ("api:case_bundle", "GET, an item out of reach in ?item="): Probe(
        ASSESSORS, 200, request=_bundle_naming("api"),
        control=lambda t: _bundle_naming("api")(t, own=True), writes=True,
    ),
    # Notices, their follow-through, the answers mailbox.
    ("notices:notice-detail", "GET"): Probe(CASEWORK, 200, "notice"),
    ("notices:notice-detail", "POST"): Probe(CASEWORK, 302, "notice", ANSWER, writes=True),
    ("notices:follow-up", "POST"): Probe(ASSESSORS, 302, "notice", {"kind": "reminder"}, True),
    ("notices:approve", "POST"): Probe(REVIEWERS, 302, "dsc", writes=True),
    ("notices:submitted", "POST"): Probe(
        ASSESSORS, 302, "web_form_notice", {"platform_reference": "T-1"}, writes=True
    ),
    ("notices:lodged", "POST"): Probe(
        {"coordinator"}, 302, "approved_dsc", {"dsc_reference": "DSC-1"}, writes=True
    ),
    ("notices:document", "GET"): Probe(CASEWORK, 200, "dsc"),
    ("notices:mail-detail", "GET"): Probe(CASEWORK, 200, "mail"),
    ("notices:mail-detail", "POST"): Probe(
        CASEWORK, 302, "mail", {"action": "set_aside"}, writes=True
    ),
    ("api:notice_detail", "GET"): Probe(CASEWORK, 200, "notice"),
    ("api:record_response", "POST"): Probe(
        CASEWORK, 201, "notice", {"kind": "acknowledgement"}, writes=True
    ),
    ("api:create_follow_up", "POST"): Probe(ASSESSORS, 201, "notice", {"kind": "reminder"}, True),
    ("api:get_follow_up", "GET"): Probe(
        CASEWORK, 200, {"notice_id": "notice", "follow_up_id": "dsc"}
    ),
    ("api:approve_follow_up", "POST"): Probe(REVIEWERS, 200, "dsc", writes=True),
    ("api:submitted_by_hand", "POST"): Probe(
        ASSESSORS, 200, "web_form_notice", {"platform_reference": "T-1"}, writes=True
    ),
    ("api:dsc_lodged", "POST"): Probe(
        {"coordinator"}, 200, "approved_dsc", {"dsc_reference": "DSC-1"}, writes=True
    ),
    # Ids in the body: the items to notify.
    ("api:notice_preflight", "POST"): Probe(ASSESSORS, 200, "approved", ITEMS),
    ("api:queue_notices", "POST"): Probe(ASSESSORS, 201, "approved", ITEMS, writes=True),
    ("notices:notice-send", "POST"): Probe(ASSESSORS, 302, "approved", ITEMS, writes=True),
    # A mail in reach, recorded as the answer to a notice out of reach.
    ("notices:mail-detail", "POST, a notice named in the body"): Probe(
        CASEWORK, 302, request=_answered_by_mail, writes=True
    ),
    # A data subject's reports, exported (GDPR art. 15) by a coordinator.
    ("intake:subject-request", "POST"): Probe({"coordinator"}, 200, "report", EXPORT, True),
    # A case's contact log: read, added to, a summary revealed (audited).
    ("intake:case-contacts", "GET"): Probe(CASEWORK, 200, "case"),
    ("intake:case-contacts", "POST"): Probe(CASEWORK, 302, "case", _contact, writes=True),
    ("intake:contact-reveal", "POST"): Probe(
        CASEWORK, 200, {"case_id": "case", "contact_id": "contact"}, WHY, writes=True
    ),
    # Mails to the case's reporters: write one (Action.REPORTER_WRITE), send a failed one
    # again, stop waiting for the answer to a request for more information.
    ("intake:reporter-write", "GET"): Probe(
        CASEWORK, 200, {"case_id": "case", "report_id": "report"}
    ),
    ("intake:reporter-write", "POST"): Probe(
        CASEWORK, 302, {"case_id": "case", "report_id": "report"}, TO_REPORTER, writes=True
    ),
    ("intake:reporter-mail-again", "POST"): Probe(
        CASEWORK, 302, {"case_id": "case", "reporter_mail_id": "failed_mail"}, writes=True
    ),
    ("intake:info-request-close", "POST"): Probe(
        CASEWORK, 302, {"case_id": "case", "info_request_id": "info_request"}, writes=True
    ),
}
# fmt: on
BODY_IDS = {
    "workbench:claim",
    "workbench:bulk",
    "workbench:bulk-assess",
    "api:notice_preflight",
    "api:queue_notices",
    "notices:notice-send",
    "intake:subject-request",
    "intake:report-status",
    "intake:report-bank-consent",
}
PROBES = CASE_PROBES | OTHER_PROBES | UNSCOPED_PROBES


# -- the tests ------------------------------------------------------------------------------


def id_taking_routes() -> set[str]:
    named = {name for name, pattern in named_routes() if pattern.pattern.converters}
    return named | BODY_IDS


def test_every_id_taking_route_is_probed():
    probed = {route for route, _ in PROBES}
    missing = id_taking_routes() - probed
    assert not missing, f"routes taking an id without a probe: {sorted(missing)}"
    stale = probed - id_taking_routes()
    assert not stale, f"probes of routes that take no id or no longer exist: {sorted(stale)}"


@pytest.fixture
def people(users: dict[str, User], settings: Any, tmp_path: Any) -> dict[str, User]:
    """Everyone by user name: the personas, the extra staff, and a second partner, otto."""
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    settings.MATCHING_EVIDENCE_DIR = tmp_path / "evidence"
    otto = User.objects.create_user("otto", email="otto@flagdesk.test", role="partner")
    return {u.username: u for u in [*users.values(), *extra_staff().values(), otto]}


def _outsiders(probe: Probe, scenario: str) -> tuple[str | None, ...]:
    if probe.outsiders:
        return probe.outsiders
    by_role = OUTSIDERS[scenario]
    return tuple(name for role in sorted(probe.roles) for name in by_role.get(role, []))


CASES = [(key, s) for key, probe in PROBES.items() for s in probe.scenarios if s != UNSCOPED]


@pytest.mark.parametrize(("key", "scenario"), CASES, ids=[f"{k[0]} {k[1]}: {s}" for k, s in CASES])
def test_out_of_reach(client, users, people, key, scenario):
    route, method = key[0], key[1].split(",")[0]  # ("route", "POST, what differs")
    probe = PROBES[key]
    target = Target(users, build_world(users))
    hidden = probe.make(route, method, target)
    control = probe.control(target) if probe.control else hidden
    if scenario in CASE:
        put_out_of_reach(target, scenario)
    outsiders = _outsiders(probe, scenario)
    assert outsiders, "nobody to try: the probe would prove nothing"
    before = written()
    got = {name: send(client, hidden, people.get(name or "")) for name in outsiders}
    unknown = {name: send(client, hidden.unknown(), people.get(name or "")) for name in outsiders}
    assert written() == before, f"{key} out of reach wrote something"
    assert got == unknown, "the answer tells an object out of reach from one that does not exist"
    if key not in LIKE_UNKNOWN:
        assert set(got.values()) == {(404, "not_found" if hidden.kind == "api" else "")}, got
    # Someone in reach makes the same request: it is a valid one.
    status, _ = send(client, control, people.get(probe.insider or ""))
    assert status == probe.ok, (key, probe.insider, status)
    if probe.writes:
        assert written() != before, f"{key} by {probe.insider} wrote nothing"


UNSCOPED_KEYS = sorted(UNSCOPED_PROBES)


@pytest.mark.parametrize("key", UNSCOPED_KEYS, ids=[f"{k[0]} {k[1]}" for k in UNSCOPED_KEYS])
def test_unknown_ids_of_unscoped_objects(client, users, people, key):
    """The role is the whole rule: the object opens, and an unknown id answers as documented."""
    probe = UNSCOPED_PROBES[key]
    req = probe.make(key[0], key[1], Target(users, build_world(users)))
    user = people[probe.insider or ""]
    status, code = probe.unknown
    assert send(client, req.unknown(), user) == (status, code or _not_found(req)), key
    assert send(client, req, user)[0] == probe.ok, key


def _not_found(req: Req) -> str:
    return "not_found" if req.kind == "api" else ""


def test_the_outsiders_exist_and_are_who_the_table_says(people):
    """The table's outsiders have the role it files them under, and only carol is cleared
    and named among the coordinators (a wrong persona would make a probe prove nothing)."""
    for names in OUTSIDERS.values():
        for role, usernames in names.items():
            assert {people[u].role for u in usernames} == {role}
    assert not any(people[u].minors_clearance for n in OUTSIDERS[MINORS].values() for u in n)
    assert set(ROLES) >= {p.role or "none" for p in people.values()}


@pytest.mark.parametrize("scenario", CASE)
def test_the_mail_list_leaves_out_mails_about_cases_out_of_reach(client, users, people, scenario):
    """The triage list, like the mail's page: a mail about a notice out of reach is not
    listed (it quotes its case), a mail about no notice yet is, for a person to match."""
    target = Target(users, build_world(users))
    hidden = target.mail
    put_out_of_reach(target, scenario)
    unmatched = target.world.mail
    for name, listed in ((OUTSIDERS[scenario]["intake"][0], False), ("carol", True)):
        client.force_login(people[name])
        page_text = client.get(reverse("notices:mail-list"), {"all": "1"}).content.decode()
        assert (str(hidden.id) in page_text) is listed, name
        assert str(unmatched.id) in page_text, name
