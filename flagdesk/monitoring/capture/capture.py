"""Evidence capture, the service: ``run_capture(capture)`` records what a URL showed.

What a capture keeps (docs/monitoring.md, "Evidence capture"), each file encrypted in the
evidence store and listed with its SHA-256 in the capture's manifest, which an RFC 3161
authority timestamps:

- with media allowed: ``screenshot.png`` (the full page, capped in height), ``page.warc.gz``
  (every exchange, see ``warc``), ``page.txt`` (the text a reader sees), ``page.html`` (the
  DOM after scripts ran) and ``headers.json`` (the main answer: status, headers, final URL,
  redirects, the body's SHA-256, when; and what the page tried that was refused);
- without (CSAM, anything involving a minor: ``media_allowed_for``): only ``headers.json``,
  from one safe fetch, with the SHA-256 of the content but never the content. No browser is
  started, so no picture of the content exists anywhere, not even in memory.

Why the content's hash is in ``headers.json`` and not a line of the manifest: every manifest
line names a stored file (``sha256sum -c`` and the court bundle check each one); the hash
inside ``headers.json`` is covered by the manifest's timestamp all the same.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from flagdesk.audit.anchoring import AnchorFailed, decode, request_timestamp, timestamped_at
from flagdesk.cases.models import Item
from flagdesk.core.errors import FlagdeskError
from flagdesk.matching.services.matching import may_keep_media

from ..fetcher import Fetched, fetch
from ..manifest import manifest_text, sha256_hex
from ..models import Capture, CaptureFile
from ..storage import store
from .browser import BrowserStuck, BrowserUnavailable, abandon, browser_thread
from .page import CaptureFailed, PageCapture, capture_page
from .warc import build_warc

log = logging.getLogger(__name__)

# Beyond its own deadline, how long a capture may hold the worker before the browser thread
# is given up (closing a context, a screenshot in flight).
STUCK_GRACE_SECONDS = 20.0
MAX_FAILURE_CHARS = 500
Kind = CaptureFile.Kind
File = tuple[str, str, bytes]  # kind, content type, bytes


class _Superseded(Exception):
    """Another worker finished this capture meanwhile (our lease had run out)."""


def media_allowed_for(item: Item) -> bool:
    """Whether a capture of ``item`` may keep media (screenshot, page, text).

    Never for CSAM or minors' phenomena, for a case where a minor is depicted or targeted,
    for an item whose report gives the victim's age as under 18, nor for an item without a
    phenomenon yet: the rules of ``matching.may_keep_media``, which decide every copy we keep.
    """
    return may_keep_media(item)


def run_capture(capture: Capture) -> None:
    """Capture ``capture.url`` now and record the outcome on ``capture``: ``done`` with its
    files, manifest and timestamp, or ``failed`` with the reason.

    Never raises for anything the URL, its server or its page can do. Raises for our own
    failures (the store or the database unreachable) so that the worker tries again; files
    already stored are deleted first. Media are kept only if the capture was queued with
    ``media_allowed`` and the item still allows it now (a minor may have been found since).
    """
    deadline = time.monotonic() + float(settings.EVIDENCE_CAPTURE_TIMEOUT_SECONDS)
    media = capture.media_allowed and media_allowed_for(capture.item)
    main = fetch(capture.url)
    if main.http_status is None:
        _finish_failed(capture, main.message or main.reason, main, media=media)
        return
    if not media:
        info = _headers_json(capture, main, page=None)
        files: dict[str, File] = {"headers.json": (Kind.HEADERS, "application/json", info)}
        _finish_done(capture, files, main, media=False)
        return
    try:
        page = _browse(main, deadline)
    except CaptureFailed as e:
        _finish_failed(capture, e.reason, main, media=True)
        return
    _finish_done(capture, _media_files(capture, main, page), main, media=True)


def _browse(main: Fetched, deadline: float) -> PageCapture:
    from playwright.async_api import Error

    total = float(settings.EVIDENCE_CAPTURE_TIMEOUT_SECONDS)
    thread = browser_thread()
    try:
        return thread.run(
            lambda browser: capture_page(browser, main, deadline=deadline, total_seconds=total),
            timeout=max(0.0, deadline - time.monotonic()) + STUCK_GRACE_SECONDS,
        )
    except BrowserUnavailable:
        log.exception("evidence.browser_unavailable")
        raise CaptureFailed(_("The browser could not be started.")) from None
    except BrowserStuck:
        abandon(thread)
        seconds = int(total)
        raise CaptureFailed(
            ngettext(
                "The capture did not finish within %(seconds)d second.",
                "The capture did not finish within %(seconds)d seconds.",
                seconds,
            )
            % {"seconds": seconds}
        ) from None
    except Error:  # the browser died between two steps
        raise CaptureFailed(_("The browser stopped while capturing the page.")) from None


def _media_files(capture: Capture, main: Fetched, page: PageCapture) -> dict[str, File]:
    refused = [
        {"method": b.method, "url": b.url, "type": b.resource_type, "reason": b.reason}
        for b in page.blocked
    ]
    summary = {
        "url": page.page_url,
        "load_completed": page.load_completed,
        "screenshot_at": page.screenshot_at.isoformat(),
        "requests_answered": len(page.exchanges),
        "requests_refused": refused,
        "popups_closed": page.popups_closed,
        "downloads_refused": page.downloads_refused,
    }
    redirects = {e.url: _hops(e.fetched) for e in page.exchanges if len(e.fetched.hops) > 1}
    warc = build_warc(
        page.exchanges,
        capture_id=str(capture.pk),
        metadata={**summary, "capture": str(capture.pk), "redirects": redirects},
        screenshot=page.screenshot,
        page_url=page.page_url,
        screenshot_at=page.screenshot_at,
    )
    return {
        "screenshot.png": (Kind.SCREENSHOT, "image/png", page.screenshot),
        "page.warc.gz": (Kind.WARC, "application/gzip", warc),
        "page.txt": (Kind.TEXT, "text/plain; charset=utf-8", page.text.encode()),
        "page.html": (Kind.DOM, "text/html; charset=utf-8", page.html.encode()),
        "headers.json": (
            Kind.HEADERS,
            "application/json",
            _headers_json(capture, main, page=summary),
        ),
    }


def _hops(fetched: Fetched) -> list[dict[str, Any]]:
    return [
        {"url": h.url, "address": h.address, "http_status": h.http_status, "location": h.location}
        for h in fetched.hops
    ]


def _headers_json(capture: Capture, main: Fetched, *, page: dict[str, Any] | None) -> bytes:
    info: dict[str, Any] = {
        "capture": str(capture.pk),
        "url": capture.url,
        "captured_at": _captured_at(main).isoformat(),
        "media_kept": page is not None,
        "final_url": main.final_url,
        "address": main.address,
        "http_status": main.http_status,
        "http_reason": main.http_reason,
        # "error"/"timeout" with a status: the answer began but did not end (its start is kept)
        "fetch_outcome": main.outcome,
        "fetch_reason": main.reason,
        "headers": [list(pair) for pair in main.headers],
        "hops": _hops(main),
        "content_sha256": main.content_sha256,
        "content_bytes": len(main.body),
        "content_truncated": main.truncated,
    }
    if page is not None:
        info["page"] = page
    return json.dumps(info, indent=1, ensure_ascii=False).encode()


def _timestamp(manifest: bytes) -> tuple[bytes | None, dt.datetime | None, str]:
    """The TSA's token for the manifest and its time, or why there is none. A capture
    without a timestamp is kept: its hashes still prove the files are unchanged since."""
    if not settings.AUDIT_TSA_URL:
        return None, None, _("No timestamp authority is configured (FLAGDESK_AUDIT_TSA_URL).")
    if not manifest:
        return None, None, _("Nothing was kept, so there is nothing to timestamp.")
    try:
        token = request_timestamp(manifest)
    except AnchorFailed as e:
        return None, None, str(e.message)[:MAX_FAILURE_CHARS]
    response = decode(token)
    return token, timestamped_at(response) if response else None, ""


def stored_files(capture: Capture, files: dict[str, File], keys: list[str]) -> list[CaptureFile]:
    """Encrypt and store each file; its row (not saved yet) with its SHA-256. ``keys``
    collects the storage keys as they are written, so that the caller can delete them if
    what follows fails."""
    rows = []
    for name, (kind, content_type, data) in sorted(files.items()):
        keys.append(store().put(data))
        rows.append(
            CaptureFile(
                capture=capture,
                kind=kind,
                name=name,
                content_type=content_type,
                size=len(data),
                sha256=sha256_hex(data),
                storage_key=keys[-1],
            )
        )
    return rows


def _finish_done(capture: Capture, files: dict[str, File], main: Fetched, *, media: bool) -> None:
    keys: list[str] = []
    try:
        rows = stored_files(capture, files, keys)
        manifest = manifest_text((row.name, row.sha256) for row in rows)
        token, stamped_at, problem = _timestamp(manifest.encode())
        with transaction.atomic():
            _record(
                capture,
                status=Capture.Status.DONE,
                manifest=manifest,
                manifest_sha256=sha256_hex(manifest.encode()),
                timestamp_token=token,
                timestamped_at=stamped_at,
                timestamp_problem=problem,
                media_allowed=media,
                **_answer(main),
            )
            CaptureFile.objects.bulk_create(rows)
    except _Superseded:
        _delete(keys)
        return
    except BaseException:
        _delete(keys)
        raise
    log.info("evidence.captured", extra={"capture": str(capture.pk), "file_count": len(rows)})


def _finish_failed(capture: Capture, reason: str, main: Fetched, *, media: bool) -> None:
    try:
        with transaction.atomic():
            _record(
                capture,
                status=Capture.Status.FAILED,
                failure=str(reason)[:MAX_FAILURE_CHARS],
                media_allowed=media,
                **_answer(main),
            )
    except _Superseded:
        return
    log.info("evidence.capture_failed", extra={"capture": str(capture.pk)})


def _captured_at(main: Fetched) -> dt.datetime:
    """When the URL was fetched: the moment the capture shows."""
    return main.started_at or timezone.now()


def _answer(main: Fetched) -> dict[str, Any]:
    return {
        "captured_at": _captured_at(main),
        "final_url": main.final_url[:2048],
        "http_status": main.http_status,
    }


def _record(capture: Capture, **fields: Any) -> None:
    """Write the outcome, unless the capture moved on without us (finished by another
    worker after our lease ran out): ``_Superseded`` then."""
    fields["lease_until"] = None
    mine = Capture.objects.filter(
        pk=capture.pk,
        status__in=(Capture.Status.QUEUED, Capture.Status.RUNNING),
        leased_by=capture.leased_by,
    )
    if not mine.update(**fields):
        log.warning("evidence.capture_superseded", extra={"capture": str(capture.pk)})
        raise _Superseded
    for name, value in fields.items():
        setattr(capture, name, value)


def _delete(keys: list[str]) -> None:
    for key in keys:
        try:
            store().delete(key)
        except (OSError, FlagdeskError):  # one undeletable object must not keep the others
            log.exception("evidence.orphan_not_deleted")
