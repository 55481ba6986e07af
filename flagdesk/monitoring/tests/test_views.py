"""The item page's "Still online?" panel and the Re-checks page, as each role sees them."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from flagdesk.audit.models import AuditEntry
from flagdesk.cases.models import Item
from flagdesk.monitoring.fetcher import Fetched
from flagdesk.monitoring.manifest import manifest_text
from flagdesk.monitoring.models import Capture, CaptureFile, Watch
from flagdesk.monitoring.services.checks import record_check
from flagdesk.monitoring.services.watches import request_check
from flagdesk.monitoring.storage import store
from flagdesk.notices.tests.factories import approved_item, make_platform

pytestmark = pytest.mark.django_db


def png(colour=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def item(users):
    make_platform(users)
    return approved_item(users)


@pytest.fixture
def screenshot(item):
    data = png()
    capture = Capture.objects.create(
        item=item,
        trigger="request",
        requested_at=timezone.now(),
        status="done",
        media_allowed=True,
        url=item.url,
        captured_at=timezone.now(),
        http_status=200,
    )
    digest = hashlib.sha256(data).hexdigest()
    capture.manifest = manifest_text([("screenshot.png", digest)])
    capture.manifest_sha256 = hashlib.sha256(capture.manifest.encode()).hexdigest()
    capture.save()
    return CaptureFile.objects.create(
        capture=capture,
        kind="screenshot",
        name="screenshot.png",
        content_type="image/png",
        size=len(data),
        sha256=digest,
        storage_key=store().put(data),
    )


def page(client, item) -> str:
    answer = client.get(reverse("cases:item-detail", args=[item.id]))
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_panel_offers_what_each_role_may_do(client, users, item):
    client.force_login(users["analyst"])
    html = page(client, item)
    assert 'id="monitoring"' in html and "Check now" in html and "Capture evidence" in html
    assert "Court bundle (ZIP)" in html
    client.force_login(users["intake"])
    html = page(client, item)
    assert "Check now" in html and "Capture evidence" not in html


def test_check_now_queues_a_check(client, users, item):
    client.force_login(users["analyst"])
    answer = client.post(reverse("monitoring:item-check", args=[item.id]))
    assert answer.status_code == 302 and answer["Location"].endswith("#monitoring")
    assert Watch.objects.get(item=item).requested_by == users["analyst"]


def test_confirm_removal_from_the_panel(client, users, item):
    watch = request_check(item, actor=users["analyst"])
    record_check(
        watch.pk, Fetched(url=item.url, outcome="gone", reason="http_404", http_status=404)
    )
    client.force_login(users["analyst"])
    html = page(client, item)
    assert "Confirm removal" in html
    Item.objects.filter(pk=item.pk).update(status=Item.Status.NOTIFIED)
    client.post(reverse("monitoring:item-confirm", args=[item.id]), {"decision": "gone"})
    item.refresh_from_db()
    assert item.status == Item.Status.REMOVED
    assert Watch.objects.get(item=item).end_reason == "confirmed_gone"


def test_a_screenshot_is_blurred_until_revealed_and_the_reveal_is_audited(
    client, users, screenshot
):
    client.force_login(users["analyst"])
    preview = reverse("monitoring:file-preview", args=[screenshot.id])
    blurred = client.get(preview)
    assert blurred["Content-Type"] == "image/jpeg" and blurred["Cache-Control"] == "no-store"
    img = Image.open(io.BytesIO(blurred.content)).convert("RGB")
    r, g, b = img.getpixel((img.width // 2, img.height // 2))
    assert abs(r - g) < 8 and abs(g - b) < 8  # greyscale, although the page is red
    assert "blurred" in page(client, screenshot.capture.item)

    answer = client.post(reverse("monitoring:file-reveal", args=[screenshot.id]))
    assert answer.status_code == 302
    entry = AuditEntry.objects.filter(action="evidence.reveal").get()
    assert entry.actor == users["analyst"]
    clear = Image.open(io.BytesIO(client.get(preview).content)).convert("RGB")
    r, g, b = clear.getpixel((clear.width // 2, clear.height // 2))
    assert r > 150 and g < 90  # the red page, in colour


def test_a_download_needs_a_reason_and_is_audited(client, users, screenshot):
    client.force_login(users["reviewer"])
    url = reverse("monitoring:file-download", args=[screenshot.id])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 302
    assert not AuditEntry.objects.filter(action="evidence.download").exists()
    answer = client.post(url, {"reason": "Preparing the complaint to the police"})
    assert answer.status_code == 200, answer.content[:300]
    assert answer.content == png()
    assert answer["Content-Disposition"].startswith("attachment")
    entry = AuditEntry.objects.get(action="evidence.download")
    assert entry.reason == "Preparing the complaint to the police"


def test_intake_sees_neither_reveal_nor_download(client, users, screenshot):
    client.force_login(users["intake"])
    html = page(client, screenshot.capture.item)
    assert "/reveal" in html  # the reporter's details, another panel
    assert reverse("monitoring:file-reveal", args=[screenshot.id]) not in html
    assert reverse("monitoring:file-download", args=[screenshot.id]) not in html
    assert client.post(reverse("monitoring:file-reveal", args=[screenshot.id])).status_code == 403


def test_the_rechecks_page_is_calm_when_nothing_waits(client, users):
    client.force_login(users["analyst"])
    html = client.get(reverse("monitoring:rechecks")).content.decode()
    assert "Nothing waits" in html


def test_the_court_bundle_needs_a_reason_and_is_audited(client, users, screenshot):
    import zipfile

    item = screenshot.capture.item
    client.force_login(users["analyst"])
    url = reverse("monitoring:case-bundle", args=[item.case_id])
    refused = client.post(url, {"item": str(item.id), "reason": "x"})
    assert refused.status_code == 302 and refused["Location"].endswith("#monitoring")
    assert not AuditEntry.objects.filter(action="evidence.bundle").exists()
    answer = client.post(url, {"item": str(item.id), "reason": "For the hearing of 3 March"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    data = b"".join(answer.streaming_content)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "SHA256SUMS" in names and "summary.pdf" in names
    assert any(n.endswith("/screenshot.png") for n in names)
    entry = AuditEntry.objects.get(action="evidence.bundle")
    assert entry.reason == "For the hearing of 3 March"
    assert hashlib.sha256(data).hexdigest() == answer["X-Bundle-SHA256"]


def test_messages_of_the_section_show_in_the_section(client, users, item):
    client.force_login(users["analyst"])
    answer = client.post(reverse("monitoring:item-check", args=[item.id]), follow=True)
    html = answer.content.decode()
    section = html[html.index('id="monitoring"') :]
    assert "A re-check is queued" in section
    assert html.count("A re-check is queued") == 1  # not also at the top, out of sight


def test_a_bundle_without_a_real_reason_says_what_to_write(client, users, screenshot):
    item = screenshot.capture.item
    client.force_login(users["analyst"])
    url = reverse("monitoring:case-bundle", args=[item.case_id])
    answer = client.post(url, {"item": str(item.id), "reason": "x"}, follow=True)
    html = answer.content.decode()
    assert "why you need the evidence bundle" in html
    assert "call the reporter back" not in html
