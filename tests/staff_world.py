"""A small world for tests that walk the staff UI as every persona: one item in each stage,
and the menu and landing page each persona should get.

Built through the real services (S23): a registered platform, an item new, one awaiting review
(written by alice), one approved, one notified whose notice was sent and answered, and a bank
entry of the notified item that the waiting item matches (so matching pages have rows). The
notified item is watched, a re-check found it gone (so the Re-checks page lists it) and it has a
captured screenshot (so its "Still online?" panel shows evidence).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from django.test import override_settings
from django.utils import timezone

from flagdesk.accounts.models import User
from flagdesk.cases.models import Assessment, Item
from flagdesk.cases.tests.factories import (
    TEST_RESOLVER,
    approved_item,
    assessed_item,
    reported_item,
    social_platform,
)
from flagdesk.matching.services.banks import EntryInput, add_entries, create_bank
from flagdesk.matching.services.matching import match_item
from flagdesk.matching.signal_types import ComputedSignal
from flagdesk.matching.tests.factories import item_signals, random_pdq
from flagdesk.matching.tests.media_samples import synthetic_image
from flagdesk.matching.thumbnails import greyscale_thumbnail
from flagdesk.monitoring.models import Watch
from flagdesk.monitoring.services.watches import start_watches
from flagdesk.notices.models import Notice, NoticeResponse
from flagdesk.notices.outbox import claim, mark_sent
from flagdesk.notices.services import queue_notices, record_response
from flagdesk.platforms.channels import Delivery
from tests.matrix_world import found_gone, screenshot_capture

# What each persona's staff menu offers, in order; the first entry is where it lands after
# login. Personas without a staff page land on their account page.
FOLLOW_THROUGH_MENU = [
    "notices:follow-up-queue",
    "monitoring:rechecks",
    "notices:mail-list",
    "notices:quality",
]
CASEWORK_MENU = [
    "workbench:queue",
    "intake:intake-hub",
    "cases:review-queue",
    "cases:my-tasks",
    "notices:notice-list",
    *FOLLOW_THROUGH_MENU,
]
ASSESSOR_MENU = [
    "workbench:queue",
    "intake:intake-hub",
    "cases:review-queue",
    "cases:approved",
    "cases:my-tasks",
    "notices:notice-list",
    *FOLLOW_THROUGH_MENU,
]
EXPECTED_MENU: dict[str, list[str]] = {
    "analyst": [*ASSESSOR_MENU, "platforms:platform-list", "matching:bank-list",
                "matching:hash-lookup", "organisation:legal-bases"],
    "reviewer": [*ASSESSOR_MENU, "platforms:platform-list", "matching:bank-list",
                 "matching:hash-lookup", "organisation:legal-bases"],
    "coordinator": [*ASSESSOR_MENU, "stats:dashboard", "platforms:platform-list",
                    "partners:partner-list", "matching:bank-list",
                    "matching:hash-lookup", "organisation:legal-bases",
                    "organisation:organisation-edit", "intake:subject-search",
                    "audit:entry-list"],
    "intake": [*CASEWORK_MENU, "platforms:platform-list", "matching:hash-lookup"],
    "admin": ["platforms:platform-list", "partners:partner-list", "matching:bank-list",
              "matching:hash-lookup", "organisation:legal-bases",
              "organisation:organisation-edit", "accounts:user-list"],
    "auditor": ["notices:quality", "stats:dashboard", "matching:bank-list", "matching:hash-lookup",
                "audit:entry-list"],
    "partner": [],
    "none": [],
}  # fmt: skip
LANDING = {
    role: (routes[0] if routes else "accounts:account") for role, routes in EXPECTED_MENU.items()
}


@dataclass(frozen=True)
class World:
    new: Item
    waiting: Item
    waiting_assessment: Assessment
    approved: Item
    notified: Item
    notice: Notice


def staff_world(users: dict[str, User], settings: Any) -> World:
    settings.URL_RESOLVER = TEST_RESOLVER
    social_platform(users["coordinator"])
    with override_settings(URL_RESOLVER=TEST_RESOLVER):
        new = reported_item("https://social.test/world/new")
        waiting, waiting_assessment = assessed_item(users, "https://social.test/world/waiting")
        approved, _ = approved_item(users, "https://social.test/world/approved")
        notified, _ = approved_item(users, "https://social.test/world/notified")
    [notice] = queue_notices([notified], actor=users["analyst"])
    row = claim(notice.outbox.pk, worker="test")
    assert row is not None
    mark_sent(row, Delivery(reference="<world@social.test>", sent_at=timezone.now()))
    record_response(
        notice,
        actor=users["intake"],
        kind=NoticeResponse.Kind.ACKNOWLEDGEMENT,
        received_at=timezone.now(),
    )
    bank = create_bank(actor=users["coordinator"], name="World bank")
    pdq = random_pdq(7)
    picture = base64.b64encode(greyscale_thumbnail(synthetic_image(7, (64, 64)))).decode()
    entry = EntryInput("pdq", pdq, quality=90, item=notified, thumbnail=picture)
    add_entries(bank, [entry], actor=users["coordinator"])
    item_signals(waiting, [ComputedSignal("pdq", pdq, 90)])
    match_item(waiting)
    start_watches()
    found_gone(Watch.objects.get(item=notified))
    screenshot_capture(notified, users["analyst"])
    for item in (new, waiting, approved, notified):
        item.refresh_from_db()
    notice.refresh_from_db()
    return World(new, waiting, waiting_assessment, approved, notified, notice)
