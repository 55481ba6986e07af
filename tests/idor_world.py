"""The world of the IDOR matrix (``test_idor_matrix.py``): objects of cases put out of someone's
reach, the staff beyond the personas who are then outside them, what a probe is, and how its
request is made and sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from flagdesk.accounts.models import User
from flagdesk.accounts.services import issue_token
from flagdesk.cases.models import Assessment, Case, Item
from flagdesk.cases.tests.factories import TEST_RESOLVER
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.matching.models import Match
from flagdesk.monitoring.models import CaptureFile
from flagdesk.monitoring.services.watches import request_check
from flagdesk.notices.models import InboundMail, Notice
from flagdesk.notices.services import queue_notices
from tests.matrix_world import (
    Call,
    World,
    approved_item,
    assessed_item,
    dsc_file,
    error_code,
    found_gone,
    known_match,
    mail_about,
    public_report,
    route_kwargs,
    screenshot_capture,
    sent_notice,
)

# Staff beyond the personas, so that every role has someone outside each case's scope:
# a cleared coordinator (for the coordinator-only pages of a case restricted to carol), and
# an analyst and a coordinator not cleared for cases involving minors.
EXTRA_STAFF = {
    "cora": ("coordinator", True),
    "uma": ("analyst", False),
    "una": ("coordinator", False),
}


def extra_staff() -> dict[str, User]:
    return {
        name: User.objects.create_user(
            name, email=f"{name}@flagdesk.test", password="x", role=role, minors_clearance=cleared
        )
        for name, (role, cleared) in EXTRA_STAFF.items()
    }


class Target:
    """Objects beyond the world, each made on first use (so a test pays only for what it
    needs): an item reported with the reporter's contact, an assessment waiting for review,
    an approved item, a sent notice with its DSC file and a mail about it, a notice waiting
    to be submitted by hand, a match and a kept evidence file of the item, the item's
    re-check that found it gone and its captured screenshot, Pat's bank. The IDOR matrix then
    puts their cases out of someone's reach; the write matrix uses them as they are."""

    def __init__(self, users: dict[str, User], world: World) -> None:
        self.users = users
        self.world = world
        self._made: dict[str, Any] = {}

    def _once(self, name: str, make: Any) -> Any:
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    @property
    def item(self) -> Item:
        def make() -> Item:
            submitted = public_report(
                "https://social.test/hidden/item",
                is_anonymous=False,
                reporter_name="Test Reporter",
                reporter_email="reporter@example.test",
                has_consented=True,
                description="What happened, in the reporter's words.",
            )
            return submitted.items[0]

        return self._once("item", make)

    @property
    def report(self) -> Any:
        return self.item.reports.get()

    @property
    def case(self) -> Any:
        return self.item.case

    @property
    def contact(self) -> Any:
        """An entry of the item's case's contact log, with a summary to reveal."""

        def make() -> Any:
            from flagdesk.intake.models import ContactEntry

            return ContactEntry.objects.create(
                case=self.item.case,
                at=timezone.now(),
                channel="phone",
                direction="outgoing",
                summary="Called the reporter back.",
                author=self.users["intake"],
            )

        return self._once("contact", make)

    @property
    def failed_mail(self) -> Any:
        """A mail staff wrote to the item's reporter, which the mail server refused: it may
        be sent again."""
        from flagdesk.intake.models import ReporterMail
        from flagdesk.intake.reporter_updates import write_to_reporter

        def make() -> Any:
            mail = write_to_reporter(
                self.report, actor=self.users["intake"], kind="staff", subject="S", text="Hello."
            )
            # As the outbox leaves a mail the server refused (5xx): failed, its body erased.
            ReporterMail.objects.filter(pk=mail.pk).update(
                status=ReporterMail.Status.FAILED, body="", last_error="SMTP 550"
            )
            return mail

        return self._once("failed mail", make)

    @property
    def info_request(self) -> Any:
        """A request for more information to the item's reporter, still waiting."""
        from flagdesk.intake.reporter_updates import write_to_reporter

        def make() -> Any:
            mail = write_to_reporter(
                self.report,
                actor=self.users["intake"],
                kind="needs_info",
                subject="S",
                text="Which account posted it?",
            )
            return mail.info_request

        return self._once("info request", make)

    @property
    def matched_item(self) -> Item:
        """The item, with the media hashes of its match."""
        return self.match.item

    @property
    def pair_case(self) -> Case:
        """A case of two items, reported together (the split page takes it)."""

        def make() -> Item:
            with override_settings(URL_RESOLVER=TEST_RESOLVER):
                urls = ["https://social.test/hidden/pair/1", "https://social.test/hidden/pair/2"]
                submitted = submit_report(
                    ReportSubmission(urls=urls, role="witness", phenomenon="ncii")
                )
            return submitted.items[0]

        return self._once("pair", make).case

    @property
    def task(self) -> Any:
        """A task on the item's case, for carol."""
        from flagdesk.cases.services.notes import add_task

        carol = self.users["coordinator"]
        return self._once(
            "task", lambda: add_task(self.case, actor=carol, title="Call back", assignee=carol)
        )

    @property
    def homeless_item(self) -> Item:
        """An item on a host no platform has registered (its platform is set by hand)."""
        return self._once(
            "homeless", lambda: public_report("https://nowhere.test/hidden/1").items[0]
        )

    @property
    def assessment(self) -> Assessment:
        return self._once(
            "assessment",
            lambda: assessed_item(self.users, "https://social.test/hidden/waiting")[1],
        )

    @property
    def approved(self) -> Item:
        return self._once(
            "approved", lambda: approved_item(self.users, "https://social.test/hidden/ok")[0]
        )

    @property
    def notice(self) -> Notice:
        def make() -> Notice:
            item, _ = approved_item(self.users, "https://social.test/hidden/notified")
            return sent_notice(self.users, item)

        return self._once("notice", make)

    @property
    def dsc(self) -> Notice:
        return self._once("dsc", lambda: dsc_file(self.users, self.notice))

    @property
    def approved_dsc(self) -> Notice:
        from flagdesk.notices.services.follow_ups import approve

        return self._once("approved dsc", lambda: approve(self.dsc, actor=self.users["reviewer"]))

    @property
    def web_form_notice(self) -> Notice:
        """A notice to a platform that takes notices on its web form: it waits for a person."""
        from flagdesk.platforms.services import add_platform, set_channels

        def make() -> Notice:
            formy = add_platform(
                actor=self.users["coordinator"], name="Formy", domains=["formy.test"]
            )
            set_channels(
                formy,
                actor=self.users["coordinator"],
                channels=[{"kind": "webform", "endpoint": "https://formy.test/legal/report"}],
            )
            item, _ = approved_item(self.users, "https://formy.test/hidden/1")
            [notice] = queue_notices([item], actor=self.users["analyst"])
            return notice

        return self._once("web form notice", make)

    @property
    def pats_bank(self) -> tuple[Any, Any]:
        """Pat's partner bank (not shared) and a hash Pat put in it."""
        from flagdesk.matching.services.banks import EntryInput, add_entries, create_bank
        from flagdesk.matching.tests.factories import random_pdq

        def make() -> tuple[Any, Any]:
            coordinator, pat = self.users["coordinator"], self.users["partner"]
            bank = create_bank(actor=coordinator, name="Pat", kind="partner", partner=pat)
            [entry] = add_entries(bank, [EntryInput("pdq", random_pdq(8))], actor=pat).added
            return bank, entry

        return self._once("pat's bank", make)

    @property
    def mail(self) -> InboundMail:
        return self._once("mail", lambda: mail_about(self.notice, uid=7))

    @property
    def match(self) -> Match:
        """The item matching a bank entry of the world's notified item."""
        return self._once(
            "match", lambda: known_match(self.users, self.item, known=self.world.notified, seed=3)
        )

    @property
    def prefilled_match(self) -> Match:
        """The match, its entry allowed (by bob) to pre-fill the known item's assessment."""
        from flagdesk.matching.services.banks import allow_prefill

        def make() -> Match:
            match = self.match
            known = match.entry.item
            assert known is not None
            approved = known.assessments.get()
            allow_prefill(match.entry, approved, actor=self.users["reviewer"])
            return match

        return self._once("prefilled match", make)

    @property
    def media_file(self) -> Any:
        """The item's picture, kept encrypted as evidence."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from flagdesk.matching.demo import picture_bytes
        from flagdesk.matching.services.media import hash_item_media

        def make() -> Any:
            upload = SimpleUploadedFile("evidence.jpg", picture_bytes(), "image/jpeg")
            result = hash_item_media(
                self.item, upload, actor=self.users["analyst"], source="analyst", keep_file=True
            )
            assert result.kept.media_file is not None, result.kept.refusal
            return result.kept.media_file

        return self._once("media file", make)

    @property
    def gone_item(self) -> Item:
        """The item, re-checked on alice's request and found gone: it waits for an analyst's
        confirmation."""

        def make() -> Item:
            found_gone(request_check(self.item, actor=self.users["analyst"]))
            return self.item

        return self._once("gone item", make)

    @property
    def screenshot(self) -> CaptureFile:
        """The screenshot of a capture of the item (alice asked for it)."""
        return self._once(
            "screenshot", lambda: screenshot_capture(self.item, self.users["analyst"])
        )

    @property
    def captured_item(self) -> Item:
        """The item, with its captured screenshot."""
        return self._once("captured item", lambda: self.screenshot.capture.item)

    @property
    def bundled_case(self) -> Case:
        """The item's case, with the captured screenshot: its court bundle holds evidence."""
        return self.captured_item.case

    def cases(self) -> list[Any]:
        """Every case the target's objects belong to."""
        items = [o for o in self._made.values() if isinstance(o, Item)]
        for other in self._made.values():
            if isinstance(other, Assessment):
                items.append(other.item)
            elif isinstance(other, Notice):
                items.extend(other.items.all())
            elif isinstance(other, Match):
                items.append(other.item)
        return list(Case.objects.filter(items__in=[i.pk for i in items]).distinct())


RESTRICTED = "restricted to carol"
MINORS = "involves a minor"
CASE = (RESTRICTED, MINORS)


def put_out_of_reach(target: Target, scenario: str) -> None:
    """Restrict the target's cases to carol alone, or mark them as involving a minor (which
    only staff cleared for such cases may then see)."""
    cases = target.cases()
    assert cases, "the probe made no case object"
    if scenario == RESTRICTED:
        for case in cases:
            case.restricted_to.set([target.users["coordinator"]])
    else:
        Case.objects.filter(pk__in=[c.pk for c in cases]).update(has_minor_depicted=True)


# -- requests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Req:
    """One request: a page (``url``, form ``data``) or an API call (``url`` under /api/v1, JSON
    ``data`` or multipart ``form``). ``key`` is the out-of-reach id as it appears in it;
    ``unknown_key`` stands for an object that does not exist (a new UUID by default)."""

    kind: str
    method: str
    url: str
    key: str
    data: Any = None
    form: dict[str, Any] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    unknown_key: str = ""
    secret: str = ""  # a platform's inbound secret: the body is signed with it when sent

    def unknown(self) -> Req:
        """The same request about an object that does not exist."""
        new = self.unknown_key or str(uuid.uuid4())

        def swap(value: Any) -> Any:
            if isinstance(value, str):
                return value.replace(self.key, new)
            if isinstance(value, dict):
                return {k: swap(v) for k, v in value.items()}
            if isinstance(value, list):
                return [swap(v) for v in value]
            return value  # numbers, booleans, files

        return replace(
            self,
            url=swap(self.url),
            data=swap(self.data),
            headers=tuple((k, swap(v)) for k, v in self.headers),
        )


def page(method: str, route: str, key: str, data: Any = None, **kwargs: str) -> Req:
    return Req("page", method, reverse(route, kwargs=kwargs), key, data)


def api(method: str, path: str, key: str, data: Any = None, **extra: Any) -> Req:
    return Req("api", method, path, key, data, **extra)


def send(client: Any, req: Req, user: User | None) -> tuple[int, str]:
    """The answer to ``req`` from ``user`` (None: anonymous): its status, and where a page
    redirects to or the API error's code. Staff call the API with a ``write`` token, a
    partner with its own."""
    if req.kind == "page":
        client.logout()
        if user is not None:
            client.force_login(user)
        data = {
            k: SimpleUploadedFile("upload.jpg", v, "image/jpeg") if isinstance(v, bytes) else v
            for k, v in (req.data or {}).items()
        }
        response = client.get(req.url) if req.method == "GET" else client.post(req.url, data)
        where = response["Location"].split("?")[0] if response.status_code in (301, 302) else ""
        return (response.status_code, where)
    headers = dict(req.headers)
    if user is not None:
        scope = None if user.role == "partner" else "write"
        headers["Authorization"] = f"Bearer {issue_token(user, scope=scope)}"
    if req.secret:
        body = json.dumps(req.data).encode()
        digest = hmac.new(req.secret.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Flagdesk-Signature"] = f"sha256={digest}"
    response = Call(req.method, req.url, req.data, req.form, headers).send(client)
    return (response.status_code, error_code(response))


# -- probes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """What one route is tried with: the object out of reach (``of``, a ``Target`` attribute,
    or per URL argument), the body an allowed caller sends ("{id}" stands for the object's
    id), and what someone in reach then gets (and whether their request writes)."""

    roles: set[str]  # the roles that may use the route
    ok: int
    of: str | dict[str, str] = ""
    body: Any = None
    writes: bool = False
    scenarios: tuple[str, ...] = CASE
    request: Callable[[Target], Req] | None = None  # for requests the table cannot describe
    control: Callable[[Target], Req] | None = None  # the insider's, when it differs
    outsiders: tuple[str | None, ...] = ()  # who tries (None: anonymous), when not by role
    insider: str | None = "carol"
    unknown: tuple[int, str] = (404, "")  # UNSCOPED: what an unknown id gets

    def make(self, route: str, method: str, t: Target) -> Req:
        if self.request is not None:
            return self.request(t)
        names = self.of if isinstance(self.of, dict) else {_arg(route): self.of}
        ids = {arg: str(getattr(t, name).pk) for arg, name in names.items()}
        key = next(iter(ids.values()))
        data = self.body(t) if callable(self.body) else _fill(self.body, key)
        url = reverse(route, kwargs={arg: value for arg, value in ids.items() if arg})
        if not route.startswith("api:"):
            return page(method, route, key, data, **{a: v for a, v in ids.items() if a})
        path = url.removeprefix("/api/v1")
        if any(isinstance(v, bytes) for v in (data or {}).values()):
            return api(method, path, key, form=data)
        return api(method, path, key, data)


def _arg(route: str) -> str:
    """The route's one URL argument ("" for a route whose ids are in the body)."""
    args = route_kwargs(route)
    assert len(args) <= 1, f"{route} takes {args}: name each in the probe's ``of``"
    return args[0] if args else ""


def _fill(body: Any, key: str) -> Any:
    if isinstance(body, str):
        return body.replace("{id}", key)
    if isinstance(body, dict):
        return {k: _fill(v, key) for k, v in body.items()}
    if isinstance(body, list):
        return [_fill(v, key) for v in body]
    return body
