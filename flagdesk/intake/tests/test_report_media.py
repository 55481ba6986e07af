"""A picture given with a public report: hashed, matched in the background, never kept."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from flagdesk.cases.models import CaseEvent
from flagdesk.intake.models import Report
from flagdesk.matching.demo import picture_bytes
from flagdesk.matching.models import ItemSignal, Match
from flagdesk.matching.tasks import match_item_task
from flagdesk.matching.tests.factories import bank

from .factories import form_data

pytestmark = pytest.mark.django_db

REPORT = reverse("intake:report")


def upload(data: bytes, name: str = "photo.jpg", mime: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=mime)


def test_a_picture_is_hashed_and_matching_is_queued(client: Client, users) -> None:
    own = bank(users["coordinator"])
    from flagdesk.matching.media import hash_media
    from flagdesk.matching.services.banks import EntryInput, add_entries

    known = hash_media(picture_bytes())
    add_entries(
        own,
        [EntryInput(s.signal_type, s.value, s.quality) for s in known.signals],
        actor=users["analyst"],
    )
    copy = picture_bytes(scale=0.5, quality=50)  # resized and re-compressed
    response = client.post(REPORT, {**form_data(), "media": upload(copy)})
    assert response.status_code == 302
    item = Report.objects.get().items.get()
    kinds = sorted(item.signals.values_list("signal_type", flat=True))
    assert kinds == ["md5", "pdq", "sha256"]
    assert not any(s.thumbnail for s in item.signals.all())  # public uploads keep no picture
    # The background task (run here as the worker would) finds the known picture by PDQ.
    match_item_task.call(str(item.pk))
    [match] = Match.objects.filter(item=item)
    assert match.entry.signal_type == "pdq" and match.distance <= 31
    assert CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.MATCHED).exists()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.jpg", "The submitted file is empty."),
        (
            b"<html><script>alert(1)</script></html>",
            "x.png",
            "The file is not an image or a video we can read: it is a web page (HTML).",
        ),
        (
            b"\xff\xd8\xff\xe0" + b"\x00" * 40,
            "cut.jpg",
            "The file is damaged (not a valid JPEG image).",
        ),
    ],
)
def test_a_bad_file_is_refused_and_nothing_is_stored(client: Client, data, name, message) -> None:
    response = client.post(REPORT, {**form_data(), "media": upload(data, name)})
    assert response.status_code == 200
    # The reason sits next to the file field, and nothing else on the form is in error.
    assert response.context["form"].errors == {"media": [message]}
    assert f'<ul class="errorlist" id="id_media_error"><li>{message}</li></ul>' in (
        response.content.decode()
    )
    assert not Report.objects.exists()
    assert not ItemSignal.objects.exists()


def test_the_report_form_accepts_files(client: Client) -> None:
    page = client.get(REPORT).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="media"' in page


def test_the_api_takes_the_same_json_with_a_picture_as_multipart(client: Client) -> None:
    import json

    report = {
        "language": "en",
        "phenomenon": "ncii",
        "urls": ["https://social.test/p/api-media"],
        "role": "victim",
        "reporter": {"anonymous": True},
    }
    response = client.post(
        "/api/v1/reports",
        {"report": json.dumps(report), "media": upload(picture_bytes(scale=0.5))},
    )
    assert response.status_code == 201, response.content
    item = Report.objects.get().items.get()
    assert item.signals.filter(signal_type="pdq").exists()


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        ({"media": b"x"}, 422, "report"),
        ({"report": "{not json"}, 422, None),
        ({"report": "{}", "media": b"<html></html>"}, 422, None),
    ],
)
def test_bad_multipart_reports_are_refused_and_store_nothing(
    client: Client, fields, status, field
) -> None:
    data = {k: upload(v, "x.jpg") if isinstance(v, bytes) else v for k, v in fields.items()}
    response = client.post("/api/v1/reports", data)
    assert response.status_code == status
    error = response.json()["error"]
    if field:
        assert field in error["fields"]
    assert not Report.objects.exists()


def test_a_bad_picture_in_an_api_report_names_the_media_field(client: Client) -> None:
    import json

    report = {
        "language": "en",
        "urls": ["https://social.test/p/api-bad-media"],
        "role": "victim",
        "reporter": {"anonymous": True},
    }
    response = client.post(
        "/api/v1/reports", {"report": json.dumps(report), "media": upload(b"", "e.jpg")}
    )
    assert response.status_code == 422
    assert "media" in response.json()["error"]["fields"]
    assert not Report.objects.exists()
