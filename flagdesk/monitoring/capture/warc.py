"""The exchanges of a capture as a gzipped WARC file (ISO 28500, WARC/1.1), written with warcio.

What it holds, in order:

- ``warcinfo``: who wrote it and how (software, the fetcher's User-Agent, the capture's id).
- for every answer the page received, a ``response`` record (the final URL of the fetch, the
  address connected to, the status line and headers as received, the body) and the
  ``request`` record concurrent to it (the headers the fetcher sent for it);
- one ``metadata`` record (JSON): the redirects the fetcher followed, what was refused (other
  hosts' private addresses, popups, downloads, WebSockets, other methods), whether ``load``
  was reached;
- one ``resource`` record ``urn:view:<page URL>``: the screenshot, so the WARC alone shows
  what the page looked like (replay tools such as pywb read this convention).

Bodies are stored decoded, as the fetcher hands them back: ``Content-Encoding`` and
``Transfer-Encoding`` are renamed ``X-Archive-Orig-*`` (pywb's convention) and
``Content-Length`` is set to the stored body, so the record is consistent and nothing
received is lost. A body cut at the size limit carries ``WARC-Truncated: length``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ..fetcher import Fetched
from ..fetcher.client import ACCEPT
from ..fetcher.policy import Refused, parse_target
from .network import Exchange, is_decoded

WARC_VERSION = "WARC/1.1"
FILENAME = "page.warc.gz"
RENAMED = ("content-encoding", "transfer-encoding", "content-length")


def warc_date(at: dt.datetime | None) -> str:
    moment = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_warc(
    exchanges: Sequence[Exchange],
    *,
    capture_id: str,
    metadata: dict[str, Any],
    screenshot: bytes,
    page_url: str,
    screenshot_at: dt.datetime,
) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True, warc_version=WARC_VERSION)
    info = {
        "software": "flagdesk evidence capture (Chromium through Playwright, warcio)",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "http-header-user-agent": str(settings.MONITORING_USER_AGENT),
        "isPartOf": f"flagdesk capture {capture_id}",
    }
    writer.write_record(writer.create_warcinfo_record(FILENAME, info))
    for exchange in exchanges:
        _write_exchange(writer, exchange)
    writer.write_record(
        writer.create_warc_record(
            page_url,
            "metadata",
            payload=io.BytesIO(json.dumps(metadata, indent=1, sort_keys=True).encode()),
            warc_content_type="application/json",
            warc_headers_dict={"WARC-Date": warc_date(screenshot_at)},
        )
    )
    writer.write_record(
        writer.create_warc_record(
            f"urn:view:{page_url}",
            "resource",
            payload=io.BytesIO(screenshot),
            length=len(screenshot),
            warc_content_type="image/png",
            warc_headers_dict={"WARC-Date": warc_date(screenshot_at)},
        )
    )
    return buffer.getvalue()


def _write_exchange(writer: WARCWriter, exchange: Exchange) -> None:
    fetched = exchange.fetched
    uri = fetched.final_url or exchange.url
    date = warc_date(fetched.started_at)
    warc_headers = {"WARC-Date": date}
    if fetched.address:
        warc_headers["WARC-IP-Address"] = fetched.address
    if fetched.truncated:
        warc_headers["WARC-Truncated"] = "length"
    response = writer.create_warc_record(
        uri,
        "response",
        payload=io.BytesIO(fetched.body),
        length=len(fetched.body),
        http_headers=response_headers(fetched),
        warc_headers_dict=warc_headers,
    )
    concurrent = response.rec_headers.get_header("WARC-Record-ID")
    request = writer.create_warc_record(
        uri,
        "request",
        payload=io.BytesIO(b""),
        length=0,
        http_headers=request_headers(exchange.method, uri, exchange.request_headers),
        warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent},
    )
    writer.write_record(response)
    writer.write_record(request)


def response_headers(fetched: Fetched) -> StatusAndHeaders:
    """Status line and headers as received, the framing ones renamed (module docstring)."""
    renamed = RENAMED if is_decoded(fetched) else ("transfer-encoding", "content-length")
    headers: list[tuple[str, str]] = []
    for name, value in fetched.headers:
        if name.lower() in renamed:
            headers.append((f"X-Archive-Orig-{name}", value))
        else:
            headers.append((name, value))
    headers.append(("Content-Length", str(len(fetched.body))))
    status = f"{fetched.http_status} {fetched.http_reason}".strip()
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def request_headers(
    method: str, url: str, forwarded: tuple[tuple[str, str], ...]
) -> StatusAndHeaders:
    """The request as the fetcher sends it: its own headers, then the page's that it passed
    on (``network.FORWARDED``) in their place."""
    try:
        target = parse_target(url)
        host, path = target.host_header, target.request_target
    except Refused:  # cannot happen for a URL that was fetched; keep the record anyway
        host, path = "", url
    sent = {
        "Host": host,
        "User-Agent": str(settings.MONITORING_USER_AGENT),
        "Accept": ACCEPT,
        "Accept-Encoding": "gzip, deflate",
        "Accept-Language": "en",
        "Connection": "close",
    }
    for name, value in forwarded:
        sent = {k: v for k, v in sent.items() if k.lower() != name.lower()}
        sent[name.title()] = value
    return StatusAndHeaders(f"{method} {path} HTTP/1.1", list(sent.items()), is_http_request=True)
