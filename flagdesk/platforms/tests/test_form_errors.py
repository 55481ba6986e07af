"""Issue 8, point 24: an empty platform form names each missing field in its summary."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from flagdesk.platforms.models import Platform

pytestmark = pytest.mark.django_db


def test_empty_form_names_every_missing_field_once_in_the_summary(client, users):
    client.force_login(users["coordinator"])
    response = client.post(reverse("platforms:platform-add"), {"languages": ""})
    assert response.status_code == 200
    page = unescape(response.content.decode())
    summary = page[
        page.index('class="error-summary"') : page.index(
            "</ul>", page.index('class="error-summary"')
        )
    ]
    for field, label in [
        ("name", "Name"),
        ("domains", "Domains"),
        ("notice_address", "Notice address"),
        ("languages", "Notice languages"),
    ]:
        assert f'<a href="#id_{field}">{label}</a>: This field is required.' in summary
    assert "The platform was not registered." in summary
    assert not Platform.objects.exists()


@pytest.mark.parametrize(("role", "shown"), [("coordinator", True), ("analyst", False)])
def test_register_button_only_for_roles_that_may_register(client, users, role, shown):
    client.force_login(users[role])
    page = client.get(reverse("platforms:platform-list")).content.decode()
    assert (f'href="{reverse("platforms:platform-add")}"' in page) is shown
