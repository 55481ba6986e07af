"""What `flagdesk demo` shows of monitoring: re-checks that found content gone (waiting for an
analyst), and an evidence capture to look at and bundle.

The demo's hosts are fictional (``*.example`` never resolves), so the worker's own re-checks
of them end as "unreachable"; the history below is what a real platform's answers would have
looked like. The screenshot is drawn here: a fictional page, no real content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from flagdesk.cases.models import Item

from .capture.capture import media_allowed_for, stored_files
from .fetcher import Fetched
from .manifest import manifest_text
from .models import Capture, CaptureFile
from .services.checks import record_check
from .services.watches import start_watches, watch_for

PAGE = "<!doctype html><title>Fictional demo post</title><p>Fictional demo content.</p>"


def _online(url: str) -> Fetched:
    body = PAGE.encode()
    return Fetched(
        url=url,
        outcome="online",
        reason="http_200",
        http_status=200,
        final_url=url,
        headers=(("Content-Type", "text/html; charset=utf-8"),),
        body=body,
        content_sha256=hashlib.sha256(body).hexdigest(),
    )


def _gone(url: str) -> Fetched:
    return Fetched(url=url, outcome="gone", reason="http_404", http_status=404, final_url=url)


def screenshot(url: str) -> bytes:
    """A drawn page: a grey header, the URL, lines standing for a fictional post."""
    img = Image.new("RGB", (1280, 900), (250, 250, 250))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 1280, 80), fill=(60, 90, 160))
    draw.text((24, 30), url[:120], fill=(255, 255, 255))
    draw.text((24, 120), "Fictional demo post - no real person, no real content", fill=(20, 20, 20))
    for n in range(12):
        width = 900 - 40 * (n % 5)
        draw.rectangle((24, 170 + 50 * n, 24 + width, 190 + 50 * n), fill=(200, 200, 205))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _capture(item: Item, at: dt.datetime) -> Capture:
    media = media_allowed_for(item)
    capture = Capture.objects.create(
        item=item,
        trigger=Capture.Trigger.APPROVAL,
        requested_at=at,
        status=Capture.Status.DONE,
        media_allowed=media,
        url=item.url,
        captured_at=at,
        final_url=item.url,
        http_status=200,
        timestamp_problem="No timestamp authority is configured (FLAGDESK_AUDIT_TSA_URL).",
    )
    headers = {"url": item.url, "final_url": item.url, "http_status": 200, "demo": True}
    files = {"headers.json": ("headers", "application/json", json.dumps(headers).encode())}
    if media:
        files["screenshot.png"] = ("screenshot", "image/png", screenshot(item.url))
        files["page.html"] = ("dom", "text/html", PAGE.encode())
        files["page.txt"] = ("text", "text/plain", b"Fictional demo content.")
    rows = CaptureFile.objects.bulk_create(stored_files(capture, files, []))
    capture.manifest = manifest_text((row.name, row.sha256) for row in rows)
    capture.manifest_sha256 = hashlib.sha256(capture.manifest.encode()).hexdigest()
    capture.save(update_fields=["manifest", "manifest_sha256"])
    return capture


@transaction.atomic
def load(*, removed: Item, notified: Item) -> dict[str, int]:
    """``removed``: a platform decided removal, a re-check found it gone, waiting for an
    analyst. ``notified``: re-checked and still online. Both have a capture from approval."""
    now = timezone.now()
    start_watches()
    for item, answers in ((removed, (_online, _gone)), (notified, (_online, _online))):
        watch = watch_for(item)
        if watch.started_at is None:  # its notice waits for the worker: watch it from now on
            watch.started_at = now
            watch.save(update_fields=["started_at"])
        _capture(item, now)
        for answer in answers:  # one after the other, as "Check now" twice would
            record_check(watch.pk, answer(item.url), now=timezone.now())
    return {"checks": 4, "captures": 2}
