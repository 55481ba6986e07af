"""Test data made through the real services: a report, an analyst's assessment, a review.

Tests need ``settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"`` (the notices
tests' conftest sets it) so ``*.test`` hosts resolve without DNS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flagdesk.accounts.models import User
from flagdesk.cases.models import Item
from flagdesk.cases.services import review_assessment, submit_assessment
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.organisation.models import Organisation
from flagdesk.organisation.services import DesignationInput, update_organisation
from flagdesk.platforms.models import Platform
from flagdesk.platforms.services import add_platform

REASONS = (
    "The image shows the reported person fully naked in a private bedroom. The person did not "
    "consent to its publication: she reported it to us herself and her face is recognisable. "
    "Making such content accessible without consent meets every element of art. 417/9 CC: "
    "visual content, of a naked person, made accessible to third parties, without consent."
)
LEGAL_BASES = {
    "ncii": ("BE-CC-417/9",),
    "csam": ("BE-CC-417/43",),
    "sextortion": ("BE-CC-470",),
    "cyber_harassment": ("BE-CC-442bis",),
    "gender_hate_speech": ("BE-LAW-2014-05-22-ART2",),
}
_counter = iter(range(1, 1_000_000))
# The facts of the factories' content: in 2025, under the 1867 Criminal Code's numbering,
# which the new Criminal Code replaced for later facts.
FACTS_ON = dt.date(2025, 11, 3)


def confirm_verify_bases(users: dict[str, User], codes: Sequence[str]) -> None:
    """A coordinator vouches, once, for each basis still marked "to be confirmed": without
    that, no notice may cite it (the pre-flight's ``bases_confirmed`` check)."""
    from flagdesk.core import taxonomy
    from flagdesk.organisation.queries import confirmed_legal_bases
    from flagdesk.organisation.services import confirm_legal_basis

    done = confirmed_legal_bases()
    for code in codes:
        if taxonomy.legal_bases()[code].verify and code not in done:
            confirm_legal_basis(code, actor=users["coordinator"], note="Checked on Justel.")


def make_platform(
    users: dict[str, User],
    *,
    name: str = "Social",
    domain: str = "social.test",
    address: str = "",
    languages: Sequence[str] = ("en",),
) -> Platform:
    return add_platform(
        actor=users["coordinator"],
        name=name,
        domains=[domain],
        notice_address=address or f"dsa@{domain}",
        languages=languages,
    )


def approved_item(
    users: dict[str, User],
    *,
    url: str = "",
    domain: str = "social.test",
    phenomenon: str = "ncii",
    age_band: str = "",
    reasons: str = REASONS,
    confirm: bool = True,
) -> Item:
    """An item on ``domain`` whose ``illegal`` verdict bob approved after alice wrote it."""
    url = url or f"https://{domain}/p/{next(_counter)}"
    submitted = submit_report(
        ReportSubmission(
            urls=[url], role="witness", phenomenon=phenomenon, victim_age_band=age_band
        )
    )
    [item] = submitted.items
    from flagdesk.core import taxonomy

    assessment = submit_assessment(
        item,
        actor=users["analyst"],
        verdict="illegal",
        phenomenon=phenomenon,
        legal_bases=LEGAL_BASES[phenomenon],
        reasons=reasons,
        facts_on=FACTS_ON,
        minor_depicted=taxonomy.phenomena()[phenomenon].is_minors_only,
    )
    if confirm:
        confirm_verify_bases(users, LEGAL_BASES[phenomenon])
    review_assessment(assessment, actor=users["reviewer"], approve=True)
    item.refresh_from_db()
    return item


def designate(
    users: dict[str, User],
    phenomena: Sequence[str],
    *,
    authority: str = "BIPT",
    designated_on: dt.date = dt.date(2025, 7, 3),
    is_suspended: bool = False,
) -> Organisation:
    return update_organisation(
        actor=users["coordinator"],
        name="Stop Cyberviolence",
        email="notices@stopcv.test",
        designations=[
            DesignationInput(
                authority=authority,
                designated_on=designated_on,
                phenomena=list(phenomena),
                is_suspended=is_suspended,
            )
        ],
    )
