"""Items in each stage of the workflow, built through the real services (S23).

Users come from the root ``users`` fixture; pass them in (``approved_item(users)``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from typing import Any

from django.test import override_settings

from flagdesk.accounts.models import User
from flagdesk.cases.models import Assessment, Item
from flagdesk.cases.services import review_assessment, submit_assessment
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.platforms.models import Platform
from flagdesk.platforms.services import add_platform

TEST_RESOLVER = "flagdesk.core.testing.test_resolver"
REASONS = (
    "The image shows the reporting person naked in an intimate setting. She states she never "
    "consented to its publication; the caption names her and her town, so she is identifiable. "
    "Publishing it without consent meets every element of the offence of art. 417/9 of the "
    "Criminal Code: an image of a sexual nature, of an identifiable adult, shared without consent."
)
# The facts of the factories' content: in 2025, under the 1867 Criminal Code's numbering
# (417/9), which the new Criminal Code replaced for facts from its entry into force.
FACTS_ON = dt.date(2025, 11, 3)
_counter = itertools.count(1)


def social_platform(
    actor: User, *, name: str = "Social", domains: tuple[str, ...] = ("social.test",)
) -> Platform:
    return add_platform(
        actor=actor,
        name=name,
        domains=list(domains),
        notice_address=f"dsa@{domains[0]}",
        languages=["en", "fr"],
    )


def reported_item(url: str | None = None, **report: Any) -> Item:
    """One item opened by a public web report (witness, anonymous unless told otherwise)."""
    fields: dict[str, Any] = {"role": "witness", "phenomenon": "ncii", **report}
    with override_settings(URL_RESOLVER=TEST_RESOLVER):
        submitted = submit_report(
            ReportSubmission(urls=[url or f"https://social.test/p/{next(_counter)}"], **fields)
        )
    return submitted.items[0]


def illegal_assessment(**overrides: Any) -> dict[str, Any]:
    """A complete, valid qualification of NCII content."""
    return {
        "verdict": Assessment.Verdict.ILLEGAL,
        "phenomenon": "ncii",
        "legal_bases": ["BE-CC-417/9"],
        "reasons": REASONS,
        "content_type": "image",
        "facts_on": FACTS_ON,
        **overrides,
    }


def assessed_item(
    users: Mapping[str, User], url: str | None = None, *, author: str = "analyst", **overrides: Any
) -> tuple[Item, Assessment]:
    item = reported_item(url)
    assessment = submit_assessment(item, actor=users[author], **illegal_assessment(**overrides))
    item.refresh_from_db()
    return item, assessment


def approved_item(
    users: Mapping[str, User], url: str | None = None, **overrides: Any
) -> tuple[Item, Assessment]:
    item, assessment = assessed_item(users, url, **overrides)
    review_assessment(assessment, actor=users["reviewer"], approve=True, comment="Agreed.")
    item.refresh_from_db()
    return item, assessment


def reported_case(*urls: str, **report: Any) -> Any:
    """One case opened by one web report naming ``urls`` (an item each); returns the case."""
    fields: dict[str, Any] = {"role": "witness", "phenomenon": "ncii", **report}
    with override_settings(URL_RESOLVER=TEST_RESOLVER):
        submitted = submit_report(ReportSubmission(urls=list(urls), **fields))
    case = submitted.items[0].case
    assert {i.case_id for i in submitted.items} == {case.pk}
    return case
