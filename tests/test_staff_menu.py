"""Issue 8, points 14 and 15: every persona lands on a page it can use, and the menu and the
links inside pages offer only what the persona may open.

The expected menus and landings are written out in ``tests/staff_world.py``, as a reader would
check them; the code derives them from the ``role_required`` of each view, so a view whose
roles change moves its menu entry with it, and that table says whether that was meant.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import resolve, reverse

from conftest import PASSWORD, PERSONAS, totp_code
from flagdesk.accounts.menu import STAFF_MENU, landing_url, menu_for
from flagdesk.accounts.permissions import allowed_roles, role_required
from flagdesk.accounts.policy import Action, roles_for
from tests.staff_world import EXPECTED_MENU, LANDING, staff_world

ROLES = list(PERSONAS)

pytestmark = pytest.mark.django_db


class Links(HTMLParser):
    """The ``href`` of every ``<a>`` in a page, and those inside the staff menu apart."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.menu: list[str] = []
        self._in_menu = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "nav" and "topnav" in (attributes.get("class") or ""):
            self._in_menu = True
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(str(attributes["href"]))
            if self._in_menu:
                self.menu.append(str(attributes["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_menu = False


def links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def test_the_menu_is_one_literal_list_of_routes():
    assert [e.route for e in STAFF_MENU] == [
        "workbench:queue",
        "intake:intake-hub",
        "cases:review-queue",
        "cases:approved",
        "cases:my-tasks",
        "notices:notice-list",
        "notices:follow-up-queue",
        "monitoring:rechecks",
        "notices:mail-list",
        "notices:quality",
        "stats:dashboard",
        "platforms:platform-list",
        "partners:partner-list",
        "matching:bank-list",
        "matching:hash-lookup",
        "organisation:legal-bases",
        "organisation:organisation-edit",
        "intake:subject-search",
        "accounts:user-list",
        "audit:entry-list",
    ]


def test_role_required_records_the_roles_on_the_view():
    @role_required("analyst", "reviewer")
    def view(request):  # pragma: no cover - never called
        raise AssertionError

    assert allowed_roles(view) == {"analyst", "reviewer"}
    assert allowed_roles(lambda request: None) is None


@pytest.mark.parametrize("role", ROLES)
def test_menu_lists_exactly_the_pages_the_role_opens(client, users, role):
    user = users[role]
    assert [e.route for e in menu_for(user)] == EXPECTED_MENU[role]
    client.force_login(user)
    for entry in STAFF_MENU:
        status = client.get(reverse(entry.route)).status_code
        shown = entry.route in EXPECTED_MENU[role]
        assert status == (200 if shown else 403), (role, entry.route, status)


@pytest.mark.parametrize("role", ROLES)
def test_login_lands_on_the_first_page_the_role_opens(client, users, role):
    response = client.post(
        reverse("accounts:login"), {"username": PERSONAS[role], "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two-factor-verify")
    response = client.post(response["Location"], {"code": totp_code(PERSONAS[role])})
    assert response["Location"] == reverse(LANDING[role])
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="whoami"' in html and 'action="/logout"' in html  # menu and log out
    assert [urlsplit(h).path for h in links(html).menu] == [reverse(r) for r in EXPECTED_MENU[role]]
    assert landing_url(users[role]) == reverse(LANDING[role])


@pytest.mark.parametrize("role", ROLES)
def test_landing_route_and_brand_lead_to_the_role_s_page(client, users, role):
    client.force_login(users[role])
    response = client.get(reverse("accounts:landing"))
    assert response.status_code == 302 and response["Location"] == reverse(LANDING[role])
    html = client.get(reverse("accounts:account")).content.decode()
    assert f'class="brand" href="{reverse(LANDING[role])}"' in html


def test_landing_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get(reverse("accounts:landing"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_partner_account_page_points_to_the_api_documentation(client, users):
    client.force_login(users["partner"])
    html = client.get(reverse("accounts:account")).content.decode()
    assert "Partner accounts work through the API" in html
    assert f'href="{reverse("api:openapi-view")}"' in html
    assert 'action="/logout"' in html


def test_account_without_a_role_is_told_so(client, users):
    client.force_login(users["none"])
    html = client.get(reverse("accounts:account")).content.decode()
    assert "Your account has no role yet" in html
    assert "mallory · no role" in html


# Links a crawl does not follow: they leave the staff UI or change state on GET elsewhere.
SKIP = re.compile(r"^/(logout|i18n/|static/|django-admin/|api/v1/(?!docs$))")


def crawl(client, start: list[str], limit: int = 400) -> tuple[set[str], list[tuple]]:
    """Follow every internal link from ``start``; return the pages seen and the failures."""
    seen: set[str] = set()
    failures: list[tuple] = []
    queue = deque((url, "(start)") for url in start)
    while queue and len(seen) < limit:
        url, source = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200:
            failures.append((url, source, response.status_code))
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        for href in links(response.content.decode()).hrefs:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/") or SKIP.match(parts.path):
                continue
            queue.append((parts.path + (f"?{parts.query}" if parts.query else ""), url))
    return seen, failures


@pytest.mark.parametrize("role", ROLES)
def test_no_link_in_any_page_leads_the_role_to_a_refusal(client, users, settings, role):
    """Buttons and links inside pages (item page, queue, notices, platforms, banks) too."""
    world = staff_world(users, settings)
    client.force_login(users[role])
    start = [reverse(LANDING[role]), *(reverse(r) for r in EXPECTED_MENU[role])]
    seen, failures = crawl(client, start)
    assert not failures, failures
    if role in ("analyst", "coordinator"):
        # the crawl reached the pages that hold most in-page links
        notified = world.notified
        for page in (
            reverse("cases:item-detail", args=[world.waiting.id]),
            reverse("notices:notice-detail", args=[world.notice.id]),
            reverse("cases:item-detail", args=[notified.id]),  # from the Re-checks list too
        ):
            assert page in seen, page


def test_the_intake_hub_lets_in_everyone_who_may_use_an_intake_channel():
    """The hub is guarded by INTAKE_PHONE alone because the three intake actions grant the
    same roles; if one of them changes, the hub's guard must become their union."""
    phone = roles_for(Action.INTAKE_PHONE)
    assert roles_for(Action.INTAKE_MAIL) == phone
    assert roles_for(Action.INTAKE_IMPORT) == phone
    assert allowed_roles(resolve(reverse("intake:intake-hub")).func) == set(phone)


@pytest.mark.parametrize(
    "route",
    ["intake:intake-hub", "intake:phone-report", "intake:mail-intake-list", "intake:import"],
)
def test_intake_is_the_current_menu_entry_on_every_intake_page(client, users, route):
    client.force_login(users["analyst"])
    html = client.get(reverse(route)).content.decode()
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', html.split('class="topnav"')[1])
    assert current[:1] == [reverse("intake:intake-hub")]


def test_platform_answers_and_the_intake_mailbox_have_different_names(client, users):
    client.force_login(users["analyst"])
    html = client.get(reverse("intake:intake-hub")).content.decode()
    menu = html.split('class="topnav"')[1].split("</nav>")[0]
    assert ">Platform answers</a>" in menu and ">Mails</a>" not in menu
    assert ">Mailbox</a>" not in menu
    page = client.get(reverse("intake:mail-intake-list")).content.decode()
    assert "<h1>Intake mailbox</h1>" in page
