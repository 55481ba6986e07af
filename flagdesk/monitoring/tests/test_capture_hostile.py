"""Pages that fight the capture: popups, downloads, pages and scripts that never end, requests
and sockets aimed at the machine itself. Each capture ends, done or failed with a reason, and
the browser is ready for the next one; the server proves what never reached it.

A page's attempts are made where the page cannot go on without them (a synchronous XHR, an
iframe, the socket created while the page is parsed), so each has happened before the
capture's ``load``: the assertions never depend on how fast anything ran.
"""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from flagdesk.monitoring.capture import browser
from flagdesk.monitoring.models import Capture

from .test_capture import (  # noqa: F401 - fixtures used by name
    _browser_per_module,
    capture_of,
    files_of,
    headers_json,
    page,
    refused,
)

pytestmark = [pytest.mark.django_db, pytest.mark.browser]

DEADLINE_SECONDS = 6.0


@pytest.fixture
def short_deadline(settings):
    settings.EVIDENCE_CAPTURE_TIMEOUT_SECONDS = DEADLINE_SECONDS


def sync_xhr(method: str, url: str) -> str:
    """A synchronous XHR: the page's parsing waits until the request has been dealt with."""
    return (
        f"try {{ var x = new XMLHttpRequest(); x.open('{method}', '{url}', false);"
        " x.send('fictional'); } catch (e) {}"
    )


def test_popups_and_downloads_are_refused_and_the_capture_completes(hostile_server):
    hostile_server.answer(
        "/file.bin",
        body=b"fictional download",
        headers={"Content-Type": "application/octet-stream", "Content-Disposition": "attachment"},
    )
    hostile_server.answer("/popup", body=page("<p>A popup</p>"))
    hostile_server.answer(
        "/tricky",
        body=page(
            "<p>Nothing to see</p><script>"
            "window.open('/popup');"
            "var a = document.createElement('a'); a.href = '/file.bin'; a.download = 'f.bin';"
            "document.body.append(a); a.click();"
            "</script>"
            '<iframe src="/file.bin"></iframe>'
        ),
    )
    capture = capture_of(hostile_server.url("/tricky"))

    assert capture.status == Capture.Status.DONE, capture.failure
    assert "Nothing to see" in files_of(capture)["page.txt"].decode()
    assert hostile_server.requests_for("/popup") == []
    info = headers_json(capture)["page"]
    assert info["popups_closed"] == 1
    # The iframe's answer reached the page (through the fetcher) and was refused as a
    # download; the script's download never left the browser (the dead proxy).
    assert len(hostile_server.requests_for("/file.bin")) == 1
    assert hostile_server.url("/file.bin") in info["downloads_refused"]


def test_an_address_that_is_a_download_is_a_failed_capture_with_a_reason(hostile_server):
    hostile_server.answer(
        "/report.zip",
        body=b"PK fictional archive",
        headers={"Content-Type": "application/zip", "Content-Disposition": "attachment"},
    )
    capture = capture_of(hostile_server.url("/report.zip"))
    assert capture.status == Capture.Status.FAILED
    assert "download" in capture.failure and capture.files.count() == 0
    assert capture.http_status == 200  # what the server answered is still recorded


def test_sockets_and_requests_to_the_machine_itself_are_refused(hostile_server):
    port = hostile_server.port
    script = (
        f"new WebSocket('ws://127.0.0.1:{port}/socket');"
        + sync_xhr("GET", f"http://[::ffff:127.0.0.1]:{port}/mapped")
        + sync_xhr("GET", f"http://0.0.0.0:{port}/zero")
        + sync_xhr("POST", "/form")
    )
    hostile_server.answer("/sockets", body=page(f"<p>Sockets</p><script>{script}</script>"))
    capture = capture_of(hostile_server.url("/sockets"))

    assert capture.status == Capture.Status.DONE, capture.failure
    reasons = refused(capture)
    assert reasons[f"ws://127.0.0.1:{port}/socket"] == "websocket"
    assert reasons[f"http://[::ffff:7f00:1]:{port}/mapped"] == "address_not_public"
    assert reasons[hostile_server.url("/form")] == "method_not_allowed"
    # 0.0.0.0 reaches this machine's 127.0.0.1 on Linux: refused even where loopback is not.
    assert reasons[f"http://0.0.0.0:{port}/zero"] == "address_not_public"
    reached = {r.path for r in hostile_server.requests}
    assert reached == {"/sockets"}


def test_a_page_that_never_finishes_loading_is_captured_as_far_as_it_got(
    hostile_server, short_deadline
):
    hostile_server.answer(
        "/endless",
        body=page('<h1>Loaded part</h1><img src="/silent/">'),
    )
    started = time.monotonic()
    capture = capture_of(hostile_server.url("/endless"))
    elapsed = time.monotonic() - started

    assert capture.status == Capture.Status.DONE, capture.failure
    info = headers_json(capture)
    assert info["page"]["load_completed"] is False
    assert "Loaded part" in files_of(capture)["page.txt"].decode()
    # The capture kept its deadline (an upper bound with room to spare, not a speed).
    assert elapsed < DEADLINE_SECONDS + 10


def test_a_script_that_never_yields_ends_in_a_failed_capture_and_the_next_one_works(
    hostile_server, short_deadline
):
    hostile_server.answer(
        "/busy", body=page("<p>Before the loop</p><script>while (true) {}</script>")
    )
    busy = capture_of(hostile_server.url("/busy"))
    assert busy.status == Capture.Status.FAILED
    assert "seconds" in busy.failure and busy.files.count() == 0

    hostile_server.answer("/calm", body=page("<p>A calm page</p>"))
    calm = capture_of(hostile_server.url("/calm"))
    assert calm.status == Capture.Status.DONE, calm.failure


def test_an_endless_answer_is_captured_up_to_the_size_limit(hostile_server, settings):
    settings.MONITORING_MAX_BYTES = 64 * 1024
    capture = capture_of(hostile_server.url("/forever/"))
    assert capture.status == Capture.Status.DONE, capture.failure
    info = headers_json(capture)
    assert info["content_truncated"] is True and info["content_bytes"] <= 64 * 1024


def test_a_main_document_that_trickles_forever_is_captured_as_far_as_it_came(
    hostile_server, settings
):
    settings.MONITORING_FETCH_TIMEOUT_SECONDS = 2.0
    capture = capture_of(hostile_server.url("/slow-body/"))
    assert capture.status == Capture.Status.DONE, capture.failure
    info = headers_json(capture)
    assert (info["fetch_outcome"], info["fetch_reason"]) == ("error", "timeout")
    assert "slow" in files_of(capture)["page.txt"].decode()


def test_a_server_that_never_answers_is_a_failed_capture_with_the_fetchers_reason(
    hostile_server, settings
):
    settings.MONITORING_FETCH_TIMEOUT_SECONDS = 2.0
    capture = capture_of(hostile_server.url("/silent/"))
    assert capture.status == Capture.Status.FAILED
    assert "2 seconds" in capture.failure, capture.failure
    assert capture.files.count() == 0 and capture.http_status is None


def test_the_screenshot_is_cut_at_the_height_limit(hostile_server, settings):
    settings.EVIDENCE_MAX_SCREENSHOT_HEIGHT = 3000
    hostile_server.answer("/tall", body=page('<div style="height: 50000px">Tall</div>'))
    capture = capture_of(hostile_server.url("/tall"))
    shot = Image.open(io.BytesIO(files_of(capture)["screenshot.png"]))
    assert shot.size == (1280, 3000)


def test_a_redirect_is_followed_by_the_fetcher_and_the_page_shows_its_target(hostile_server):
    capture = capture_of(hostile_server.url("/redirect/2"))
    assert capture.status == Capture.Status.DONE, capture.failure
    assert capture.final_url == hostile_server.url("/redirect/0")
    info = headers_json(capture)
    assert [hop["http_status"] for hop in info["hops"]] == [302, 302, 200]
    assert info["page"]["url"] == hostile_server.url("/redirect/0")


def test_a_crashed_browser_is_started_again(hostile_server):
    hostile_server.answer("/calm", body=page("<p>A calm page</p>"))
    first = capture_of(hostile_server.url("/calm"))
    assert first.status == Capture.Status.DONE

    async def crash(chromium):
        await chromium.close()

    current = browser.browser_thread()
    current.run(crash, timeout=30)  # as if Chromium had died between two captures
    second = capture_of(hostile_server.url("/calm"))
    assert second.status == Capture.Status.DONE, second.failure
    assert browser.browser_thread() is current
