"""The Intake hub: one staff page with a card per intake channel (phone, intake mailbox,
spreadsheet import), each shown only to whoever may open its page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flagdesk.intake.imports.services import preview_import
from flagdesk.intake.mail_intake.services import discard_draft

from .import_files import csv_bytes
from .test_mail_intake_decisions import draft

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["intake", "analyst", "reviewer", "coordinator"])
def test_the_hub_shows_a_card_for_each_channel(client, users, role):
    client.force_login(users[role])
    response = client.get(reverse("intake:intake-hub"))
    assert response.status_code == 200
    html = response.content.decode()
    for card, route in [
        ("hub-phone", "intake:phone-report"),
        ("hub-mailbox", "intake:mail-intake-list"),
        ("hub-import", "intake:import"),
    ]:
        assert f'id="{card}"' in html and f'href="{reverse(route)}"' in html
    assert "No spreadsheet has been imported yet." in html
    assert "0 mails wait for a decision." in html


@pytest.mark.parametrize("role", ["auditor", "admin", "partner", "none"])
def test_other_roles_get_a_styled_refusal(client, users, role):
    client.force_login(users[role])
    response = client.get(reverse("intake:intake-hub"))
    assert response.status_code == 403 and "<html" in response.content.decode().lower()


def test_the_mailbox_card_counts_only_pending_drafts(client, users):
    draft(), draft()
    discard_draft(draft(), reason="spam", actor=users["intake"])
    client.force_login(users["intake"])
    html = client.get(reverse("intake:intake-hub")).content.decode()
    assert "2 mails wait for a decision." in html


def test_the_import_card_lists_the_last_five_imports_with_their_status(client, users):
    for n in range(6):
        data = csv_bytes([["url"], [f"https://social.test/hub/{n}"]])
        preview_import(data, f"list-{n}.csv", actor=users["analyst"])
    client.force_login(users["intake"])
    html = client.get(reverse("intake:intake-hub")).content.decode()
    card = html.split('id="hub-import"')[1].split("</section>")[0]
    assert [f"list-{n}.csv" in card for n in range(6)] == [False, True, True, True, True, True]
    assert card.count("Previewed") == 5


def test_the_intake_sub_pages_lead_back_to_the_hub(client, users):
    client.force_login(users["intake"])
    hub = f'<p class="crumbs"><a href="{reverse("intake:intake-hub")}">Intake</a>'
    for route in ("intake:phone-report", "intake:mail-intake-list", "intake:import"):
        assert hub in client.get(reverse(route)).content.decode(), route
