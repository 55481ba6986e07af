"""What a new user's first click-through of intake found: every problem of the phone form at
once, the status page's address from the configured base URL, spreadsheets refused by their
content, a dry run's summary, and staff pages in staff words."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse

from flagdesk.intake.models import Report, ReporterMail
from flagdesk.intake.tests.test_phone_intake import NOTHING, PHONE, RECEIPT, form, stored

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


# -- 1. the status page's address -------------------------------------------------------------


def test_make_run_serves_with_the_same_base_url_as_the_demo():
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    commands = recipe.replace("\\\n", " ").splitlines()
    base = "FLAGDESK_BASE_URL=$${FLAGDESK_BASE_URL:-http://127.0.0.1:$(PORT)}"
    assert [c for c in commands if " demo" in c and base in c]
    assert [c for c in commands if " serve " in c and base in c]


def test_the_receipt_page_and_mail_give_the_configured_status_address(client, users, settings):
    settings.BASE_URL = "http://flagdesk.example.test:8123/"
    status = "http://flagdesk.example.test:8123" + reverse("intake:report-status")
    client.force_login(users["intake"])
    assert client.post(PHONE, form()).status_code == 302
    page = unescape(client.get(RECEIPT).content.decode())
    assert status in page and "127.0.0.1" not in page
    mail = ReporterMail.objects.get()
    assert status in mail.body and "127.0.0.1" not in mail.body


# -- 2. every problem of the phone form at once -----------------------------------------------


def test_the_phone_form_shows_every_problem_in_one_pass(client, users):
    client.force_login(users["intake"])
    fields = form(has_consented=None, mail_receipt=None, role="", urls="ftp://bad.example.test/x")
    response = client.post(PHONE, fields)
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Ask the caller" in html  # the form's: contact details without consent
    assert "Only web addresses starting with http:// or https://" in html  # the service's
    assert "Tell us who you are in this situation." in html  # "Who is calling?" is missing
    errors = response.context["form"].errors
    assert {"has_consented", "urls", "role"} <= set(errors)
    assert stored() == NOTHING


# -- 3. files that are no spreadsheet ---------------------------------------------------------


def _zip_of(name: str) -> bytes:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, b"<w:document/>")
    return out.getvalue()


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (PDF, "links.pdf"),
        (PDF, "links.csv"),  # the content decides, not the name
        (_zip_of("word/document.xml"), "links.docx"),
        (PNG, "links.png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200), "scan.jpg"),
        (b"url\nhttps://social.test/a\x00\x00\x00\n", "links.csv"),  # NUL bytes in UTF-8
        (bytes(range(1, 32)) * 20, "links.csv"),  # control characters, no NUL
    ],
)
def test_a_file_that_is_no_spreadsheet_is_named_so(api, data, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    response = api("intake").upload("/imports", file=file, dry_run="true")
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "import_refused"
    assert error["message"] == "This file is not a CSV or XLSX spreadsheet."
    assert "No column of web addresses" not in response.content.decode()


# -- 4. a dry run from the command line -------------------------------------------------------


def test_a_dry_run_needs_no_user_and_says_what_an_import_would_do(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from flagdesk.cases.tests.factories import reported_item
    from flagdesk.intake.models import Import

    from .import_files import csv_bytes

    opened = reported_item("https://social.test/open")
    rows = [["url"], ["https://social.test/a"], ["https://social.test/open"], ["ftp://x.test/"]]
    path = tmp_path / "links.csv"
    path.write_bytes(csv_bytes(rows))
    out = StringIO()
    call_command("import_spreadsheet", str(path), "--dry-run", username="", stdout=out)
    text = out.getvalue()
    assert text.rstrip().endswith(
        "Dry run: 2 rows would be imported, 1 skipped; nothing was stored."
    )
    assert "a case you have no access to" in text  # without a user, no case is named
    assert opened.case.reference not in text
    assert not Import.objects.exists() and Report.objects.count() == 1


# -- 5. no raw values for staff ---------------------------------------------------------------


def test_the_mail_draft_names_the_language(client, users):
    from flagdesk.intake.tests.test_mail_intake_decisions import draft

    d = draft()
    client.force_login(users["intake"])
    page = unescape(client.get(reverse("intake:mail-intake-detail", args=[d.id])).content.decode())
    facts = page.split('<dl class="facts">')[1].split("</dl>")[0]
    language = facts.split("Language</dt><dd>")[1].split("</dd>")[0]
    assert language == {"fr": "French", "nl": "Dutch", "de": "German", "en": "English"}[d.language]


def test_an_unset_mailbox_is_told_in_plain_words(client, users, settings):
    settings.INTAKE_IMAP_URL = ""
    client.force_login(users["intake"])
    page = unescape(client.get(reverse("intake:mail-intake-list")).content.decode())
    assert "The intake mailbox is not set up yet; an administrator sets it up" in page
    assert "FLAGDESK_INTAKE_IMAP_URL" not in page  # the setting's name is in the docs
    settings.INTAKE_IMAP_URL = "imaps://intake:secret@mail.example.test/INBOX"
    page = unescape(client.get(reverse("intake:mail-intake-list")).content.decode())
    assert "not set up" not in page and "has not been read yet" in page


# -- 6. staff words for the reporter's role ---------------------------------------------------


def test_staff_pages_name_the_reporter_s_role_in_staff_words(client, users):
    from django.template import Context, Template

    from flagdesk.intake.labels import staff_role_choices, staff_role_label

    assert staff_role_label("professional") == "A professional"
    assert staff_role_label("victim") == "The person targeted or shown"
    assert staff_role_label("unknown") == "unknown"
    assert [code for code, _label in staff_role_choices()] == list(Report.ReporterRole.values)
    rendered = Template("{% load intake_labels %}{{ role|staff_role }}").render(
        Context({"role": "witness"})
    )
    assert rendered == "Someone who saw it online"
    client.force_login(users["intake"])
    page = unescape(client.get(reverse("intake:import")).content.decode())
    assert "A professional" in page
    assert "I am reporting as a professional" not in page and "I am the person" not in page


# -- 7. the import's summary links its case, as it is now -------------------------------------


def _imported(client, users, url: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from flagdesk.intake.models import Import

    from .import_files import csv_bytes

    client.force_login(users["intake"])
    data = csv_bytes([["url"], [url]])
    client.post(
        reverse("intake:import"),
        {"file": SimpleUploadedFile("list.csv", data), "role": "professional"},
    )
    batch = Import.objects.get()
    client.post(reverse("intake:import-confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "done"
    return batch


def test_the_import_summary_links_the_case_and_follows_a_merge(client, users):
    from flagdesk.cases.services.merge import merge_cases
    from flagdesk.cases.tests.factories import reported_item

    batch = _imported(client, users, "https://social.test/import/merge-1")
    detail = reverse("intake:import-detail", args=[batch.pk])
    page = unescape(client.get(detail).content.decode())
    link = f'href="{reverse("cases:case-detail", args=[batch.case.pk])}"'
    assert link in page and f">{batch.case.reference}</a>" in page
    other = reported_item("https://social.test/import/other").case
    merge_cases(batch.case, other, actor=users["coordinator"], reason="The same person.")
    page = unescape(client.get(detail).content.decode())
    assert f'href="{reverse("cases:case-detail", args=[other.pk])}"' in page
    assert f">{other.reference}</a>" in page
    assert f"Case {batch.case.reference} was merged into case {other.reference}." in page


# -- 8. the mail draft's check boxes sit before their labels ----------------------------------


def test_the_mail_draft_s_boxes_sit_before_their_labels(client, users):
    from flagdesk.intake.tests.test_mail_intake_decisions import draft

    d = draft()
    client.force_login(users["intake"])
    page = client.get(reverse("intake:mail-intake-detail", args=[d.id])).content.decode()
    for box in ('id="id_keep_contact"', 'id="merge_include_text"'):
        label = page[: page.index(box)].rsplit("<label", 1)[1]
        assert label.startswith(' class="choice"'), label  # the box inside its label, first


# -- 9. the contact log leads back to its case ------------------------------------------------


def test_the_contact_log_leads_back_to_the_case(client, users):
    from flagdesk.cases.tests.factories import reported_item

    case = reported_item("https://social.test/contact-log").case
    client.force_login(users["intake"])
    page = client.get(reverse("intake:case-contacts", kwargs={"case_id": case.pk}))
    html = unescape(page.content.decode())
    assert f'href="{reverse("cases:case-detail", args=[case.pk])}" id="back-to-case"' in html
    assert "Back to the case" in html and "Back to the item" not in html
