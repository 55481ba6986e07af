"""Staff screens: notice list, detail with the response form, and sending from checkboxes."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from flagdesk.cases.models import Item
from flagdesk.notices.models import Notice, NoticeResponse
from flagdesk.notices.services import queue_notices
from flagdesk.notices.tasks import send_outbox_row

from .factories import approved_item

pytestmark = pytest.mark.django_db

CASEWORK = ("intake", "analyst", "reviewer", "coordinator")


@pytest.mark.parametrize("role", [*CASEWORK, "admin", "auditor", "partner", "none", None])
def test_permission_matrix(client, users, platform, role):
    [notice] = queue_notices([approved_item(users)], actor=users["analyst"])
    if role:
        client.force_login(users[role])
    expected = {
        "notices:notice-list": CASEWORK,
        "notices:notice-detail": CASEWORK,
        "notices:notice-send": ("analyst", "reviewer", "coordinator"),
    }
    for route, roles in expected.items():
        kwargs = {"notice_id": notice.id} if route == "notices:notice-detail" else {}
        status = client.get(reverse(route, kwargs=kwargs)).status_code
        assert status == (200 if role in roles else 403 if role else 302), route


def test_send_from_checkboxes_redirects_to_the_list_with_a_message(client, users, platform):
    items = [approved_item(users), approved_item(users)]
    client.force_login(users["reviewer"])
    response = client.post(
        reverse("notices:notice-send"), {"item_ids": [str(i.id) for i in items]}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("notices:notice-list")
    notice = Notice.objects.get()
    assert notice.items.count() == 2
    assert f"1 notice queued: {notice.reference}." in response.content.decode()


def test_send_refusal_is_shown_on_the_form(client, users, platform):
    item = approved_item(users)
    Item.objects.filter(pk=item.pk).update(status=Item.Status.REFUSED)
    client.force_login(users["analyst"])
    response = client.post(reverse("notices:notice-send"), {"item_ids": [str(item.id)]})
    assert response.status_code == 200
    assert "Only items whose illegal verdict a reviewer approved" in response.content.decode()
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [({}, "Tick at least one item."), ({"item_ids": ["nonsense"]}, "This item reference is not")],
)
def test_send_without_valid_items_shows_an_error(client, users, data, message):
    client.force_login(users["analyst"])
    response = client.post(reverse("notices:notice-send"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(message) == 1
    assert f'href="#id_item_ids">Items</a>: {message}' in page


def test_send_form_include_lists_items_with_checkboxes(users, platform):
    items = [approved_item(users), approved_item(users)]
    html = render_to_string(
        "notices/_send_form.html", {"send_items": items, "checked_ids": {str(items[0].id)}}
    )
    assert reverse("notices:notice-send") in html
    assert html.count('name="item_ids"') == 2
    assert html.count(" checked") == 1


def test_detail_shows_frozen_body_and_records_a_response(client, users, platform, smtp_server):
    [notice] = queue_notices([approved_item(users)], actor=users["analyst"])
    send_outbox_row.call(str(notice.outbox.id))
    client.force_login(users["intake"])
    url = reverse("notices:notice-detail", kwargs={"notice_id": notice.id})
    page = client.get(url).content.decode()
    assert notice.reference in page and "bona fide belief" in page
    response = client.post(
        url,
        {
            "kind": "decision",
            "decision": "refused",
            "received_at": "2026-01-05T10:00",
            "statement": "Not against our rules.",
        },
    )
    assert response.status_code == 302
    assert NoticeResponse.objects.get().statement == "Not against our rules."
    assert "Not against our rules." in client.get(url).content.decode()


def test_detail_shows_service_errors_on_the_form(client, users, platform):
    [notice] = queue_notices([approved_item(users)], actor=users["analyst"])
    client.force_login(users["analyst"])
    url = reverse("notices:notice-detail", kwargs={"notice_id": notice.id})
    response = client.post(url, {"kind": "acknowledgement", "received_at": "2026-01-05T10:00"})
    assert response.status_code == 200
    assert "has not been sent" in response.content.decode()


def test_list_filters_by_status(client, users, platform):
    [notice] = queue_notices([approved_item(users)], actor=users["analyst"])
    client.force_login(users["analyst"])
    assert notice.reference in client.get(reverse("notices:notice-list")).content.decode()
    sent_only = client.get(reverse("notices:notice-list"), {"status": "sent"}).content.decode()
    assert notice.reference not in sent_only


def test_list_query_count_is_flat(client, users, platform, django_assert_max_num_queries):
    for _ in range(5):
        queue_notices([approved_item(users)], actor=users["analyst"])
    client.force_login(users["analyst"])
    with django_assert_max_num_queries(10):
        client.get(reverse("notices:notice-list"))
