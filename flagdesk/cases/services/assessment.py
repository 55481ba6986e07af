"""Legal assessment of an item and its four-eyes review (art. 22(2)(c) DSA)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import Role, User
from flagdesk.accounts.permissions import require_role
from flagdesk.cases.models import Assessment, CaseEvent, Item, Review
from flagdesk.cases.transitions import transition
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed

ASSESSOR_ROLES = (Role.ANALYST, Role.REVIEWER, Role.COORDINATOR)
REVIEWER_ROLES = (Role.REVIEWER, Role.COORDINATOR)
MINOR_AGE_BANDS = ("under-13", "13-17")
# Adult-only phenomena: TDB keyword labels exclude minors, so a minor depicted means CSAM.
ADULT_ONLY_PHENOMENA = ("ncii", "sexual_deepfake")
PLACEHOLDER = re.compile(r"\{\{|\}\}|\[\[|\]\]|<[A-Z_]{3,}>|\bTODO\b|\bXXX\b|lorem ipsum", re.I)

# Where an approved verdict sends the item.
VERDICT_OUTCOME: dict[str, str] = {
    Assessment.Verdict.ILLEGAL: Item.Status.APPROVED,
    Assessment.Verdict.NOT_ILLEGAL: Item.Status.NOT_ILLEGAL,
    Assessment.Verdict.OUT_OF_SCOPE: Item.Status.OUT_OF_SCOPE,
    Assessment.Verdict.NEEDS_INFORMATION: Item.Status.ASSESSING,
}


class FourEyesError(PermissionDenied):
    code = "four_eyes"


def _content_type_key(value: str) -> str:
    aliases = taxonomy.content_type_aliases()
    if value in aliases:
        return aliases[value]
    if value in aliases.values():
        return value
    raise ValidationFailed(
        _("Unknown content type %(value)s.") % {"value": value[:60]},
        fields={
            "content_type": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(aliases)}]
        },
    )


def _victim_is_minor(item: Item) -> bool:
    return item.reports.filter(victim_age_band__in=MINOR_AGE_BANDS).exists()


def _validate_illegal(item: Item, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    phenomenon = taxonomy.phenomena().get(data["phenomenon"])
    if phenomenon is None:
        errors["phenomenon"] = [_("Choose the phenomenon this content falls under.")]
    known_bases = taxonomy.legal_bases()
    if not data["legal_bases"]:
        errors["legal_bases"] = [_("Cite at least one legal basis.")]
    elif unknown := [b for b in data["legal_bases"] if b not in known_bases]:
        errors["legal_bases"] = [
            _("Unknown legal basis: %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    reasons = data["reasons"].strip()
    if len(reasons) < settings.MIN_REASONS_CHARS:
        errors["reasons"] = [
            _(
                "Explain the facts and why each element of the offence is met: at least "
                "%(min)d characters (now %(count)d)."
            )
            % {"min": settings.MIN_REASONS_CHARS, "count": len(reasons)}
        ]
    elif PLACEHOLDER.search(reasons):
        errors["reasons"] = [_("The reasons still contain a template placeholder.")]
    if data["tdb_category"] and data["tdb_category"] not in taxonomy.tdb_categories():
        errors["tdb_category"] = [_("Unknown TDB category.")]
    if unknown_kw := [k for k in data["keywords"] if k not in taxonomy.tdb_keywords()]:
        errors["keywords"] = [_("Unknown TDB keyword: %(keys)s.") % {"keys": ", ".join(unknown_kw)}]
    if phenomenon and phenomenon.code in ADULT_ONLY_PHENOMENA and _victim_is_minor(item):
        errors["phenomenon"] = [
            _(
                "The person shown is a minor: qualify this as child sexual abuse material "
                "(csam or csam_ai_generated), not as %(code)s."
            )
            % {"code": phenomenon.code}
        ]
    if phenomenon and not data["tdb_category"] and phenomenon.tdb_category is None:
        errors["tdb_category"] = [_("This phenomenon needs a TDB category chosen by hand.")]
    if errors:
        raise ValidationFailed(_("The assessment is not complete."), fields=errors)


@transaction.atomic
def submit_assessment(
    item: Item,
    *,
    actor: User,
    verdict: str,
    phenomenon: str = "",
    tdb_category: str = "",
    keywords: Sequence[str] = (),
    legal_bases: Sequence[str] = (),
    reasons: str = "",
    content_type: str = "",
) -> Assessment:
    """Record an analyst's qualification and send the item to review.

    Raises ``ValidationFailed`` (incomplete or inconsistent qualification), ``Conflict`` (an
    assessment already waits for review, or the item is finished). Writes ``assessed`` and
    status events; the item ends in ``awaiting_review``.
    """
    require_role(actor, *ASSESSOR_ROLES)
    if verdict not in Assessment.Verdict.values:
        raise ValidationFailed(_("Choose a verdict."), fields={"verdict": [_("Unknown verdict.")]})
    item = Item.objects.select_for_update().get(pk=item.pk)
    if item.status == Item.Status.AWAITING_REVIEW:
        raise Conflict(_("This item already has an assessment waiting for review."))
    if item.status not in (
        Item.Status.NEW,
        Item.Status.ASSESSING,
        Item.Status.APPROVED,
        Item.Status.NOT_ILLEGAL,
        Item.Status.OUT_OF_SCOPE,
    ):
        raise Conflict(
            _("This item can no longer be assessed (status: %(status)s).")
            % {"status": Item.Status(item.status).label}
        )
    data: dict[str, Any] = {
        "phenomenon": phenomenon,
        "tdb_category": tdb_category,
        "keywords": list(keywords),
        "legal_bases": list(legal_bases),
        "reasons": reasons,
    }
    content_key = _content_type_key(content_type) if content_type else ""
    if verdict == Assessment.Verdict.ILLEGAL:
        _validate_illegal(item, data)
        pheno = taxonomy.phenomena()[phenomenon]
        data["tdb_category"] = tdb_category or pheno.tdb_category or ""
        data["keywords"] = data["keywords"] or list(pheno.tdb_keywords)
        content_key = content_key or (pheno.default_content_types or ("",))[0]
    elif not reasons.strip():
        raise ValidationFailed(
            _("Say briefly why."), fields={"reasons": [_("Reasons are required.")]}
        )
    if item.status != Item.Status.ASSESSING:
        transition(item, Item.Status.ASSESSING, actor=actor)
    assessment = Assessment.objects.create(
        item=item, author=actor, verdict=verdict, content_type=content_key, **data
    )
    CaseEvent.objects.create(
        case_id=item.case_id,
        item=item,
        kind=CaseEvent.Kind.ASSESSED,
        actor=actor,
        data={"assessment": str(assessment.id), "verdict": verdict, "phenomenon": phenomenon},
    )
    transition(item, Item.Status.AWAITING_REVIEW, actor=actor)
    if phenomenon and item.phenomenon != phenomenon:
        Item.objects.filter(pk=item.pk).update(phenomenon=phenomenon)
        item.phenomenon = phenomenon
    return assessment


@transaction.atomic
def review_assessment(
    assessment: Assessment, *, actor: User, approve: bool, comment: str = ""
) -> Review:
    """Approve or send back an assessment; the author can never review their own work.

    Approval moves the item to the verdict's outcome (``approved`` for illegal content);
    sending back returns it to ``assessing`` and needs a comment.
    """
    if assessment.author_id == actor.pk:
        raise FourEyesError(_("You wrote this assessment, so another reviewer must decide on it."))
    require_role(actor, *REVIEWER_ROLES)
    item = Item.objects.select_for_update().get(pk=assessment.item_id)
    latest = item.assessments.order_by("-created_at").first()
    if item.status != Item.Status.AWAITING_REVIEW or latest is None or latest.pk != assessment.pk:
        raise Conflict(_("This assessment is not waiting for review."))
    if Review.objects.filter(assessment=assessment).exists():
        raise Conflict(_("This assessment has already been reviewed."))
    if not approve and not comment.strip():
        raise ValidationFailed(
            _("Tell the analyst what to change."), fields={"comment": [_("Required.")]}
        )
    review = Review.objects.create(
        assessment=assessment, reviewer=actor, is_approved=approve, comment=comment
    )
    CaseEvent.objects.create(
        case_id=item.case_id,
        item=item,
        kind=CaseEvent.Kind.REVIEWED,
        actor=actor,
        note=comment,
        data={"assessment": str(assessment.id), "approved": approve},
    )
    target = VERDICT_OUTCOME[assessment.verdict] if approve else Item.Status.ASSESSING
    transition(item, target, actor=actor, note=comment)
    return review
