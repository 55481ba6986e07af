"""Writes of the partners app: registering partners, taking their referrals, forwarding our
items to them and recording what they tell us back. One public service, one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from flagdesk.accounts.models import Role, TokenScope, User
from flagdesk.accounts.permissions import require_role
from flagdesk.accounts.policy import Action, roles_for
from flagdesk.accounts.services import issue_token
from flagdesk.accounts.services.users import add_user
from flagdesk.audit.services import record
from flagdesk.cases.models import Case, CaseEvent, Item
from flagdesk.core import taxonomy
from flagdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from flagdesk.intake.models import Report
from flagdesk.intake.services import ReportSubmission, SubmittedReport, submit_report

from .http import url_problem
from .models import Forward, Partner, Referral

MAX_PARTNER_REFERENCE = 64
MAX_REASON = 5000


class ReferralExists(Conflict):
    code = "referral_exists"


@dataclass(frozen=True)
class PartnerFields:
    name: str
    base_url: str
    country: str = ""
    phenomena: Sequence[str] = ()
    email: str = ""


def _check_fields(fields: PartnerFields) -> None:
    errors: dict[str, list[str]] = {}
    if not fields.name.strip():
        errors["name"] = [_("This field is required.")]
    # A host that does not resolve now is taken (each send resolves and checks it again).
    if problem := url_problem(fields.base_url, unresolved_ok=True):
        errors["base_url"] = [problem]
    unknown = [p for p in fields.phenomena if p not in taxonomy.phenomena()]
    if unknown:
        errors["phenomena"] = [
            _("Unknown phenomenon %(code)s.") % {"code": ", ".join(unknown)[:100]}
        ]
    if fields.country and not (len(fields.country) == 2 and fields.country.isalpha()):
        errors["country"] = [_("Use the two-letter country code (BE, FR, NL...).")]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def register_partner(
    fields: PartnerFields, *, actor: User | None, slug: str = "", secret: str = ""
) -> tuple[Partner, str]:
    """A new partner and the shared signing secret (given, or made now): the secret is shown
    once to be handed to the partner, who sets the same one on their side."""
    if actor is not None:
        require_role(actor, *roles_for(Action.PARTNERS_MANAGE))
    _check_fields(fields)
    slug = slugify(slug or fields.name)[:60]
    if not slug or Partner.objects.filter(slug=slug).exists():
        raise ValidationFailed(
            _("A partner with this short name already exists."),
            fields={"slug": [_("Already taken.")]},
        )
    secret = secret or new_secret()
    partner = Partner.objects.create(
        slug=slug,
        name=fields.name.strip(),
        base_url=fields.base_url.strip().rstrip("/"),
        country=fields.country.upper(),
        phenomena=list(fields.phenomena),
        email=fields.email,
        shared_secret=secret,
    )
    record("partner.registered", actor=actor, target=f"partner:{partner.slug}")
    return partner, secret


@transaction.atomic
def update_partner(
    partner: Partner,
    fields: PartnerFields,
    *,
    actor: User | None,
    is_active: bool = True,
    their_token: str | None = None,
) -> Partner:
    if actor is not None:
        require_role(actor, *roles_for(Action.PARTNERS_MANAGE))
    _check_fields(fields)
    partner.name = fields.name.strip()
    partner.base_url = fields.base_url.strip().rstrip("/")
    partner.country = fields.country.upper()
    partner.phenomena = list(fields.phenomena)
    partner.email = fields.email
    partner.is_active = is_active
    if their_token:
        partner.their_token = their_token.strip()
    partner.save()
    record(
        "partner.updated",
        actor=actor,
        target=f"partner:{partner.slug}",
        data={"token_changed": bool(their_token), "active": is_active},
    )
    return partner


@transaction.atomic
def set_partner_keys(
    partner: Partner, *, actor: User | None, their_token: str = "", secret: str = ""
) -> None:
    """Set our token for their instance and/or the shared secret they gave us."""
    if actor is not None:
        require_role(actor, *roles_for(Action.PARTNERS_MANAGE))
    if their_token:
        partner.their_token = their_token.strip()
    if secret:
        partner.shared_secret = secret.strip()
    partner.save(update_fields=["their_token", "shared_secret"])
    record(
        "partner.keys_set",
        actor=actor,
        target=f"partner:{partner.slug}",
        data={"token": bool(their_token), "secret": bool(secret)},
    )


@transaction.atomic
def rotate_secret(partner: Partner, *, actor: User | None) -> str:
    """A new shared secret, returned once; the partner must set it on their side too."""
    if actor is not None:
        require_role(actor, *roles_for(Action.PARTNERS_MANAGE))
    secret = new_secret()
    partner.shared_secret = secret
    partner.save(update_fields=["shared_secret"])
    record("partner.secret_rotated", actor=actor, target=f"partner:{partner.slug}")
    return secret


@transaction.atomic
def issue_partner_token(partner: Partner, *, actor: User | None) -> str:
    """A ``partner`` token for the partner's local account (made on first use), shown once."""
    if actor is not None:
        require_role(actor, *roles_for(Action.PARTNERS_MANAGE))
    if partner.user is None:
        username = f"partner-{partner.slug}"[:150]
        partner.user = add_user(username, role=Role.PARTNER, actor=actor)
        partner.save(update_fields=["user"])
    return issue_token(
        partner.user,
        actor=actor,
        name=f"referrals from {partner.slug}",
        scope=TokenScope.PARTNER,
        expires_days=0,
    )


# -- inbound: referrals a partner sends us ---------------------------------------------------


def partner_of(user: User) -> Partner:
    """The active partner whose account ``user`` is; ``PermissionDenied`` otherwise."""
    require_role(user, Role.PARTNER)
    partner = Partner.objects.filter(user=user, is_active=True).first()
    if partner is None:
        raise PermissionDenied(_("This account is not linked to an active partner."))
    return partner


def check_partner_reference(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(
            _("Please correct the highlighted fields."),
            fields={"partner_reference": [_("This field is required.")]},
        )
    value = value.strip()
    if len(value) > MAX_PARTNER_REFERENCE or not value.isprintable():
        raise ValidationFailed(
            _("Please correct the highlighted fields."),
            fields={
                "partner_reference": [
                    _("At most %(limit)d printable characters.") % {"limit": MAX_PARTNER_REFERENCE}
                ]
            },
        )
    return value


def body_digest(data: dict[str, Any]) -> str:
    """The same body, however its keys are ordered or spaced, has the same digest."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Received:
    referral: Referral
    submitted: SubmittedReport | None  # None for a repeat of a referral we already have


@transaction.atomic
def receive_referral(
    partner: Partner,
    submission: ReportSubmission,
    *,
    partner_reference: str,
    callback_url: str,
    digest: str,
) -> Received:
    """Store a partner's referral as a report of channel ``referral``; idempotent on the
    partner's reference: the same body again returns the first referral, another body
    raises ``ReferralExists``. Validates like the public intake (``ValidationFailed``)."""
    seen = Referral.objects.filter(partner=partner, partner_reference=partner_reference).first()
    if seen is not None:
        if seen.body_sha256 == digest:
            return Received(seen, None)
        raise ReferralExists(
            _("A different referral already has the reference %(ref)s.")
            % {"ref": partner_reference}
        )
    if callback_url and (problem := url_problem(callback_url)):
        raise ValidationFailed(
            _("Please correct the highlighted fields."), fields={"callback_url": [problem]}
        )
    submitted = submit_report(submission)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                partner=partner,
                partner_reference=partner_reference,
                report=submitted.report,
                body_sha256=digest,
                callback_url=callback_url,
            )
    except IntegrityError:  # the same reference at the same moment: the first one won
        raise ReferralExists(
            _("A different referral already has the reference %(ref)s.")
            % {"ref": partner_reference}
        ) from None
    record(
        "referral.received",
        actor=None,
        target=f"report:{submitted.report.reference}",
        data={"partner": partner.slug},
    )
    return Received(referral, submitted)


# -- outbound: forwarding our items to a partner ---------------------------------------------


def _forward_reference(case: Case, partner: Partner) -> str:
    taken = set(
        Forward.objects.filter(partner=partner, case=case).values_list("reference", flat=True)
    )
    reference, n = case.reference, 1
    while reference in taken:
        n += 1
        reference = f"{case.reference}-{n}"
    return reference


@transaction.atomic
def forward_case(
    items: Sequence[Item],
    partner: Partner,
    *,
    actor: User,
    reason: str,
    now: dt.datetime | None = None,
) -> Forward:
    """Refer ``items`` (of one case) to ``partner``: a ``Forward``, a ``forwarded`` case event
    per item, and the delivery to the partner's referrals API queued once this commits.

    Raises ``PermissionDenied`` (role), ``ValidationFailed`` (no items, several cases, an
    inactive partner or one we hold no token for, no reason).
    """
    from .tasks import send_forward  # the task module imports the delivery module only

    require_role(actor, *roles_for(Action.REFERRAL_FORWARD))
    items = list(items)
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if not items:
        errors["items"] = [_("Choose at least one item.")]
    elif len({i.case_id for i in items}) > 1:
        errors["items"] = [_("Forward the items of one case at a time.")]
    if not partner.is_active or not partner.their_token:
        errors["partner"] = [_("This partner is inactive or we have no API token for them.")]
    if not reason:
        errors["reason"] = [_("Say why this goes to the partner.")]
    elif len(reason) > MAX_REASON:
        errors["reason"] = [_("At most %(limit)d characters.") % {"limit": MAX_REASON}]
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    now = now or timezone.now()
    case = items[0].case
    forward = Forward.objects.create(
        case=case,
        partner=partner,
        reason=reason,
        reference=_forward_reference(case, partner),
        created_by=actor,
        next_attempt_at=now,
    )
    forward.items.add(*items)
    for item in items:
        CaseEvent.objects.create(
            case=case,
            item=item,
            kind=CaseEvent.Kind.FORWARDED,
            actor=actor,
            note=reason,
            data={"partner": partner.slug, "forward": str(forward.id), "status": "queued"},
        )
    record(
        "referral.forwarded",
        actor=actor,
        target=f"case:{case.reference}",
        data={"partner": partner.slug, "items": len(items)},
    )
    transaction.on_commit(partial(send_forward.enqueue, str(forward.id)))
    return forward


def forward_body(forward: Forward) -> dict[str, Any]:
    """What we send: the public report body of the forwarded items, our reference and where
    to call us back."""
    items = list(forward.items.order_by("created_at"))
    phenomena = [i.phenomenon for i in items if i.phenomenon]
    base = str(settings.BASE_URL).rstrip("/")
    return {
        "language": "en",
        "urls": [i.url for i in items],
        "phenomenon": phenomena[0] if phenomena else None,
        "description": forward.reason,
        "role": Report.ReporterRole.PROFESSIONAL,
        "reporter": {"anonymous": True},
        "partner_reference": forward.reference,
        "callback_url": f"{base}/api/v1/partners/{forward.partner.slug}/callback",
    }


@transaction.atomic
def record_partner_status(forward: Forward, answer: dict[str, Any]) -> bool:
    """Take what the partner says of a forward (their answer, a callback or a poll): their
    reference and status; a changed status goes into the history and each item's timeline.
    Returns whether anything changed."""
    forward = Forward.objects.select_for_update().get(pk=forward.pk)
    reference = str(answer.get("reference") or "")[:64]
    status = str(answer.get("status") or "")[:30]
    given = answer.get("items")
    items: list[Any] = given if isinstance(given, list) else []
    shown = [
        {k: str(i.get(k))[:2048] for k in ("url", "status", "decision") if i.get(k)}
        for i in items
        if isinstance(i, dict)
    ]
    changed = bool(status) and (
        status != forward.their_status
        or (forward.history and forward.history[-1]["items"] != shown)
    )
    if reference and not forward.their_reference:
        forward.their_reference = reference
    if changed:
        forward.their_status = status
        forward.history = [
            *forward.history,
            {"at": timezone.now().isoformat(), "status": status, "items": shown},
        ]
        for item in forward.items.all():
            CaseEvent.objects.create(
                case_id=forward.case_id,
                item=item,
                kind=CaseEvent.Kind.FORWARDED,
                actor=None,
                note=_("%(partner)s: %(status)s")
                % {"partner": forward.partner.name, "status": status},
                data={
                    "partner": forward.partner.slug,
                    "forward": str(forward.id),
                    "status": status,
                },
            )
    forward.save()
    return changed
