"""An analyst's case work in headless Chromium under the real CSP (S23): from the item page
to its case, merging another case into it, and a task for a colleague, who finds it in
"My tasks". Selectors use ids, names and URLs, not visible text, except server messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import BROWSER_TIMEOUT as TIMEOUT
from conftest import log_in, log_out
from flagdesk.accounts.models import User
from flagdesk.cases.models import Case, CaseEvent, Task

from .factories import reported_case

pytestmark = pytest.mark.browser


def test_analyst_opens_the_case_merges_another_and_adds_a_task(
    browser_page: Page, live_url: Callable[..., str], users: dict[str, User], settings: Any
) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
    case = reported_case("https://social.test/b/1", "https://social.test/b/2")
    other = reported_case("https://social.test/b/3")
    item = case.items.order_by("created_at").first()
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    log_in(page, live_url, "alice")
    page.goto(live_url("cases:item-detail", item_id=item.id))
    expect(page.locator("#case-items a.url")).to_have_count(1)  # the other item of the case
    page.locator(f".crumbs a[href$='/staff/cases/{case.pk}/']").click()
    expect(page).to_have_url(live_url("cases:case-detail", case_id=case.pk), timeout=TIMEOUT)
    expect(page.locator("#items tbody tr")).to_have_count(2)

    page.locator(f"a[href$='/staff/cases/{case.pk}/merge']").click()
    page.fill("input[name=reference]", other.reference)
    page.fill("textarea[name=reason]", "The same victim reported twice.")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(live_url("cases:case-detail", case_id=case.pk), timeout=TIMEOUT)
    expect(page.locator("ul.messages")).to_contain_text(
        f"Case {other.reference} was merged into case {case.reference}."
    )
    expect(page.locator("#items tbody tr")).to_have_count(3)
    expect(page.locator("#timeline")).to_contain_text(other.reference)
    assert Case.objects.get(pk=other.pk).merged_into_id == case.pk
    assert CaseEvent.objects.filter(kind="merged").count() == 2

    page.locator("#task-add summary").click()
    page.fill("#task-title", "Call the reporter back about the second link")
    page.select_option("#task-assignee", label="bob · Reviewer")
    page.fill("#task-due_on", "2026-01-05")
    page.locator("#task-form button[type=submit]").click()
    expect(page.locator("#tasks ul.tasks li")).to_have_count(1, timeout=TIMEOUT)
    task = Task.objects.get()
    assert task.assignee == users["reviewer"] and task.created_by == users["analyst"]
    log_out(page)

    log_in(page, live_url, "bob")
    page.goto(live_url("cases:my-tasks"))
    row = page.locator("main table tbody tr").first
    expect(row).to_contain_text("Call the reporter back about the second link")
    expect(row).to_contain_text("overdue since 2026-01-05")
    expect(row.locator(f"a[href$='/staff/cases/{case.pk}/#tasks']")).to_have_count(1)
    assert not [p for p in problems if "Content Security Policy" in p]
