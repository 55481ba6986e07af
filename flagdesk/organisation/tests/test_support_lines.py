"""Issue 14: the support lines the organisation shows victims, per phenomenon and language.

Coordinators and administrators manage them on staff pages (list, add, edit, reorder,
deactivate); every change is audited; the public pages show the active lines for the
report's phenomenon in the page's language, and the fictional demo lines load.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from flagdesk.audit.models import AuditEntry
from flagdesk.core.errors import PermissionDenied, ValidationFailed
from flagdesk.organisation import demo
from flagdesk.organisation.models import SupportLine
from flagdesk.organisation.queries import support_lines_for
from flagdesk.organisation.services import (
    SupportLineInput,
    add_support_line,
    move_support_line,
    set_support_line_active,
    update_support_line,
)

pytestmark = pytest.mark.django_db

LIST = reverse("organisation:support-lines")
ADD = reverse("organisation:support-line-add")


def line_input(name: str = "Listening line", **overrides: Any) -> SupportLineInput:
    values: dict[str, Any] = {
        "texts": {
            "en": {"name": name, "offer": "Someone to talk to.", "hours": "Every day"},
            "fr": {"name": f"{name} (fr)", "offer": "Quelqu'un à qui parler.", "hours": ""},
        },
        "languages": ("en", "fr"),
        "phone": "0800 00 000",
        "url": "https://listening.example/help",
        **overrides,
    }
    return SupportLineInput(**values)


def edit_url(line: SupportLine) -> str:
    return reverse("organisation:support-line-edit", args=[line.id])


def form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "action": "save",
        "phone": "0800 00 001",
        "url": "https://help-line.example/",
        "languages": ["en", "nl"],
        "phenomena": ["ncii", "sextortion"],
        "is_active": "on",
        "name_en": "Image abuse helpline",
        "offer_en": "Advice when pictures are shared.",
        "hours_en": "Mon-Fri 9-17",
        "name_nl": "Hulplijn beeldmisbruik",
        "offer_nl": "Advies als beelden gedeeld worden.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# -- rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"url": "http://listening.example/"}, "url"),  # https only
        ({"url": "ftp://listening.example/"}, "url"),
        ({"url": "https://user:pw@listening.example/"}, "url"),
        ({"url": "https://127.0.0.1/"}, "url"),
        ({"url": "https://listening.example/\u202e"}, "url"),
        ({"phone": "call us"}, "phone"),
        ({"phone": "", "url": ""}, "phone"),  # no way to reach it
        ({"languages": ()}, "languages"),
        ({"languages": ("en", "xx")}, "languages"),
        ({"languages": ("en", "de")}, "name_de"),  # serves German, says nothing in German
        ({"phenomena": ("ncii", "astrology")}, "phenomena"),
    ],
)
def test_a_line_is_checked_before_it_is_stored(users, overrides, field) -> None:
    with pytest.raises(ValidationFailed) as refused:
        add_support_line(line_input(**overrides), actor=users["coordinator"])
    assert field in refused.value.fields
    assert not SupportLine.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "reviewer", "intake", "auditor", "partner"])
def test_only_coordinators_and_admins_manage_lines(users, role) -> None:
    with pytest.raises(PermissionDenied):
        add_support_line(line_input(), actor=users[role])


def test_every_change_is_audited(users) -> None:
    carol, erin = users["coordinator"], users["admin"]
    first = add_support_line(line_input("First"), actor=carol)
    second = add_support_line(line_input("Second", url=""), actor=erin)
    assert (first.order, second.order) == (1, 2)
    assert second.url == "" and first.url == "https://listening.example/help"
    update_support_line(first, line_input("First, renamed"), actor=carol)
    update_support_line(first, line_input("First, renamed"), actor=carol)  # nothing changed
    set_support_line_active(second, is_active=False, actor=erin)
    set_support_line_active(second, is_active=True, actor=erin)
    move_support_line(second, up=True, actor=carol)
    actions = list(
        AuditEntry.objects.filter(action__startswith="support_line.")
        .order_by("seq")
        .values_list("action", "actor__username")
    )
    assert actions == [
        ("support_line.added", "carol"),
        ("support_line.added", "erin"),
        ("support_line.changed", "carol"),
        ("support_line.deactivated", "erin"),
        ("support_line.activated", "erin"),
        ("support_line.moved", "carol"),
    ]
    changed = AuditEntry.objects.get(action="support_line.changed")
    assert changed.data["changed"] == ["texts"]
    assert changed.target == f"support_line:{first.id}"


def test_moving_renumbers_and_stops_at_the_ends(users) -> None:
    carol = users["coordinator"]
    a, b, c = (add_support_line(line_input(n), actor=carol) for n in "ABC")
    SupportLine.objects.update(order=5)  # equal positions: creation order decides
    move_support_line(c, up=True, actor=carol)
    assert [line.name_in("en") for line in SupportLine.objects.all()] == ["A", "C", "B"]
    move_support_line(a, up=True, actor=carol)  # already first
    move_support_line(b, up=False, actor=carol)  # already last
    assert list(SupportLine.objects.values_list("order", flat=True)) == [1, 2, 3]
    assert [line.name_in("en") for line in SupportLine.objects.all()] == ["A", "C", "B"]


# -- what victims see -----------------------------------------------------------------------


def test_lines_by_phenomenon_and_language_in_the_organisation_s_order(users) -> None:
    carol = users["coordinator"]
    general = add_support_line(line_input("General"), actor=carol)
    images = add_support_line(line_input("Images", phenomena=("ncii", "sextortion")), actor=carol)
    german = add_support_line(
        SupportLineInput(
            texts={"de": {"name": "Hilfe", "offer": "Beratung.", "hours": ""}},
            languages=("de",),
            phone="0800 00 009",
        ),
        actor=carol,
    )
    off = add_support_line(line_input("Switched off"), actor=carol)
    set_support_line_active(off, is_active=False, actor=carol)
    move_support_line(images, up=True, actor=carol)

    def names(phenomenon: str, language: str) -> list[str]:
        return [line.name for line in support_lines_for(phenomenon, language)]

    assert names("ncii", "en") == ["Images", "General"]
    assert names("ncii", "fr") == ["Images (fr)", "General (fr)"]
    assert names("doxing", "en") == ["General"]
    assert names("", "en") == ["General"]  # no phenomenon chosen: the general lines
    assert names("ncii", "nl") == []
    assert names("ncii", "de") == ["Hilfe"]
    [shown] = support_lines_for("doxing", "en")
    assert shown.phone_uri == "080000000" and shown.hours == "Every day"
    assert general.is_active and german.languages == ["de"]


def test_the_status_and_receipt_pages_show_the_lines(client: Client, users, settings) -> None:
    from flagdesk.intake.tests.factories import form_data

    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    add_support_line(line_input("Images", phenomena=("ncii",)), actor=users["coordinator"])
    add_support_line(line_input("Doxing only", phenomena=("doxing",)), actor=users["admin"])
    client.post(reverse("intake:report"), form_data(phenomenon="ncii"))
    done = client.get(reverse("intake:report-done")).content.decode()
    assert "Images" in done and "Doxing only" not in done
    assert 'href="tel:080000000"' in done and 'href="https://listening.example/help"' in done
    assert "call 112" in done
    reference = re.search(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", done)
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", done)
    assert reference and code
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    data = {"reference": reference.group(), "receipt_code": code.group()}
    status = client.post(reverse("intake:report-status"), data).content.decode()
    assert "Images (fr)" in status and "Doxing only" not in status
    assert '<html lang="fr">' in status


# -- the staff pages ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_add_edit_reorder_and_deactivate_on_the_pages(client: Client, users, role) -> None:
    client.force_login(users[role])
    organisation = client.get(reverse("organisation:organisation-edit")).content.decode()
    assert f'href="{LIST}"' in organisation
    assert client.get(LIST).status_code == 200
    assert client.post(ADD, form()).status_code == 302
    assert client.post(ADD, form(name_en="Listening line", phenomena=[])).status_code == 302
    first, second = SupportLine.objects.all()
    assert first.texts["nl"]["name"] == "Hulplijn beeldmisbruik" and "fr" not in first.texts
    assert first.phenomena == ["ncii", "sextortion"] and second.phenomena == []
    page = client.get(LIST).content.decode()
    assert page.index("Image abuse helpline") < page.index("Listening line")
    # The list's buttons post to the line's page.
    assert client.post(edit_url(second), {"action": "up"}).status_code == 302
    assert [line.pk for line in SupportLine.objects.all()] == [second.pk, first.pk]
    assert client.post(edit_url(first), {"action": "deactivate"}).status_code == 302
    assert support_lines_for("ncii", "en")[0].name == "Listening line"
    assert len(support_lines_for("ncii", "en")) == 1
    assert "Inactive" in client.get(LIST).content.decode()
    edit = client.get(edit_url(first)).content.decode()
    assert 'value="Image abuse helpline"' in edit
    changed = form(name_en="Image abuse line", is_active="on")
    assert client.post(edit_url(first), changed).status_code == 302
    first.refresh_from_db()
    assert first.name_in("en") == "Image abuse line" and first.is_active


def test_the_form_shows_what_is_wrong_next_to_the_field(client: Client, users) -> None:
    client.force_login(users["coordinator"])
    response = client.post(ADD, form(url="http://help-line.example/", offer_nl=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "https://" in str(errors["url"]) and "offer_nl" in errors
    assert not SupportLine.objects.exists()
    html = response.content.decode()
    assert 'class="error-summary' in html


def test_the_organisation_entry_is_current_on_the_support_line_pages(client, users) -> None:
    client.force_login(users["coordinator"])
    line = add_support_line(line_input(), actor=users["coordinator"])
    for url in (LIST, ADD, edit_url(line)):
        html = client.get(url).content.decode()
        menu = html.split('class="topnav"')[1]
        current = re.findall(r'<a href="([^"]+)" aria-current="page">', menu)
        assert current[:1] == [reverse("organisation:organisation-edit")], url


def test_an_unknown_line_is_a_404(client: Client, users) -> None:
    client.force_login(users["coordinator"])
    url = reverse("organisation:support-line-edit", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "deactivate"}).status_code == 404


def test_the_demo_lines_are_fictional(users) -> None:
    assert demo.load(users["coordinator"]) == {"support_lines": len(demo.DEMO_LINES)}
    for line in SupportLine.objects.all():
        assert line.url.endswith(".example/") and line.phone.startswith("0800 00 00")
        for language in line.languages:
            name = line.texts[language]["name"]
            assert re.search(r"\((demo|démo|Demo)\)$", name), name
    assert [line.name for line in support_lines_for("sextortion", "en")] == [
        "Listening line (demo)",
        "Image abuse helpline (demo)",
        "Child helpline (demo)",
    ]
