"""Issue 8, point 16: refusals and missing pages are styled pages in the reader's language
that say why and where to go; the API keeps its JSON errors; the 500 page needs no database."""

from __future__ import annotations

import json
from html import unescape

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from conftest import PASSWORD
from flagdesk.accounts.models import Role
from flagdesk.site.urls import handler500

STAFF_PAGE = "organisation:organisation-edit"  # admin and coordinator only


@pytest.mark.django_db
def test_refusal_names_the_roles_and_leads_to_the_start_page(client, users):
    client.force_login(users["analyst"])
    response = client.get(reverse(STAFF_PAGE))
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>You cannot open this page</h1>" in html
    assert "This page is for these roles: Coordinator, Administrator." in html
    assert "Your role: Analyst." in html
    start = reverse("workbench:queue")
    assert f'<a class="button" href="{start}">Go to your start page</a>' in html
    assert 'href="/static/flagdesk/flagdesk.css"' in html  # the staff layout, styled
    assert 'class="topnav"' in html and 'action="/logout"' in html  # menu and log out


@pytest.mark.django_db
def test_refusal_is_in_the_reader_s_language(client, users, settings):
    client.force_login(users["auditor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    html = unescape(client.get(reverse("cases:queue")).content.decode())
    assert '<html lang="fr">' in html
    with translation.override("fr"):
        roles = [str(Role(r).label) for r in ("intake", "analyst", "reviewer", "coordinator")]
        expected = translation.gettext("This page is for these roles: %(roles)s.") % {
            "roles": ", ".join(roles)
        }
        own = str(Role.AUDITOR.label)
    assert expected in html
    assert own in html
    assert str(Role.AUDITOR.label) != "Auditor"  # the catalogue has it: this is French


@pytest.mark.django_db
def test_missing_page_is_styled_with_the_menu_for_staff(client, users):
    client.force_login(users["reviewer"])
    response = client.get(
        reverse("cases:item-detail", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'class="topnav"' in html
    assert f'href="{reverse("workbench:queue")}">Go to your start page' in html


@pytest.mark.django_db
def test_missing_page_for_the_public_offers_the_report_form(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert f'href="{reverse("intake:report")}"' in html
    assert 'class="topnav"' not in html
    assert "your account" not in html  # a visitor has none


@pytest.mark.django_db
def test_missing_api_endpoint_stays_json(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_server_error_page_needs_no_database_and_speaks_the_language():
    """No ``db`` fixture: any query or session read would fail this test."""
    request = RequestFactory().get("/staff/")
    with translation.override("fr"):
        response = handler500(request)
        title = translation.gettext("Something went wrong")
    assert response.status_code == 500
    html = unescape(response.content.decode())
    assert '<html lang="fr">' in html
    assert 'href="/static/flagdesk/flagdesk.css"' in html
    assert f"<h1>{title}</h1>" in html


def test_server_error_under_the_api_is_json():
    response = handler500(RequestFactory().get("/api/v1/items"))
    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "internal_error"


@pytest.mark.django_db
def test_expired_form_is_explained_instead_of_django_s_csrf_page(users):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>The form was not accepted</h1>" in html
    assert 'href="/static/flagdesk/flagdesk.css"' in html
    assert "CSRF" not in html
