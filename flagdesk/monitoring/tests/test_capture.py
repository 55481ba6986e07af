"""Evidence capture of a page on the hostile test server, through Debian's Chromium (S23).

Every request of the page goes through the safe fetcher: the image and the stylesheet arrive
with the fetcher's User-Agent, and the iframe on a name that resolves to a private address
never reaches the server standing behind that name. Files are checked as the store gives them
back, the WARC as warcio reads it, the timestamp against a real ``openssl ts`` authority.

``test_capture_hostile.py`` imports the helpers and fixtures defined here.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from flagdesk.audit.anchoring import decode, token_problem
from flagdesk.cases.models import Case, Item
from flagdesk.cases.tests.factories import reported_item
from flagdesk.core import testing
from flagdesk.monitoring.capture import browser
from flagdesk.monitoring.capture.capture import media_allowed_for, run_capture
from flagdesk.monitoring.fetcher import fetch
from flagdesk.monitoring.manifest import manifest_text
from flagdesk.monitoring.models import Capture, CaptureFile
from flagdesk.monitoring.storage import store

from .hostile_server import HostileServer

pytestmark = pytest.mark.django_db

PRIVATE_NAME = "private-frame.test"
MEDIA_FILES = {"screenshot.png", "page.warc.gz", "page.txt", "page.html", "headers.json"}
GREEN = (0, 128, 0)
RED = (255, 0, 0)
STYLE = b"body { background: rgb(0, 128, 0); margin: 0; } h1 { color: white; }"


def red_png() -> bytes:
    """A synthetic 40x40 red square: the "image" of the test pages."""
    out = io.BytesIO()
    Image.new("RGB", (40, 40), RED).save(out, "PNG")
    return out.getvalue()


def page(body: str, *, head: str = "") -> bytes:
    return (
        f"<!doctype html><html><head><title>Evidence test</title>{head}</head>"
        f"<body>{body}</body></html>"
    ).encode()


def make_item(url: str, *, minor: bool = False, phenomenon: str = "ncii") -> Item:
    # Intake refuses test servers' URLs (a port, plain HTTP): the item gets its URL after.
    item = reported_item()
    Item.objects.filter(pk=item.pk).update(url=url, phenomenon=phenomenon)
    if minor:
        Case.objects.filter(pk=item.case_id).update(has_minor_depicted=True)
    item.refresh_from_db()
    return item


def make_capture(item: Item, *, media_allowed: bool = True) -> Capture:
    """A capture as the worker hands it over: claimed (running, leased)."""
    return Capture.objects.create(
        item=item,
        trigger=Capture.Trigger.REQUEST,
        requested_at=timezone.now(),
        status=Capture.Status.RUNNING,
        leased_by="test-worker",
        media_allowed=media_allowed,
        url=item.url,
    )


def capture_of(url: str, **options: Any) -> Capture:
    capture = make_capture(make_item(url), **options)
    run_capture(capture)
    capture.refresh_from_db()
    return capture


def files_of(capture: Capture) -> dict[str, bytes]:
    """Every file of ``capture``, decrypted from the store."""
    return {f.name: store().get(f.storage_key) for f in capture.files.all()}


def headers_json(capture: Capture) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files_of(capture)["headers.json"])
    return data


def warc_records(data: bytes) -> list[tuple[str, str, dict[str, str], bytes]]:
    """(type, target URI, http headers, payload) of every record of a WARC file, each
    record's block and payload digests checked on the way."""
    records = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
        http = dict(record.http_headers.headers) if record.http_headers else {}
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        records.append((record.rec_type, uri, http, record.content_stream().read()))
    return records


def contexts_opened() -> int:
    """Browser contexts opened by this process so far (0 before any browser started)."""
    current = browser._current
    return current.contexts_opened if current is not None else 0


def refused(capture: Capture) -> dict[str, str]:
    """URL -> reason of every request the capture refused."""
    return {r["url"]: r["reason"] for r in headers_json(capture)["page"]["requests_refused"]}


@pytest.fixture
def private_server(hostile_server: HostileServer) -> Iterator[HostileServer]:
    server = HostileServer().start()
    testing.TABLE[PRIVATE_NAME] = ["10.1.2.3", "127.0.0.1"]
    try:
        yield server
    finally:
        testing.TABLE.pop(PRIVATE_NAME, None)
        server.stop()


@pytest.fixture(scope="module", autouse=True)
def _browser_per_module() -> Iterator[None]:
    """One browser for the module's tests, stopped after them."""
    yield
    browser.shutdown()


@pytest.fixture
def evidence_page(hostile_server: HostileServer, private_server: HostileServer) -> str:
    frame = f"http://{PRIVATE_NAME}:{private_server.port}/frame"
    private_server.answer("/frame", body=page("<p>Internal admin page</p>"))
    hostile_server.answer("/style.css", body=STYLE, headers={"Content-Type": "text/css"})
    hostile_server.answer("/pixel.png", body=red_png(), headers={"Content-Type": "image/png"})
    hostile_server.answer(
        "/post",
        body=page(
            "<h1>Fictional post</h1><p>Synthetic content for the capture tests.</p>"
            '<img src="/pixel.png" width="40" height="40">'
            f'<iframe src="{frame}" width="300" height="100"></iframe>',
            head='<link rel="stylesheet" href="/style.css">',
        ),
    )
    return hostile_server.url("/post")


@pytest.mark.browser
def test_a_capture_keeps_screenshot_warc_text_dom_and_headers_timestamped(
    evidence_page, hostile_server, private_server, tsa, settings
):
    capture = capture_of(evidence_page)

    assert capture.status == Capture.Status.DONE, capture.failure
    assert (capture.http_status, capture.final_url) == (200, evidence_page)
    assert capture.captured_at is not None and capture.media_allowed
    files = files_of(capture)
    assert set(files) == MEDIA_FILES
    # Every file reads back decrypted with the SHA-256 and size recorded for it.
    for row in capture.files.all():
        assert hashlib.sha256(files[row.name]).hexdigest() == row.sha256
        assert row.size == len(files[row.name])
    listed = [(f.name, f.sha256) for f in capture.files.all()]
    assert capture.manifest == manifest_text(listed)
    assert capture.manifest_sha256 == hashlib.sha256(capture.manifest.encode()).hexdigest()
    # The timestamp is the authority's, for this very manifest.
    token = bytes(capture.timestamp_token)
    assert token_problem(decode(token), capture.manifest.encode()) == ""
    assert len(tsa.queries) == 1 and capture.timestamped_at and not capture.timestamp_problem

    # The screenshot shows the page with its stylesheet and its image applied.
    png = Image.open(io.BytesIO(files["screenshot.png"]))
    assert png.format == "PNG" and png.size[0] == 1280
    shot = png.convert("RGB")
    colours = {colour for _, colour in shot.getcolors(maxcolors=1 << 20) or []}
    assert GREEN in colours and RED in colours
    assert "Fictional post" in files["page.txt"].decode()
    assert "<h1>Fictional post</h1>" in files["page.html"].decode()

    info = headers_json(capture)
    assert info["http_status"] == 200 and info["final_url"] == evidence_page
    assert info["content_sha256"] == hashlib.sha256(body_at(evidence_page)).hexdigest()
    assert info["page"]["load_completed"] is True

    # Subresources came through the fetcher (its User-Agent), the private frame never left.
    [image_request] = hostile_server.requests_for("/pixel.png")
    assert image_request.header("User-Agent") == settings.MONITORING_USER_AGENT
    assert private_server.requests == []
    frame_url = f"http://{PRIVATE_NAME}:{private_server.port}/frame"
    assert refused(capture)[frame_url] == "address_not_public"


def body_at(url: str) -> bytes:
    """What the server answers at ``url`` (fetched again, as the capture did)."""
    return fetch(url).body


@pytest.mark.browser
def test_the_warc_holds_every_exchange_and_reads_back(evidence_page, hostile_server, tsa):
    capture = capture_of(evidence_page)
    files = files_of(capture)
    records = warc_records(files["page.warc.gz"])
    kinds = [kind for kind, *_ in records]
    assert kinds[0] == "warcinfo"
    responses = {uri: (http, body) for kind, uri, http, body in records if kind == "response"}
    requests = {uri for kind, uri, *_ in records if kind == "request"}
    pixel = hostile_server.url("/pixel.png")
    assert {evidence_page, pixel, hostile_server.url("/style.css")} <= set(responses)
    assert set(responses) == requests
    assert responses[pixel][1] == red_png()
    assert responses[evidence_page][1] == body_at(evidence_page)
    assert responses[pixel][0]["Content-Length"] == str(len(red_png()))
    [metadata] = [json.loads(body) for kind, _, _, body in records if kind == "metadata"]
    assert metadata["capture"] == str(capture.pk) and metadata["load_completed"] is True
    [(uri, shot)] = [(uri, body) for kind, uri, _, body in records if kind == "resource"]
    assert uri == f"urn:view:{evidence_page}" and shot == files["screenshot.png"]


@pytest.mark.browser
def test_without_a_timestamp_authority_the_capture_is_kept_and_says_so(evidence_page, settings):
    settings.AUDIT_TSA_URL = ""
    capture = capture_of(evidence_page)
    assert capture.status == Capture.Status.DONE
    assert capture.timestamp_token is None and capture.timestamped_at is None
    assert "FLAGDESK_AUDIT_TSA_URL" in capture.timestamp_problem
    assert set(files_of(capture)) == MEDIA_FILES


@pytest.mark.parametrize("queued_with_media", [False, True])
def test_a_minors_item_keeps_only_url_time_status_and_hashes(
    evidence_page, hostile_server, private_server, tsa, queued_with_media, settings
):
    """Whether queued without media, or with media before a minor was found: the browser
    is not used, nothing of the page is stored, only its hash."""
    item = make_item(evidence_page, minor=True)
    assert media_allowed_for(item) is False
    capture = make_capture(item, media_allowed=queued_with_media)
    before = contexts_opened()

    run_capture(capture)

    capture.refresh_from_db()
    assert capture.status == Capture.Status.DONE and not capture.media_allowed
    assert (capture.http_status, capture.final_url) == (200, evidence_page)
    assert [f.kind for f in capture.files.all()] == [CaptureFile.Kind.HEADERS]
    info = headers_json(capture)
    body = body_at(evidence_page)
    assert info["media_kept"] is False
    assert info["content_sha256"] == hashlib.sha256(body).hexdigest()
    assert "page" not in info
    assert token_problem(decode(bytes(capture.timestamp_token)), capture.manifest.encode()) == ""
    # No browser: not one context opened, no subresource asked for, nothing else stored.
    assert contexts_opened() == before
    assert hostile_server.requests_for("/pixel.png") == []
    stored = [p for p in settings.EVIDENCE_DIR.rglob("*") if p.is_file()]
    assert len(stored) == 1
    assert body not in store().get(capture.files.get().storage_key)


@pytest.mark.parametrize(
    ("phenomenon", "minor", "allowed"),
    [("ncii", False, True), ("csam", False, False), ("ncii", True, False), ("", False, False)],
)
def test_media_are_allowed_only_where_the_law_allows(phenomenon, minor, allowed):
    item = make_item("https://social.test/p/1", minor=minor, phenomenon=phenomenon)
    assert media_allowed_for(item) is allowed


def test_an_address_the_fetcher_refuses_is_a_failed_capture_without_files(settings):
    capture = capture_of("http://private-host.test/post")
    assert capture.status == Capture.Status.FAILED and capture.failure
    assert capture.files.count() == 0 and capture.http_status is None
    assert [p for p in settings.EVIDENCE_DIR.rglob("*") if p.is_file()] == []


def test_a_capture_taken_over_by_another_worker_leaves_no_stored_file(evidence_page, settings):
    """Our lease ran out and another worker holds the capture now: what we stored is
    deleted and the row is left to that worker."""
    capture = make_capture(make_item(evidence_page, minor=True), media_allowed=False)
    Capture.objects.filter(pk=capture.pk).update(leased_by="other-worker")

    run_capture(capture)

    row = Capture.objects.get(pk=capture.pk)
    assert (row.status, row.leased_by) == (Capture.Status.RUNNING, "other-worker")
    assert not row.files.exists()
    assert [p for p in settings.EVIDENCE_DIR.rglob("*") if p.is_file()] == []
