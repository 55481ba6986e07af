"""The coordinator maintains the platform registry in Chromium (S23): she loads the shipped
list, opens YouTube's page, enters a verified email address and an API endpoint, in that order
of preference, and sees them saved in that order. The edit page's screenshot goes to
``/tmp/registry-edit.png`` for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in
from flagdesk.accounts.models import User
from flagdesk.platforms.models import Platform

pytestmark = pytest.mark.browser

TIMEOUT = 15_000
# A fixed path, for a person to open after the run (the other screenshots go to tmp_path).
SCREENSHOT = "/tmp/registry-edit.png"  # noqa: S108


def test_a_coordinator_seeds_the_registry_and_sets_youtubes_channels(
    browser_page: Page, live_url: Callable[..., str], users: dict[str, User], tmp_path: Path
) -> None:
    page = browser_page
    log_in(page, live_url, "carol")

    page.goto(live_url("platforms:platform-list"))
    page.get_by_role("link", name="Import JSON").click()
    page.get_by_role("button", name="Load the shipped list").click()
    page.wait_for_url(re.compile(r"/staff/platforms/$"), timeout=TIMEOUT)
    expect(page.locator("ul.messages")).to_contain_text("Registry imported.")
    youtube_row = page.locator("table.platforms tbody tr", has_text="youtu.be")
    expect(youtube_row).to_contain_text("Video sharing")
    expect(youtube_row).to_contain_text("IE")
    expect(youtube_row).to_contain_text("VLOP")
    expect(youtube_row).to_contain_text("no verified channel: notices go by hand")

    youtube_row.get_by_role("link", name="Edit YouTube").click()
    page.wait_for_url(re.compile(r"/staff/platforms/[0-9a-f-]+/edit$"), timeout=TIMEOUT)
    expect(page.locator("h1")).to_contain_text("YouTube")
    channels = page.locator("form#channels")
    first, second = (
        channels.locator("fieldset.channel").nth(0),
        channels.locator("fieldset.channel").nth(1),
    )
    first.get_by_label("Order").fill("1")
    first.get_by_label("Type").select_option("email")
    first.get_by_label("Email address").fill("dsa-notices@youtube.example")
    second.get_by_label("Order").fill("2")
    second.get_by_label("Type").select_option("api")
    second.get_by_label("Endpoint or form page").fill("https://dsa.youtube.example/v1/notices")
    second.get_by_label("Timeout (seconds)").fill("30")
    channels.get_by_role("button", name="Save the channels").click()

    page.wait_for_url(re.compile(r"/staff/platforms/[0-9a-f-]+/edit$"), timeout=TIMEOUT)
    expect(page.locator("ul.messages")).to_contain_text("The channels of YouTube were saved.")
    saved = page.locator("form#channels fieldset.channel")
    expect(saved.nth(0).locator("legend")).to_have_text("Channel 1")
    expect(saved.nth(0).get_by_label("Type")).to_have_value("email")
    expect(saved.nth(0).get_by_label("Email address")).to_have_value("dsa-notices@youtube.example")
    expect(saved.nth(1).locator("legend")).to_have_text("Channel 2")
    expect(saved.nth(1).get_by_label("Type")).to_have_value("api")
    expect(saved.nth(1).get_by_label("Endpoint or form page")).to_have_value(
        "https://dsa.youtube.example/v1/notices"
    )
    expect(saved.nth(0)).to_contain_text("Verified by carol on")
    expect(saved.nth(2).locator("legend")).to_contain_text("fill it in to add a channel")
    expect(page.locator("form#channels")).not_to_contain_text("notices go by hand")
    page.screenshot(path=SCREENSHOT, full_page=True)

    youtube = Platform.objects.get(slug="youtube")
    assert [(c.kind, c.address or c.endpoint) for c in youtube.channels.order_by("position")] == [
        ("email", "dsa-notices@youtube.example"),
        ("api", "https://dsa.youtube.example/v1/notices"),
    ]

    # The inbound secret: shown once, in its own box, with the signed request to copy.
    page.get_by_role("button", name="Make a new inbound secret").click()
    box = page.locator(".secret-box")
    expect(box).to_contain_text("copy it now, it is not shown again")
    youtube.refresh_from_db()
    expect(box.get_by_label("Inbound secret")).to_have_value(youtube.inbound_secret)
    expect(box.locator("pre")).to_contain_text("/api/v1/inbound/youtube")
    page.screenshot(path=str(tmp_path / "secret.png"))
    page.goto(live_url("platforms:platform-edit", youtube.id))
    expect(page.locator(".secret-box")).to_have_count(0)
    expect(page.locator("form#inbound")).to_contain_text("A secret is set.")

    page.goto(live_url("platforms:platform-list"))
    youtube_row = page.locator("table.platforms tbody tr", has_text="youtu.be")
    expect(youtube_row).to_contain_text("Email → dsa-notices@youtube.example")
    expect(youtube_row).not_to_contain_text("notices go by hand")
    page.screenshot(path=str(tmp_path / "list.png"), full_page=True)
