"""The facts for the statistics in headless Chromium (issue 15): an analyst fills the case
page's panel for a sextortion case and saves; the timeline says what was recorded; an intake
officer reads the values; a coordinator previews and saves the age bands. Screenshots of the
panel and the settings page go to the test's temporary directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import log_in, log_out
from flagdesk.accounts.models import User
from flagdesk.cases.models import Case, CaseFacts
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.organisation.services import current_organisation


@pytest.fixture
def sextortion_case(settings: Any, users: dict[str, User]) -> Case:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    submitted = submit_report(
        ReportSubmission(
            urls=["https://chat.test/m/7781"],
            role="victim",
            phenomenon="sextortion",
            victim_age_band="18-24",
            victim_gender="male",
        )
    )
    return submitted.items[0].case


def test_an_analyst_records_the_facts_on_the_case_page(
    browser_page: Page,
    live_url: Callable[..., str],
    sextortion_case: Case,
    tmp_path: Path,
) -> None:
    page = browser_page
    log_in(page, live_url, "alice")
    page.goto(live_url("cases:case-detail", case_id=sextortion_case.pk))
    panel = page.locator("#facts")
    expect(panel.locator(".reporter-said")).to_be_visible()
    expect(panel.locator("input[name=demand_money]")).to_be_visible()
    expect(panel.locator("input[name=meeting_sought]")).to_have_count(0)  # not grooming
    panel.screenshot(path=str(tmp_path / "facts-panel-analyst-empty.png"))

    panel.locator("input[name=victim_age]").fill("40")
    panel.locator("select[name=school_level]").select_option("primary")
    panel.locator("button[type=submit]").click()
    # Refused, on the facts page, the error next to the field; nothing stored.
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("select[name=school_level]")).to_have_value("primary")
    page.screenshot(path=str(tmp_path / "facts-refused.png"), full_page=True)
    assert not CaseFacts.objects.filter(case=sextortion_case).exists()

    page.locator("input[name=victim_age]").fill("19")
    page.locator("select[name=school_level]").select_option("higher")
    page.locator("select[name=victim_gender]").select_option("male")
    page.locator("input[name=demand_money]").check()
    page.locator("#facts-form button[type=submit]").click()
    expect(page.locator("#timeline")).to_contain_text("age, school level, gender, money demanded")
    panel = page.locator("#facts")
    expect(panel.locator("input[name=victim_age]")).to_have_value("19")
    expect(panel.locator("input[name=demand_money]")).to_be_checked()
    panel.screenshot(path=str(tmp_path / "facts-panel-analyst-saved.png"))
    facts = CaseFacts.objects.get(case=sextortion_case)
    assert (facts.victim_age, facts.school_level, facts.demand_money) == (19, "higher", True)

    log_out(page)
    log_in(page, live_url, "dave")
    page.goto(live_url("cases:case-detail", case_id=sextortion_case.pk))
    panel = page.locator("#facts")
    expect(panel.locator("form")).to_have_count(0)
    expect(panel.locator("dl.facts")).to_contain_text("19")
    panel.screenshot(path=str(tmp_path / "facts-panel-intake.png"))


def test_a_coordinator_previews_and_saves_the_age_bands(
    browser_page: Page, live_url: Callable[..., str], users: dict[str, User], tmp_path: Path
) -> None:
    page = browser_page
    log_in(page, live_url, "carol")
    page.goto(live_url("organisation:organisation-edit"))
    page.locator("a[href$='/organisation/statistics']").click()
    expect(page.locator("#bands-now")).to_contain_text("under 12 · 12–13 · 14–17 · 18 and over")  # noqa: RUF001
    page.locator("input[name=age_bands]").fill("13, 18")
    page.locator("button[value=preview]").click()
    expect(page.locator("#bands-preview")).to_contain_text("under 13 · 13–17 · 18 and over")  # noqa: RUF001
    page.screenshot(path=str(tmp_path / "statistics-settings-preview.png"), full_page=True)
    page.locator("input[name=min_cell]").fill("10")
    page.locator("button[value=save]").click()
    expect(page.locator("#bands-now")).to_contain_text("under 13 · 13–17 · 18 and over")  # noqa: RUF001
    page.screenshot(path=str(tmp_path / "statistics-settings-saved.png"), full_page=True)
    org = current_organisation()
    assert (org.statistics_age_bands, org.statistics_min_cell) == ([13, 18], 10)
