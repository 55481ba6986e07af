"""A public upload never costs more than its limits: oversized or rate-limited bodies stay unread.

Two traps make "nothing was written" visible. ``FILE_UPLOAD_TEMP_DIR`` points at a regular file,
so creating any temporary upload file fails loudly (the first test shows the trap springs);
and ``UnreadBody`` stands in for the socket and records whether anything read it.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from flagdesk.core.uploads import megabytes
from flagdesk.intake.models import Report
from flagdesk.matching.media.uploads import media_body_limit

from .factories import api_payload, form_data

pytestmark = pytest.mark.django_db

REPORT = reverse("intake:report")
API = "/api/v1/reports"
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
MB = 1024 * 1024


class UnreadBody:
    """A ``wsgi.input`` that serves nothing and remembers whether anyone tried to read it."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, size: int = -1) -> bytes:
        self.reads += 1
        return b""

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


@pytest.fixture
def no_disk(settings: Any, tmp_path: Path) -> Path:
    """Any temporary upload file now fails (NotADirectoryError) instead of being written."""
    trap = tmp_path / "not-a-directory"
    trap.write_bytes(b"")
    settings.FILE_UPLOAD_TEMP_DIR = str(trap)
    return trap


def jpeg_file(size: int, name: str = "photo.jpg") -> SimpleUploadedFile:
    """``size`` bytes that sniff as a JPEG: enough for the size rules, never decoded here."""
    return SimpleUploadedFile(name, JPEG_HEAD + bytes(size - len(JPEG_HEAD)), "image/jpeg")


def declared_post(client: Client, path: str, length: int, **extra: Any) -> tuple[Any, UnreadBody]:
    """POST announcing ``length`` bytes of multipart body that never arrive."""
    body = UnreadBody()
    response = client.generic(
        "POST",
        path,
        b"",
        CONTENT_TYPE=MULTIPART_CONTENT,  # generic() sets neither header for an empty body
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": body},
        **extra,
    )
    return response, body


def test_the_trap_springs_when_a_file_is_written(client: Client, no_disk, settings) -> None:
    """Control: a file that is accepted and bigger than memory uploads does go to disk."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    with pytest.raises(NotADirectoryError):
        client.post(REPORT, {**form_data(), "media": jpeg_file(200 * 1024)})


# ---- declared too large: 413 before a byte is read -----------------------------------------


def test_a_report_over_the_limit_is_refused_unread_with_a_page_saying_what_to_do(
    client: Client,
) -> None:
    limit = media_body_limit()
    response, body = declared_post(client, REPORT, 620 * MB, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 413
    assert body.reads == 0
    page = response.content.decode()
    assert '<html lang="fr">' in page  # the reporter's language
    assert "Votre signalement n'a pas été envoyé : il est trop volumineux" in page
    assert f"Nous acceptons au maximum {megabytes(limit)} Mo par signalement" in page
    assert "Une image peut faire jusqu'à 30 Mo et une vidéo jusqu'à 500 Mo." in page
    assert "Revenez au formulaire" in page and "data-history-back" in page
    assert not Report.objects.exists()


def test_a_report_at_the_limit_is_read(client: Client) -> None:
    response, body = declared_post(client, REPORT, media_body_limit())
    assert response.status_code == 200  # an empty form: the promised bytes never came
    assert body.reads > 0


def test_an_api_report_over_the_limit_gets_json_unread(client: Client) -> None:
    response, body = declared_post(client, API, 620 * MB)
    assert response.status_code == 413
    assert body.reads == 0
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert f"at most {megabytes(media_body_limit())} MB" in error["message"]


@pytest.mark.parametrize(
    ("path", "is_json"), [("/login", False), ("/api/v1/banks/own/entries", True)]
)
def test_every_other_route_refuses_a_body_over_max_request_bytes_unread(
    client: Client, settings, path: str, is_json: bool
) -> None:
    # Without the cap, the CSRF check (or the API's parser) would read it first.
    settings.MAX_REQUEST_BYTES = 10 * MB
    client.cookies["csrftoken"] = "a" * 32
    response, body = declared_post(client, path, 10 * MB + 1)
    assert response.status_code == 413
    assert body.reads == 0
    if is_json:
        assert response.json()["error"]["code"] == "too_large"
    else:
        assert "at most 10 MB can be sent at once" in response.content.decode()


def test_the_limit_holds_on_a_real_socket_before_the_body_is_sent(live_server: Any) -> None:
    host, port = live_server.thread.host, live_server.thread.port
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(
            f"POST {REPORT} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {MULTIPART_CONTENT}\r\n"
            f"Content-Length: {620 * MB}\r\n\r\n".encode()
        )
        status_line = connection.makefile("rb").readline()
    assert status_line.split()[1] == b"413"


# ---- rate-limited: refused before the body is read ----------------------------------------


def test_a_rate_limited_upload_is_refused_before_its_file_is_read(
    client: Client, settings, no_disk
) -> None:
    settings.PUBLIC_RATE_LIMIT = "1/m"
    assert client.post(REPORT, form_data()).status_code == 302
    # A body bigger than a form's text fields is not read at all.
    data = encode_multipart(BOUNDARY, {**form_data(), "media": jpeg_file(6 * MB)})
    response, body = declared_post(client, REPORT, len(data))
    assert response.status_code == 429
    assert body.reads == 0
    assert "Too many requests" in response.content.decode()
    assert Report.objects.count() == 1


def test_a_rate_limited_small_report_comes_back_as_typed_without_its_file(
    client: Client, settings, no_disk
) -> None:
    settings.PUBLIC_RATE_LIMIT = "1/m"
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # any file received would go to (the trapped) disk
    assert client.post(REPORT, form_data()).status_code == 302
    typed = "Someone posted my photos on three sites."
    response = client.post(REPORT, {"media": jpeg_file(300 * 1024), **form_data(description=typed)})
    assert response.status_code == 429
    assert typed in response.content.decode()
    assert Report.objects.count() == 1


def test_a_rate_limited_api_upload_is_refused_before_its_file_is_read(
    client: Client, settings, no_disk
) -> None:
    settings.PUBLIC_RATE_LIMIT = "1/m"
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    assert client.post(API, api_payload(), content_type="application/json").status_code == 201
    response = client.post(
        API, {"report": json.dumps(api_payload()), "media": jpeg_file(300 * 1024)}
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert Report.objects.count() == 1


# ---- within the body limit, each file within its kind's limit, checked as it streams -------


def test_an_image_over_its_limit_stops_streaming_and_the_form_keeps_the_rest(
    client: Client, settings, no_disk
) -> None:
    settings.MATCHING_MAX_IMAGE_BYTES = 1 * MB
    # Django would keep up to 2 MB in memory and write the rest of the 3 MB picture to disk;
    # the handler stops at 1 MB, so nothing reaches the (trapped) disk.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * MB
    typed = "It is on two more sites since yesterday."
    # The file comes first: the fields after it are still read.
    response = client.post(REPORT, {"media": jpeg_file(3 * MB), **form_data(description=typed)})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["media"] == ["The file is too large (at most 1.0 MB)."]
    assert typed in response.content.decode()
    assert not Report.objects.exists()


def test_a_file_that_is_no_picture_is_refused_from_its_first_bytes(
    client: Client, settings, no_disk
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every received byte would go to disk
    page = b"<!doctype html><html><body>" + b"x" * (2 * MB) + b"</body></html>"
    upload = SimpleUploadedFile("photo.jpg", page, "image/jpeg")
    response = client.post(REPORT, {"media": upload, **form_data()})
    assert response.status_code == 200
    [message] = response.context["form"].errors["media"]
    assert message == ("The file is not an image or a video we can read: it is a web page (HTML).")


def test_an_api_image_over_its_limit_names_the_media_field_in_the_payload_language(
    client: Client, settings, no_disk
) -> None:
    settings.MATCHING_MAX_IMAGE_BYTES = 1 * MB
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * MB
    response = client.post(
        API,
        {"media": jpeg_file(3 * MB), "report": json.dumps(api_payload(language="en"))},
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"]["media"] == ["The file is too large (at most 1.0 MB)."]
    assert not Report.objects.exists()


def test_fields_other_than_media_are_never_received(client: Client, no_disk, settings) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    extra = SimpleUploadedFile("junk.bin", b"\x00" * MB, "application/octet-stream")
    response = client.post(REPORT, {"junk": extra, **form_data()})
    assert response.status_code == 302


@pytest.mark.parametrize("route", ["intake:report-status", "accounts:login"])
def test_other_public_pages_never_receive_a_file(
    client: Client, no_disk, settings, route: str
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # a received file would go to (the trapped) disk
    response = client.post(reverse(route), {"reference": "R-0000-0000", "x": jpeg_file(MB)})
    assert response.status_code == 200


def test_the_form_states_the_limits_for_its_size_check(client: Client) -> None:
    page = client.get(REPORT).content.decode()
    assert f'data-image-bytes="{30 * MB}"' in page
    assert f'data-video-bytes="{500 * MB}"' in page
    assert 'data-image-message="The file is too large (at most 30 MB)."' in page
    assert "Pictures up to 30 MB, videos up to 500 MB." in page
