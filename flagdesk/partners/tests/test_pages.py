"""The partner pages: forwarding from the item page, the forwards list, partner management."""

from __future__ import annotations

import re

from django.urls import reverse

from flagdesk.cases.models import CaseEvent
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.partners.models import Forward, Partner

from .factories import make_partner


def waiting_item():
    submitted = submit_report(
        ReportSubmission(urls=["https://social.test/pages/1"], role="witness", phenomenon="ncii")
    )
    return submitted.items[0]


def test_an_analyst_forwards_an_item_from_its_page(
    client, users, django_capture_on_commit_callbacks
):
    partner = make_partner()
    item = waiting_item()
    client.force_login(users["analyst"])
    page = client.get(reverse("cases:item-detail", args=[item.id]))
    forward_url = reverse("partners:item-forward", args=[item.id])
    assert forward_url in page.content.decode()
    form = client.get(forward_url)
    assert form.status_code == 200 and partner.name in form.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        answer = client.post(
            forward_url,
            {"partner": partner.id, "items": [item.id], "reason": "Their country, their case."},
        )
    assert answer.status_code == 302 and answer["Location"] == reverse("partners:forward-list")
    forward = Forward.objects.get()
    assert list(forward.items.all()) == [item] and forward.created_by == users["analyst"]
    assert CaseEvent.objects.filter(item=item, kind=CaseEvent.Kind.FORWARDED).exists()
    listing = client.get(reverse("partners:forward-list")).content.decode()
    assert forward.reference in listing and partner.name in listing


def test_a_forward_without_a_reason_shows_the_field_error(client, users):
    partner = make_partner()
    item = waiting_item()
    client.force_login(users["analyst"])
    answer = client.post(
        reverse("partners:item-forward", args=[item.id]),
        {"partner": partner.id, "items": [item.id], "reason": ""},
    )
    assert answer.status_code == 200 and not Forward.objects.exists()


def test_a_coordinator_adds_a_partner_and_sees_the_secret_once(client, users):
    client.force_login(users["coordinator"])
    answer = client.post(
        reverse("partners:partner-add"),
        {
            "name": "Meldpunt Example",
            "slug": "meldpunt",
            "base_url": "https://flagdesk.meldpunt.test",
            "country": "nl",
            "phenomena": ["ncii"],
            "email": "referrals@meldpunt.test",
            "their_token": "fdk_theirs",
            "is_active": "on",
        },
    )
    assert answer.status_code == 302, answer.content
    partner = Partner.objects.get(slug="meldpunt")
    assert partner.shared_secret in client.get(answer["Location"]).content.decode()
    assert partner.their_token == "fdk_theirs" and partner.country == "NL"
    issued = client.post(
        reverse("partners:partner-token-issue", args=[partner.id]), {"confirm": "yes"}, follow=True
    )
    token = re.search(r"fdk_[\w-]+", issued.content.decode())[0]
    partner.refresh_from_db()
    assert partner.user.role == "partner" and token != "fdk_theirs"
    old = partner.shared_secret
    rotated = client.post(
        reverse("partners:partner-secret-rotate", args=[partner.id]),
        {"confirm": "yes"},
        follow=True,
    )
    partner.refresh_from_db()
    assert partner.shared_secret != old and partner.shared_secret in rotated.content.decode()
    edit = client.get(reverse("partners:partner-edit", args=[partner.id])).content.decode()
    assert partner.shared_secret not in edit and "fdk_theirs" not in edit


def test_a_private_partner_address_is_refused(client, users):
    client.force_login(users["admin"])
    answer = client.post(
        reverse("partners:partner-add"),
        {"name": "Sneaky", "base_url": "https://private.test", "is_active": "on"},
    )
    assert answer.status_code == 200 and not Partner.objects.exists()
