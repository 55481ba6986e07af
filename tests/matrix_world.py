"""What the permission matrices share: the roles, every route (pages and API, with the HTTP
methods each API route takes), the objects their ids come from, and a fingerprint of what a
request wrote.

``test_permission_matrix.py`` (pages and API reads), ``test_permission_matrix_api_writes.py``
(API writes) and ``test_idor_matrix.py`` (other cases' ids, with ``idor_world.py``) build on
it. The objects are made through the real services (S23), fresh for every test:
pytest-django rolls each test back.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from conftest import PERSONAS
from flagdesk.accounts.models import User
from flagdesk.accounts.services import issue_token
from flagdesk.cases.models import Assessment, Item
from flagdesk.cases.tests.factories import TEST_RESOLVER, approved_item, assessed_item
from flagdesk.cases.tests.factories import social_platform as _social_platform
from flagdesk.core import taxonomy
from flagdesk.intake.imports.services import preview_import
from flagdesk.intake.mail_intake.services import take_mail
from flagdesk.intake.models import Import, MailedReport
from flagdesk.intake.services import ReportSubmission, SubmittedReport, submit_report
from flagdesk.intake.tests.mail_samples import mail as mail_to_intake
from flagdesk.matching.models import Match
from flagdesk.matching.services.banks import EntryInput, add_entries, create_bank
from flagdesk.matching.services.matching import match_item
from flagdesk.matching.signal_types import ComputedSignal
from flagdesk.matching.tests.factories import item_signals, random_pdq
from flagdesk.matching.tests.media_samples import synthetic_image
from flagdesk.matching.thumbnails import greyscale_thumbnail
from flagdesk.monitoring.capture.capture import media_allowed_for
from flagdesk.monitoring.fetcher import Fetched
from flagdesk.monitoring.manifest import manifest_text, sha256_hex
from flagdesk.monitoring.models import Capture, CaptureFile, Check, Watch
from flagdesk.monitoring.services.checks import record_check
from flagdesk.monitoring.services.watches import start_watches
from flagdesk.monitoring.storage import store
from flagdesk.notices.models import InboundMail, Notice
from flagdesk.notices.outbox import claim, mark_sent
from flagdesk.notices.services import queue_notices
from flagdesk.notices.services.follow_ups import follow_up
from flagdesk.notices.services.inbound import ingest
from flagdesk.organisation.models import SupportLine
from flagdesk.organisation.services import SupportLineInput, add_support_line
from flagdesk.partners.models import Partner, Referral
from flagdesk.partners.tests.factories import make_partner, referral_of
from flagdesk.platforms.channels import Delivery
from flagdesk.platforms.models import Platform

ROLES = list(PERSONAS)  # analyst reviewer coordinator intake admin auditor partner none

# The rows of the permission table, written out again on purpose: the matrix checks the table
# (flagdesk/accounts/policy.py) against what each route answers, so it must not read it.
CASEWORK = {"intake", "analyst", "reviewer", "coordinator"}
ASSESSORS = {"analyst", "reviewer", "coordinator"}
REVIEWERS = {"reviewer", "coordinator"}
BANK_READERS = {"analyst", "reviewer", "coordinator", "admin", "auditor"}
BANK_MANAGERS = {"coordinator", "admin"}
REGISTRY_EDITORS = {"coordinator", "admin"}
LOOKUP = CASEWORK | {"admin", "auditor"}
EVERYONE = {*ROLES, None}
# The routes that take a partner's token (``TokenScope.PARTNER``): its banks.
# Anywhere else, a partner's token is refused for its scope before its role is asked.
PARTNER_SCOPE = {
    "api:list_banks",
    "api:create_bank_api",
    "api:get_bank",
    "api:update_bank",
    "api:export_entries",
    "api:import_entries",
    "api:remove_bank_entry",
    # Its referrals to us.
    "api:create_referral",
    "api:get_referral",
}

REASON = "The platform has not answered the notice in weeks, and the content is still online."
# A legal basis marked "to be confirmed" (its text or its end date not checked yet).
BASIS = next(c for c, b in taxonomy.legal_bases().items() if b.verify or b.valid_to_provisional)
LEGAL_NOTE = "Checked against the consolidated text on ejustice.just.fgov.be."


# -- routes ---------------------------------------------------------------------------------


def named_routes(
    patterns: list[Any] | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    """(qualified name, pattern) for every named route, namespaces walked recursively."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_routes(entry.url_patterns, inner)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry


def _path_view(view: Any) -> Any:
    """The django-ninja ``PathView`` behind a URL pattern's view (its closure holds it), or
    None for a plain Django view (the OpenAPI document, the docs page, the API root)."""
    for cell in getattr(view, "__closure__", None) or ():
        if hasattr(cell.cell_contents, "operations"):
            return cell.cell_contents
    return None


def api_methods() -> dict[str, frozenset[str]]:
    """Every API route name and the HTTP methods it takes.

    django-ninja registers one URL pattern per operation, named after its view function, and
    serves every method of a path from one view: the operation of a name gives its methods.
    """
    methods: dict[str, frozenset[str]] = {}
    for name, pattern in named_routes():
        if not name.startswith("api:"):
            continue
        path_view = _path_view(pattern.callback)
        if path_view is None:
            methods[name] = frozenset({"GET"})
            continue
        short = name.removeprefix("api:")
        [operation] = [
            op
            for op in path_view.operations
            if (getattr(op, "url_name", None) or op.view_func.__name__) == short
        ]
        methods[name] = frozenset(operation.methods)
    return methods


def api_get_routes() -> set[str]:
    return {name for name, methods in api_methods().items() if "GET" in methods}


def api_write_routes() -> set[str]:
    return {name for name, methods in api_methods().items() if methods - {"GET", "HEAD"}}


def route_kwargs(route: str) -> tuple[str, ...]:
    """The names of the route's URL arguments (``item_id``, ``slug``...)."""
    return tuple(dict(named_routes())[route].pattern.converters)


def url_for(route: str, ids: dict[str, str], **given: str) -> str:
    """The route's URL with the ids it takes from ``ids`` (``given`` first); an argument
    neither names gets a random UUID."""
    names = route_kwargs(route)
    kwargs = {name: given.get(name, ids.get(name, str(uuid.uuid4()))) for name in names}
    return reverse(route, kwargs=kwargs or None)


# -- callers --------------------------------------------------------------------------------


def bearer(user: User, scope: str | None = None) -> dict[str, str]:
    """The Authorization header of a new token of ``user`` (its default scope unless told)."""
    return {"Authorization": f"Bearer {issue_token(user, scope=scope)}"}


@dataclass(frozen=True)
class Call:
    """One API request: the path under /api/v1, a JSON body or multipart fields."""

    method: str
    path: str
    json: Any = None
    form: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def send(self, client: Client, headers: dict[str, str] | None = None) -> Any:
        all_headers = {**self.headers, **(headers or {})}
        url = f"/api/v1{self.path}"
        if self.form is not None:
            return client.generic(self.method, url, **_multipart(self.form), headers=all_headers)
        body = "" if self.json is None else json.dumps(self.json, cls=DjangoJSONEncoder)
        return client.generic(
            self.method, url, body, content_type="application/json", headers=all_headers
        )


def _multipart(fields: dict[str, Any]) -> dict[str, Any]:
    """A multipart body; ``bytes`` values are files (a fresh one for each request)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    data = {
        name: SimpleUploadedFile(f"{name}.jpg", value, "image/jpeg")
        if isinstance(value, bytes)
        else value
        for name, value in fields.items()
    }
    return {"data": encode_multipart(BOUNDARY, data), "content_type": MULTIPART_CONTENT}


def error_code(response: Any) -> str:
    """The API error's ``code``, "" for an answer that is not an API error."""
    if response.status_code < 400 or "json" not in response.get("Content-Type", ""):
        return ""
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


# -- objects --------------------------------------------------------------------------------


def social_platform(users: dict[str, User]) -> Platform:
    return _social_platform(users["coordinator"])


def public_report(url: str, **fields: Any) -> SubmittedReport:
    """A report as a reporter sends it, with its receipt code (shown once, kept here)."""
    values: dict[str, Any] = {"role": "witness", "phenomenon": "ncii", **fields}
    with override_settings(URL_RESOLVER=TEST_RESOLVER):
        return submit_report(ReportSubmission(urls=[url], **values))


def sent_notice(users: dict[str, User], item: Item) -> Notice:
    """``item``'s notice, queued by alice and delivered."""
    [notice] = queue_notices([item], actor=users["analyst"])
    row = claim(notice.outbox.pk, worker="matrix")
    assert row is not None
    mark_sent(row, Delivery("<m@social.test>", timezone.now()))
    notice.refresh_from_db()
    return notice


def dsc_file(users: dict[str, User], notice: Notice) -> Notice:
    """A complaint file for the DSC about ``notice``, written by alice, waiting for approval."""
    return follow_up(notice, kind="dsc_complaint", actor=users["analyst"], reason=REASON)


def mail_about(notice: Notice | None, uid: int) -> InboundMail:
    """A mail from the answers mailbox; naming ``notice`` in its subject from a sender outside
    the platform, it waits in the triage list linked to that notice."""
    subject = f"About {notice.reference}" if notice else "hello"
    raw = f"From: someone@elsewhere.test\r\nSubject: {subject}\r\n\r\nhi".encode()
    mail = ingest(raw, mailbox="m", uidvalidity=1, uid=uid, size=len(raw), is_partial=False)
    assert mail is not None
    assert mail.notice_id == (notice.pk if notice else None), mail.state
    return mail


def known_match(users: dict[str, User], item: Item, *, known: Item | None, seed: int) -> Match:
    """A bank entry (of ``known``, with a thumbnail) and ``item`` matching it."""
    bank = create_bank(actor=users["coordinator"], name=f"Matrix bank {seed}")
    pdq = random_pdq(seed)
    picture = base64.b64encode(greyscale_thumbnail(synthetic_image(seed, (64, 64)))).decode()
    entry = EntryInput("pdq", pdq, quality=90, item=known, thumbnail=picture)
    add_entries(bank, [entry], actor=users["coordinator"])
    item_signals(item, [ComputedSignal("pdq", pdq, 90)])
    [match] = match_item(item)
    return match


def found_gone(watch: Watch) -> Check:
    """A re-check of ``watch`` that found the content gone (HTTP 404), recorded as the runner
    records a fetch: the watch then waits in the analysts' "confirm removal" list."""
    fetched = Fetched(url=watch.item.url, outcome="gone", reason="http_404", http_status=404)
    check = record_check(watch.pk, fetched)
    watch.refresh_from_db()
    assert watch.looks_gone_since is not None
    return check


def screenshot_png() -> bytes:
    """A synthetic full-page "screenshot": a grey page with a darker block, no real content."""
    image = Image.new("RGB", (160, 240), (150, 150, 150))
    ImageDraw.Draw(image).rectangle((16, 24, 144, 120), fill=(70, 70, 70))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def screenshot_capture(item: Item, actor: User) -> CaptureFile:
    """A done capture of ``item`` asked for by ``actor``, as the capture engine leaves it: its
    screenshot encrypted in the evidence store and listed in the manifest (no timestamp
    authority here). Returns the screenshot."""
    assert media_allowed_for(item), "the law allows no media for this item: no screenshot"
    data = screenshot_png()
    now = timezone.now()
    manifest = manifest_text([("screenshot.png", sha256_hex(data))])
    capture = Capture.objects.create(
        item=item,
        trigger=Capture.Trigger.REQUEST,
        requested_by=actor,
        requested_at=now - dt.timedelta(minutes=1),
        status=Capture.Status.DONE,
        media_allowed=True,
        url=item.url,
        captured_at=now,
        final_url=item.url,
        http_status=200,
        manifest=manifest,
        manifest_sha256=sha256_hex(manifest.encode()),
        timestamp_problem="No timestamp authority is configured.",
    )
    return CaptureFile.objects.create(
        capture=capture,
        kind=CaptureFile.Kind.SCREENSHOT,
        name="screenshot.png",
        content_type="image/png",
        size=len(data),
        sha256=sha256_hex(data),
        storage_key=store().put(data),
    )


@dataclass
class World:
    """The objects every matrix test starts from (see ``build_world``)."""

    platform: Platform
    waiting: Item
    assessment: Assessment
    notified: Item
    notice: Notice
    dsc: Notice
    mail: InboundMail
    match: Match
    report: SubmittedReport
    check: Check
    screenshot: CaptureFile
    mailed: MailedReport
    partner: Partner
    referral: Referral
    spreadsheet: Import
    support_line: SupportLine

    def ids(self) -> dict[str, str]:
        """The URL arguments of every route, by name."""
        match = self.match
        return {
            "item_id": str(self.waiting.id),
            "case_id": str(self.waiting.case_id),
            "assessment_id": str(self.assessment.id),
            "report_id": str(self.waiting.reports.get().id),
            # A notice page and a document both open on the DSC file of a sent notice; the
            # follow-up routes take the sent notice and its DSC file.
            "notice_id": str(self.dsc.id),
            "follow_up_id": str(self.dsc.id),
            "followed_id": str(self.notice.id),
            "mail_id": str(self.mail.id),
            "mailed_report_id": str(self.mailed.id),
            # Re-checks and evidence are of the notified item: watched since its notice, found
            # gone by a re-check, and captured (a screenshot); its case is the court bundle's.
            "notified_item_id": str(self.notified.id),
            "notified_case_id": str(self.notified.case_id),
            "file_id": str(self.screenshot.id),
            # A spreadsheet import, previewed by dave and waiting for confirmation.
            "import_id": str(self.spreadsheet.id),
            # A support line the status page recommends, added by carol.
            "support_line_id": str(self.support_line.id),
            "slug": match.entry.bank.slug,
            "public_id": str(match.entry.public_id),
            "entry_id": str(match.entry.public_id),
            "match_id": str(match.id),
            "platform_id": str(self.platform.id),
            "platform_slug": self.platform.slug,
            # Pat's partner organisation, and a referral it sent us.
            "partner_id": str(self.partner.id),
            "partner_slug": self.partner.slug,
            "partner_reference": self.referral.partner_reference,
            "reference": self.report.report.reference,
            # A case by its reference (its facts for the statistics): the waiting item's.
            "case_reference": self.waiting.case.reference,
            "receipt_code": self.report.receipt_code,
            # The annual report of last year (a draft: nothing is final in the world) in JSON.
            "year": str(timezone.localdate().year - 1),
            "fmt": "json",
            "prefix": "fdk_matrix00",
            "uidb64": "MQ",
            "token": "no-such-token",
        }


def build_world(users: dict[str, User]) -> World:
    """An item waiting for review (alice's assessment, a report), a sent notice with a DSC
    file about it, a mail, a bank entry of the notified item the waiting item matches, a
    reporter's own report with its receipt code, and the notified item's re-checks (watched
    since its notice, found gone) and evidence (a capture by alice with a screenshot)."""
    platform = social_platform(users)
    waiting, assessment = assessed_item(users, "https://social.test/matrix/1")
    notified, _ = approved_item(users, "https://social.test/matrix/2")
    notice = sent_notice(users, notified)
    dsc = dsc_file(users, notice)
    mail = mail_about(None, uid=1)
    match = known_match(users, waiting, known=notified, seed=1)
    report = public_report("https://social.test/matrix/reported")
    assert start_watches() == 1  # the notified item's, its schedule counted from the notice
    check = found_gone(Watch.objects.get(item=notified))
    screenshot = screenshot_capture(notified, users["analyst"])
    mailed = mailed_draft()
    partner = make_partner(user=users["partner"])
    referral = referral_of(partner, "https://social.test/matrix/referred")
    spreadsheet = preview_import(
        b"url\nhttps://social.test/matrix/imported\n", "matrix.csv", actor=users["intake"]
    ).batch
    assert spreadsheet is not None
    support_line = add_support_line(
        SupportLineInput(
            texts={"en": {"name": "Listening line", "offer": "Someone to talk to."}},
            languages=("en",),
            phone="0800 00 000",
        ),
        actor=users["coordinator"],
    )
    return World(
        platform,
        waiting,
        assessment,
        notified,
        notice,
        dsc,
        mail,
        match,
        report,
        check,
        screenshot,
        mailed,
        partner,
        referral,
        spreadsheet,
        support_line,
    )


def mailed_draft(uid: int = 1) -> MailedReport:
    """A draft of the intake mailbox: a mail from a fictional sender with one address."""
    raw = mail_to_intake(uid)
    mailed = take_mail(raw, mailbox="intake", uidvalidity=1, uid=uid, size=len(raw))
    assert mailed is not None
    return mailed


# -- what a request wrote -------------------------------------------------------------------


# Audit actions of the caller's own sign-in (a test logs its personas in, and a token's use
# is audited before the route is asked), not of what the request then does.
SIGN_IN_ACTIONS = r"^(login|logout|token\.)"


def written() -> dict[str, Any]:
    """A fingerprint of everything a refused request must leave as it was: the audit trail
    (signing in and token use aside: they are audited before any refusal), the case
    timelines, assessments and reviews, notices and their state, answers, mails, hashes,
    evidence files, banks, cases' access and hold, tokens, reports' personal data, re-checks
    asked for or decided, evidence captures, spreadsheet imports."""
    from flagdesk.audit.models import AuditEntry
    from flagdesk.cases.models import Case, CaseEvent, CaseFacts, Review
    from flagdesk.cases.services.case_facts import FIELDS as FACT_FIELDS
    from flagdesk.intake.models import Report, ReportMessage
    from flagdesk.matching.models import BankEntry, HashBank, ItemSignal, MediaFile
    from flagdesk.notices.models import NoticeResponse
    from flagdesk.organisation.models import Designation, LegalBasisConfirmation, Organisation
    from flagdesk.platforms.models import PlatformChannel, PlatformDomain
    from flagdesk.stats.models import AnnualReport

    def rows(queryset: Any, *fields: str) -> list[tuple[Any, ...]]:
        return sorted(map(tuple, queryset.values_list(*fields)), key=repr)

    return {
        "audit": rows(AuditEntry.objects.exclude(action__regex=SIGN_IN_ACTIONS), "action"),
        "case events": CaseEvent.objects.count(),
        "items": rows(Item.objects, "id", "status", "platform_id", "identifiers", "assignee_id"),
        "assessments": Assessment.objects.count(),
        "reviews": Review.objects.count(),
        "cases": rows(Case.objects, "id", "legal_hold", "restricted_to"),
        "notices": rows(Notice.objects, "id", "status", "approved_at"),
        "responses": NoticeResponse.objects.count(),
        "mails": rows(InboundMail.objects, "id", "state"),
        "signals": ItemSignal.objects.count(),
        "files": MediaFile.objects.count(),
        "banks": rows(HashBank.objects, "slug", "is_enabled", "is_shared"),
        "entries": rows(BankEntry.objects, "public_id", "removed_at", "prefill_assessment_id"),
        "platforms": rows(Platform.objects, "id", "is_vlop", "inbound_secret"),
        "domains": PlatformDomain.objects.count(),
        "channels": rows(PlatformChannel.objects, "platform_id", "kind", "address"),
        "designations": Designation.objects.count(),
        "organisation": rows(
            Organisation.objects, "name", "statistics_age_bands", "statistics_min_cell"
        ),
        "case facts": rows(CaseFacts.objects, "case_id", *FACT_FIELDS),
        "confirmations": LegalBasisConfirmation.objects.count(),
        "reports": rows(Report.objects, "id", "contact_erased_at"),
        "messages": ReportMessage.objects.count(),
        "mailed reports": rows(MailedReport.objects, "id", "status", "report_id"),
        "revoked tokens": User.objects.filter(api_tokens__revoked_at__isnull=False).count(),
        "watches": rows(
            Watch.objects,
            "item_id",
            "requested_at",
            "requested_by_id",
            "next_check_at",
            "looks_gone_since",
            "ended_at",
            "baseline_sha256",
        ),
        "checks": Check.objects.count(),
        "captures": rows(Capture.objects, "id", "status", "requested_by_id"),
        "capture files": CaptureFile.objects.count(),
        "imports": rows(Import.objects, "id", "status", "rows_done"),
        "annual reports": rows(AnnualReport.objects, "year", "sha256"),
    }
