"""Legal assessment of an item and its four-eyes review (art. 22(2)(c) DSA)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.cases.models import Assessment, Case, CaseEvent, Item, Review
from flagdesk.cases.priority import recompute_case, recompute_priority
from flagdesk.cases.transitions import transition
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed

from .facts import default_facts_on
from .qualification import Qualification, qualification_checks

ASSESSOR_ROLES = roles_for(Action.ASSESS)
REVIEWER_ROLES = roles_for(Action.REVIEW)

# Where an approved verdict sends the item.
VERDICT_OUTCOME: dict[str, str] = {
    Assessment.Verdict.ILLEGAL: Item.Status.APPROVED,
    Assessment.Verdict.NOT_ILLEGAL: Item.Status.NOT_ILLEGAL,
    Assessment.Verdict.OUT_OF_SCOPE: Item.Status.OUT_OF_SCOPE,
    Assessment.Verdict.NEEDS_INFORMATION: Item.Status.ASSESSING,
}


class FourEyesError(PermissionDenied):
    code = "four_eyes"


def _content_type_keys(values: Sequence[str]) -> list[str]:
    """API names (``image``) or TDB keys to TDB keys, in order, once each."""
    aliases = taxonomy.content_type_aliases()
    keys = []
    for value in values:
        if value in aliases:
            keys.append(aliases[value])
        elif value in aliases.values():
            keys.append(value)
        else:
            raise ValidationFailed(
                _("Unknown content type %(value)s.") % {"value": value[:60]},
                fields={
                    "content_types": [
                        _("Choose from: %(choices)s.") % {"choices": ", ".join(aliases)}
                    ]
                },
            )
    return list(dict.fromkeys(keys))


def _facts_on(item: Item, value: dt.date | None) -> dt.date:
    return value or default_facts_on(item)


def _qualify_illegal(item: Item, q: Qualification) -> Qualification:
    """Fill what the phenomenon implies, then refuse on every failed blocking check at once."""
    pheno = taxonomy.phenomena().get(q.phenomenon)
    if pheno is not None:
        category, keywords = pheno.classification(
            minor_depicted=q.minor_depicted, category=q.tdb_category
        )
        q = replace(
            q,
            tdb_category=category,
            keywords=list(q.keywords) or keywords,
            content_types=list(q.content_types) or list(pheno.default_content_types),
        )
    errors: dict[str, list[str]] = {}
    for check in qualification_checks(q, item=item):
        if not check.passed and check.blocks_assessment:
            errors.setdefault(check.field, []).append(check.message)
    if errors:
        raise ValidationFailed(_("The assessment is not coherent."), fields=errors)
    return q


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
    content_types: Sequence[str] = (),
    minor_depicted: bool = False,
    facts_on: dt.date | None = None,
) -> Assessment:
    """Record an analyst's qualification and send the item to review.

    An illegal verdict must pass every blocking check of ``qualification_checks`` (bases of
    the phenomenon and in force on ``facts_on``, a national basis, keywords of the category,
    the phenomenon and keywords fitting ``minor_depicted``, substantiated reasons); category,
    keywords and content types left empty come from the phenomenon, switched to the minor
    keys when a minor is depicted. ``content_type`` (one) is the v1 spelling of
    ``content_types``. A minor depicted marks the case (``Case.has_minor_depicted``), which
    forbids keeping its media.

    Raises ``ValidationFailed`` (every failed check, by field), ``Conflict`` (an assessment
    already waits for review, or the item is finished). Writes ``assessed`` and status
    events; the item ends in ``awaiting_review``.
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
    types = _content_type_keys([*([content_type] if content_type else []), *content_types])
    q = Qualification(
        phenomenon=phenomenon,
        tdb_category=tdb_category,
        keywords=list(dict.fromkeys(keywords)),
        legal_bases=list(dict.fromkeys(legal_bases)),
        reasons=reasons.strip(),
        content_types=types,
        minor_depicted=minor_depicted,
        facts_on=_facts_on(item, facts_on),
    )
    if verdict == Assessment.Verdict.ILLEGAL:
        q = _qualify_illegal(item, q)
    elif not reasons.strip():
        raise ValidationFailed(
            _("Say briefly why."), fields={"reasons": [_("Reasons are required.")]}
        )
    if item.status != Item.Status.ASSESSING:
        transition(item, Item.Status.ASSESSING, actor=actor)
    assessment = Assessment.objects.create(
        item=item,
        author=actor,
        verdict=verdict,
        phenomenon=q.phenomenon,
        tdb_category=q.tdb_category,
        keywords=list(q.keywords),
        legal_bases=list(q.legal_bases),
        reasons=q.reasons,
        content_types=list(q.content_types),
        content_type=q.content_types[0] if q.content_types else "",
        minor_depicted=minor_depicted,
        facts_on=q.facts_on,
    )
    minor_found = minor_depicted and not item.case.has_minor_depicted
    if minor_found:
        Case.objects.filter(pk=item.case_id).update(has_minor_depicted=True)
    CaseEvent.objects.create(
        case_id=item.case_id,
        item=item,
        kind=CaseEvent.Kind.ASSESSED,
        actor=actor,
        data={
            "assessment": str(assessment.id),
            "verdict": verdict,
            "phenomenon": phenomenon,
            "minor_depicted": minor_depicted,
        },
    )
    transition(item, Item.Status.AWAITING_REVIEW, actor=actor)
    if phenomenon and item.phenomenon != phenomenon:
        Item.objects.filter(pk=item.pk).update(phenomenon=phenomenon)
        item.phenomenon = phenomenon
    # The phenomenon sets the target; a minor found depicted moves up the whole case.
    if minor_found:
        recompute_case(item.case_id)
    else:
        recompute_priority([item])
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
