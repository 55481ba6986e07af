"""What a new user met on the partner pages: phenomenon names, the demo's partner token,
new keys shown once after a confirmation, partners registered while their host does not
resolve, messages in the reader's language, and the way to the Forwards page."""

from __future__ import annotations

import html
import re

from django.urls import reverse
from django.utils import translation

from flagdesk.accounts.models import ApiToken
from flagdesk.core import taxonomy
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.partners import demo
from flagdesk.partners.models import DeliveryStatus, Forward, Partner
from flagdesk.partners.services import forward_case

from .factories import make_partner

FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def page(answer) -> str:
    return html.unescape(answer.content.decode())


def an_item(url: str = "https://social.test/click/1"):
    submitted = submit_report(ReportSubmission(urls=[url], role="witness", phenomenon="ncii"))
    return submitted.items[0]


def test_the_partner_form_names_the_phenomena_in_the_readers_language(client, users):
    client.force_login(users["coordinator"])
    english = page(client.get(reverse("partners:partner-add")))
    french = page(client.get(reverse("partners:partner-add"), **FR))
    ncii = taxonomy.phenomena()["ncii"]
    assert "bound method" not in english and "bound method" not in french
    assert ncii.label("en") in english and ncii.label("fr") in french
    for code, label in taxonomy.phenomenon_choices("fr"):
        assert f'value="{code}"' in french and label in french


def test_the_partner_list_names_the_phenomena(client, users):
    make_partner()  # handles ncii
    client.force_login(users["coordinator"])
    listing = page(client.get(reverse("partners:partner-list"), **FR))
    assert taxonomy.phenomena()["ncii"].label("fr") in listing
    assert "Phenomena: ncii" not in listing and "<td>ncii</td>" not in listing


def test_the_demo_token_of_pat_works_on_the_referrals_api_at_once(client, users):
    from flagdesk.accounts.services import issue_token

    demo.load({"alice": users["analyst"], "pat": users["partner"]}, item=an_item())
    assert Partner.objects.get().user == users["partner"]
    token = issue_token(users["partner"], name="demo")  # as `flagdesk demo` issues it
    answer = client.get("/api/v1/referrals/NOPE", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404, answer.content
    assert answer.json()["error"]["code"] == "not_found"


def test_a_new_secret_asks_first_and_is_shown_once_after_a_redirect(client, users):
    partner = make_partner()
    old = partner.shared_secret
    client.force_login(users["coordinator"])
    rotate = reverse("partners:partner-secret-rotate", args=[partner.id])
    asked = client.post(rotate)
    partner.refresh_from_db()
    assert asked.status_code == 200 and partner.shared_secret == old  # nothing changed yet
    assert "stops working" in page(asked)
    done = client.post(rotate, {"confirm": "yes"})
    edit = reverse("partners:partner-edit", args=[partner.id])
    assert done.status_code == 302 and done["Location"] == edit
    partner.refresh_from_db()
    assert partner.shared_secret != old
    assert partner.shared_secret in page(client.get(edit))
    again = client.get(edit)  # a reload neither shows it again nor makes another
    partner.refresh_from_db()
    assert partner.shared_secret not in page(again)
    assert Partner.objects.get().shared_secret == partner.shared_secret


def test_their_token_asks_first_and_is_shown_once(client, users):
    partner = make_partner()
    client.force_login(users["coordinator"])
    issue = reverse("partners:partner-token-issue", args=[partner.id])
    asked = client.post(issue)
    partner.refresh_from_db()
    assert asked.status_code == 200 and partner.user is None
    done = client.post(issue, {"confirm": "yes"})
    assert done.status_code == 302
    shown = page(client.get(done["Location"]))
    token = re.search(r"fdk_[\w-]+", shown.replace("fdk_their_token", ""))[0]
    partner.refresh_from_db()
    assert partner.user.role == "partner" and token
    assert token not in page(client.get(done["Location"]))
    assert ApiToken.objects.filter(user=partner.user).count() == 1


def test_a_partner_whose_host_does_not_resolve_now_is_added_with_a_warning(client, users):
    client.force_login(users["coordinator"])
    answer = client.post(
        reverse("partners:partner-add"),
        {"name": "Offline", "base_url": "https://flagdesk.offline.example", "is_active": "on"},
        follow=True,
    )
    partner = Partner.objects.get(slug="offline")
    shown = page(answer)
    assert "does not resolve now" in shown and partner.shared_secret in shown


def test_private_and_plain_http_partner_addresses_are_still_refused(client, users):
    client.force_login(users["coordinator"])
    for url in ("https://private.test", "https://loopback.test", "http://plain.test"):
        answer = client.post(
            reverse("partners:partner-add"), {"name": "Sneaky", "base_url": url, "is_active": "on"}
        )
        assert answer.status_code == 200, url
    assert not Partner.objects.exists()


def test_a_send_error_is_shown_in_the_readers_language(client, users):
    from flagdesk.partners import delivery

    partner = make_partner(base_url="https://flagdesk.nowhere.example")
    forward = forward_case([an_item()], partner, actor=users["analyst"], reason="Theirs.")
    claimed = delivery.claim_forward(forward.id)
    delivery.deliver_forward(claimed)
    forward.refresh_from_db()
    assert forward.delivery == DeliveryStatus.PENDING and forward.last_error == "dns_failed"
    client.force_login(users["analyst"])
    french = page(client.get(reverse("partners:forward-list"), **FR))
    with translation.override("fr"):
        assert translation.gettext("The partner's host name does not resolve.") in french
    assert "The partner's host name does not resolve." not in french


def test_the_forward_form_preselects_the_only_partner(client, users):
    partner = make_partner()
    item = an_item()
    client.force_login(users["analyst"])
    form = page(client.get(reverse("partners:item-forward", args=[item.id])))
    assert f'<option value="{partner.id}" selected>' in form
    make_partner(slug="hotline-c")
    form = page(client.get(reverse("partners:item-forward", args=[item.id])))
    assert f'<option value="{partner.id}" selected>' not in form


def test_the_forwards_page_is_linked_from_the_partner_list_and_the_item_panel(client, users):
    make_partner()
    item = an_item()
    forwards = reverse("partners:forward-list")
    client.force_login(users["coordinator"])
    assert f'href="{forwards}"' in page(client.get(reverse("partners:partner-list")))
    assert f'href="{forwards}"' in page(client.get(reverse("cases:item-detail", args=[item.id])))
    assert not Forward.objects.exists()
