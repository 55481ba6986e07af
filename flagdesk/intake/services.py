"""Public intake: turning a reporter's submission into a report, a case and items."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from flagdesk.accounts.models import User
from flagdesk.cases.models import CaseEvent, Item
from flagdesk.cases.priority import recompute_priority
from flagdesk.cases.services import open_items
from flagdesk.core import taxonomy
from flagdesk.core.errors import ValidationFailed
from flagdesk.core.references import hash_receipt_code, new_receipt_code
from flagdesk.core.weburls import InvalidUrl, configured_resolver, normalise_urls
from flagdesk.matching.media import HashedMedia, MediaRejected
from flagdesk.matching.models import ItemSignal
from flagdesk.matching.services.matching import record_media, record_signals
from flagdesk.matching.services.spool import Deferred, checked_or_deferred, spool
from flagdesk.matching.signal_types import ComputedSignal
from flagdesk.matching.tasks import match_item_task

from . import consent
from .device_hashes import FIELD as SIGNALS
from .device_hashes import check_signals, picture_count
from .models import Report, ReportSignal
from .subject_index import email_index, phone_index

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

MAX_URLS = 50
MAX_DESCRIPTION = 20_000
MAX_NAME = 200
MAX_PHONE = 40
LANGUAGES = ("fr", "nl", "de", "en")


@dataclass(frozen=True)
class ReportSubmission:
    """What a reporter sends, whatever the channel (web form, API, phone intake)."""

    urls: list[str]
    role: str
    language: str = "en"
    phenomenon: str = ""
    description: str = ""
    is_anonymous: bool = True
    reporter_name: str = ""
    reporter_email: str = ""
    reporter_phone: str = ""
    victim_age_band: str = ""
    victim_gender: str = ""
    has_consented: bool = False
    channel: str = Report.Channel.WEB
    # Fingerprints of pictures hashed on the reporter's device (``device_hashes``), and their
    # consent to keep them in the reporters' bank so we keep looking (docs/victims.md).
    signals: tuple[ComputedSignal, ...] = ()
    bank_consent: bool = False


@dataclass(frozen=True)
class SubmittedReport:
    report: Report
    receipt_code: str  # shown once, never stored in clear
    items: list[Item] = field(default_factory=list)


# Channels where a reporter can give a picture's fingerprints instead of an address.
SIGNAL_CHANNELS = (Report.Channel.WEB, Report.Channel.API, Report.Channel.REFERRAL)


def normalised_urls(
    raw_urls: list[str], errors: dict[str, list[str]], *, required: bool = True, channel: str = ""
) -> list[str]:
    """The reported addresses as items store them; the problems go to ``errors["urls"]``.
    ``required=False``: none is fine (the report carries a picture's fingerprints)."""
    urls = [u for u in (raw.strip() for raw in raw_urls) if u]
    if not urls:
        if not required:
            return []
        errors["urls"] = [
            _(
                "Give at least one web address (URL) of the content, or add a picture so we "
                "can look for copies of it."
            )
            if channel in SIGNAL_CHANNELS
            else _("Give at least one web address (URL) of the content.")
        ]
        return []
    if len(urls) > MAX_URLS:
        errors["urls"] = [
            _("A report can list at most %(limit)d URLs; this one lists %(count)d.")
            % {"limit": MAX_URLS, "count": len(urls)}
        ]
        return []
    # All hosts at once, within one deadline: 50 slow look-ups must not hold the request.
    normalised: list[str] = []
    for result in normalise_urls(urls, resolver=configured_resolver()):
        if isinstance(result, InvalidUrl):
            errors.setdefault("urls", []).append(str(result.message))
        elif result not in normalised:
            normalised.append(result)
    return normalised


def _validate(
    sub: ReportSubmission,
) -> tuple[list[str], list[ComputedSignal], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    signals, problems = check_signals(sub.signals)
    if problems:
        errors[SIGNALS] = problems
    urls = normalised_urls(sub.urls, errors, required=not sub.signals, channel=sub.channel)
    if signals and not urls and not sub.bank_consent and "urls" not in errors:
        errors["bank_consent"] = [
            _(
                "Without a web address we can only look for your picture if you let us keep "
                "its fingerprints. Tick the box to allow it, or give the address where you "
                "saw the picture."
            )
        ]
    if sub.role not in Report.ReporterRole.values:
        errors["role"] = [_("Tell us who you are in this situation.")]
    if sub.language not in LANGUAGES:
        errors["language"] = [_("Choose French, Dutch, German or English.")]
    if sub.phenomenon and sub.phenomenon not in taxonomy.phenomena():
        errors["phenomenon"] = [_("Choose what happened from the list.")]
    if len(sub.description) > MAX_DESCRIPTION:
        errors["description"] = [
            _("The description can be at most %(limit)d characters; yours has %(count)d.")
            % {"limit": MAX_DESCRIPTION, "count": len(sub.description)}
        ]
    if sub.victim_age_band and sub.victim_age_band not in Report.AgeBand.values:
        errors["victim_age_band"] = [_("Choose an age band from the list.")]
    if sub.victim_gender and sub.victim_gender not in Report.Gender.values:
        errors["victim_gender"] = [_("Choose a gender from the list.")]
    if not sub.is_anonymous:
        if not sub.reporter_name.strip():
            errors["reporter_name"] = [_("Give your name, or choose to report anonymously.")]
        elif len(sub.reporter_name) > MAX_NAME:
            errors["reporter_name"] = [_("The name is too long.")]
        if not sub.reporter_email.strip() and not sub.reporter_phone.strip():
            errors["reporter_email"] = [
                _(
                    "Give an email address or a phone number so we can "
                    "reach you, or choose to report anonymously."
                )
            ]
        if sub.reporter_email.strip():
            try:
                validate_email(sub.reporter_email.strip())
            except DjangoValidationError:
                errors["reporter_email"] = [_("This email address is not valid.")]
        phone = sub.reporter_phone.strip()
        if phone and (len(phone) > MAX_PHONE or not all(c in "+0123456789 ()-./" for c in phone)):
            errors["reporter_phone"] = [_("This phone number is not valid.")]
        if not sub.has_consented:
            errors["has_consented"] = [
                _("Please agree that we keep your contact details to follow up your report.")
            ]
    return urls, signals, errors


def report_problems(sub: ReportSubmission) -> dict[str, list[str]]:
    """What ``submit_report`` would refuse in ``sub``, per field, storing nothing: a form
    whose own checks failed still shows the service's problems in the same pass."""
    return _validate(sub)[2]


def hash_upload(upload: UploadedFile | None) -> HashedMedia | Deferred | None:
    """Check and hash a reporter's optional file before anything is stored, so a bad file
    costs nothing; a long video that passes the checks is hashed by the worker instead.

    The error names the ``media`` field, as the web form and the API call it.
    """
    if upload is None:
        return None
    try:
        return checked_or_deferred(
            upload,
            filename=upload.name or "",
            declared_mime=upload.content_type or "",
            defer_when_busy=True,  # under load the report is taken now, the picture hashed later
        )
    except MediaRejected as e:
        raise ValidationFailed(e.message, fields={"media": [e.message]}) from None


@transaction.atomic
def submit_report(
    sub: ReportSubmission,
    *,
    actor: User | None = None,
    media: HashedMedia | Deferred | None = None,
) -> SubmittedReport:
    """Validate and store a report; each URL opens an item or joins the open one.

    Raises ``ValidationFailed`` with a translated message per field and stores nothing.
    Contact details and the description are encrypted; the receipt code is returned once
    and only its hash is kept. ``media`` (already hashed by ``matching.media.hash_media``,
    so a bad file is refused before anything is stored) adds its hashes to every item and
    queues matching against the banks; the file itself is never kept from public intake.
    ``sub.signals`` (hashed on the reporter's device) are kept on the report and added to
    every item the same way; a report may carry them instead of any address, and then needs
    ``sub.bank_consent``, which puts them in the reporters' bank (``consent``).
    """
    urls, signals, errors = _validate(sub)
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)
    case, opened = open_items(urls, phenomenon=sub.phenomenon, actor=actor)
    code = new_receipt_code()
    anonymous = sub.is_anonymous
    report = Report.objects.create(
        receipt_code_hash=hash_receipt_code(code),
        case=case,
        channel=sub.channel,
        language=sub.language,
        role=sub.role,
        phenomenon=sub.phenomenon,
        description=sub.description,
        is_anonymous=anonymous,
        reporter_name="" if anonymous else sub.reporter_name.strip(),
        reporter_email="" if anonymous else sub.reporter_email.strip(),
        reporter_phone="" if anonymous else sub.reporter_phone.strip(),
        victim_age_band=sub.victim_age_band,
        victim_gender=sub.victim_gender,
        has_consented=sub.has_consented,
        reporter_email_index="" if anonymous else email_index(sub.reporter_email),
        reporter_phone_index="" if anonymous else phone_index(sub.reporter_phone),
    )
    items = [o.item for o in opened]
    report.items.add(*items)
    recompute_priority(items)  # this report counts now, and its victim's age
    to_match: list[Item] = []
    if isinstance(media, Deferred):
        spool(
            media.upload,
            items=items,
            source=ItemSignal.Source.INTAKE,
            actor=None,
            declared_mime=media.declared_mime,
        )
    elif media is not None:
        for item in items:
            record_media(item, media, actor=None, source=ItemSignal.Source.INTAKE)
        to_match = items
    if signals:
        _keep_signals(report, signals, items)
        to_match = items
    for item in to_match:
        transaction.on_commit(partial(match_item_task.enqueue, str(item.pk)))
    if sub.bank_consent and signals:
        consent.give_bank_consent(report)
    return SubmittedReport(report=report, receipt_code=code, items=items)


def _keep_signals(report: Report, signals: list[ComputedSignal], items: list[Item]) -> None:
    """The device's fingerprints on the report, and on each of its items as the hashes of an
    upload would be. A report of fingerprints only has no item: its case's timeline says it
    came in (the items' ``reported`` events do that otherwise)."""
    ReportSignal.objects.bulk_create(
        ReportSignal(report=report, signal_type=s.signal_type, value=s.value, quality=s.quality)
        for s in signals
    )
    for item in items:
        record_signals(
            item, signals, actor=None, source=ItemSignal.Source.DEVICE, media_kind="image"
        )
    if not items:
        CaseEvent.objects.create(
            case=report.case,
            kind=CaseEvent.Kind.REPORTED,
            data={"report": report.reference, "pictures": picture_count(signals)},
        )
