"""Items for the second-wave notice tests, built through the real services like factories.py,
with what the first factories cannot say: a minor depicted, identifiers, reasons in another
language, and coordinator confirmations of the legal bases still marked "to be confirmed"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from flagdesk.accounts.models import User
from flagdesk.cases.models import Item
from flagdesk.cases.services import review_assessment, submit_assessment
from flagdesk.intake.services import ReportSubmission, submit_report

from .factories import FACTS_ON, LEGAL_BASES, REASONS, confirm_verify_bases

_counter = iter(range(1, 1_000_000))

REASONS_NL = (
    "De afbeelding toont de gemelde persoon volledig naakt in een private slaapkamer. Zij heeft "
    "nooit ingestemd met de verspreiding: zij heeft ons dit zelf gemeld en haar gezicht is "
    "herkenbaar. Het zonder toestemming verspreiden van zulke beelden vervult elk bestanddeel "
    "van art. 417/9 Strafwetboek: visuele inhoud, van een naakte persoon, verspreid zonder "
    "toestemming."
)
REASONS_FR = (
    "L'image montre la personne signalée entièrement nue dans une chambre privée. Elle n'a "
    "jamais consenti à sa diffusion : elle nous l'a signalé elle-même et son visage est "
    "reconnaissable. Rendre accessible un tel contenu sans consentement réunit chaque élément "
    "de l'article 417/9 du Code pénal : un contenu visuel, d'une personne nue, diffusé sans "
    "son accord."
)
CSAM_REASONS = (
    "The video shows a child of about eight years in a sexual pose, filmed in a bathroom; the "
    "body proportions and face leave no doubt that the person depicted is a minor. Making such "
    "material accessible is the distribution of child sexual abuse material under art. 417/44 "
    "of the Criminal Code, read with the definition of art. 417/43."
)
SEXTORTION_REASONS = (
    "The account threatens to publish intimate pictures of the victim unless she pays 500 euro "
    "within 24 hours; the messages quote her name and school. Demanding money under the threat "
    "of revealing intimate images is extortion under art. 470 of the Criminal Code, and the "
    "images are shared without consent (art. 417/9)."
)


def confirm_bases(users: Mapping[str, User], *codes: str) -> None:
    """A coordinator vouches for each basis still marked ``verify`` (once)."""
    confirm_verify_bases(dict(users), codes)


def qualified_item(
    users: Mapping[str, User],
    *,
    domain: str = "social.test",
    phenomenon: str = "ncii",
    reasons: str = REASONS,
    legal_bases: Sequence[str] = (),
    age_band: str = "",
    minor_depicted: bool = False,
    identifiers: dict[str, str] | None = None,
    facts_on: dt.date = FACTS_ON,
    **assessment: Any,
) -> Item:
    """An approved ``illegal`` item: alice assessed it, bob approved it."""
    url = f"https://{domain}/q/{next(_counter)}"  # factories.py uses /p/: no collision
    [item] = submit_report(
        ReportSubmission(
            urls=[url], role="witness", phenomenon=phenomenon, victim_age_band=age_band
        )
    ).items
    if identifiers:
        Item.objects.filter(pk=item.pk).update(identifiers=identifiers)
        item.refresh_from_db()
    bases = list(legal_bases or LEGAL_BASES[phenomenon])
    confirm_bases(users, *bases)
    written = submit_assessment(
        item,
        actor=users["analyst"],
        verdict="illegal",
        phenomenon=phenomenon,
        legal_bases=bases,
        reasons=reasons,
        minor_depicted=minor_depicted,
        facts_on=facts_on,
        **assessment,
    )
    review_assessment(written, actor=users["reviewer"], approve=True)
    item.refresh_from_db()
    return item


def csam_item(users: Mapping[str, User], **kwargs: Any) -> Item:
    kwargs.setdefault("legal_bases", ("BE-CC-417/43", "BE-CC-417/44"))
    kwargs.setdefault("reasons", CSAM_REASONS)
    return qualified_item(users, phenomenon="csam", minor_depicted=True, **kwargs)
