"""Public report and status forms.

The forms only parse what the browser sends; every rule a report must follow lives in
``services.submit_report`` so the web form and the API refuse the same things with the same
messages. Field names match ``ReportSubmission`` so the service's per-field errors land on
the field they are about.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from flagdesk.core import taxonomy
from flagdesk.core.errors import FlagdeskError
from flagdesk.core.widgets import DATETIME_ERRORS, IsoDateTimeInput
from flagdesk.matching.signal_types import ComputedSignal

from .device_hashes import read_signals
from .labels import staff_role_choices
from .models import ContactEntry, Report
from .phone import Call, phone_report_problems
from .services import LANGUAGES, ReportSubmission

ANONYMOUS = "anonymous"
WITH_CONTACT = "contact"
# What a reporter types about the abuse (addresses, descriptions, receipt codes) is never
# offered again by the browser's autofill nor put back in the form by Back: on a shared device
# the next person would see it (docs/accessibility.md, "No traces"). The reporter's own name,
# email and phone keep their autocomplete tokens instead (WCAG 1.3.5, identify input purpose).
PRIVATE = {"autocomplete": "off"}
PRIVATE_URLS = {**PRIVATE, "spellcheck": "false", "autocapitalize": "off", "class": "url"}


class ChoiceList(forms.RadioSelect):
    """Radio buttons each wrapped in a ``label.choice``, the layout flagdesk.css expects."""

    option_template_name = "intake/widgets/choice_option.html"


class ServiceErrors(forms.Form):
    """Forms whose input a service checks again (S3): its errors land on the fields."""

    def add_service_errors(self, error: FlagdeskError) -> None:
        """Put each of the service's messages next to its field, the rest at the top."""
        for name, messages in error.fields.items():
            listed = messages if isinstance(messages, list) else [messages]
            self.add_error(name if name in self.fields else None, [str(m) for m in listed])
        if not error.fields:
            self.add_error(None, str(error.message))


class ReportForm(ServiceErrors):
    urls = forms.CharField(
        label=_("Where is the content? (required)"),
        help_text=_(
            "Paste the web address (URL) of each post, picture, video or profile, one per "
            "line, starting with https:// or http://. You can list up to 50."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, **PRIVATE_URLS}),
    )
    phenomenon = forms.ChoiceField(
        label=_("What happened?"), required=False, widget=ChoiceList, initial=""
    )
    description = forms.CharField(
        label=_("Tell us in your own words (optional)"),
        help_text=_(
            "What is shown or said, who is targeted, and anything that helps us act "
            "quickly. Do not paste images here: add a picture or video below instead."
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, **PRIVATE}),
    )
    role = forms.ChoiceField(
        label=_("Who are you in this situation? (required)"),
        choices=Report.ReporterRole.choices,
        required=False,
        widget=ChoiceList,
    )
    victim_age_band = forms.ChoiceField(
        label=_("Age of the person shown or targeted (optional)"),
        choices=[("", _("Not specified")), *Report.AgeBand.choices],
        required=False,
    )
    victim_gender = forms.ChoiceField(
        label=_("Gender of the person shown or targeted (optional)"),
        choices=[("", _("Not specified")), *Report.Gender.choices],
        required=False,
    )
    anonymous = forms.ChoiceField(
        label=_("Can we contact you?"),
        choices=[
            (ANONYMOUS, _("Report anonymously")),
            (WITH_CONTACT, _("Give my contact details")),
        ],
        initial=ANONYMOUS,
        widget=ChoiceList,
        help_text=_(
            "Anonymous reports are handled the same way. With contact details we can ask "
            "you questions and tell you what happened."
        ),
    )
    reporter_name = forms.CharField(label=_("Your name"), required=False)
    reporter_email = forms.CharField(
        label=_("Your email address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    reporter_phone = forms.CharField(
        label=_("Your phone number (optional)"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    media = forms.FileField(
        label=_("Image or video (optional)"),
        required=False,
        help_text=_(
            "If you have the picture or video, add it: we compute fingerprints (hashes) of it "
            "to find copies elsewhere. The file itself is not kept."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,video/*"}),
    )
    has_consented = forms.BooleanField(
        label=_(
            "I agree that you keep my contact details to follow up this report, as explained above."
        ),
        required=False,
        template_name="intake/consent_field.html",
    )
    # The fingerprints the browser computed from pictures the reporter chose (picture.js);
    # the pictures themselves are never sent. JSON, read again by the server.
    signals = forms.CharField(required=False, widget=forms.HiddenInput, label=_("Pictures"))
    # The field is hidden: the error summary leads to the picture chooser instead.
    signals.error_anchor = "picture-input"  # type: ignore[attr-defined]
    bank_consent = forms.BooleanField(
        label=_(
            "Keep looking: you may keep the fingerprints of my pictures in your bank, so that "
            "copies found later are recognised. I can stop this at any time."
        ),
        required=False,
        template_name="intake/consent_field.html",
    )

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # labels are questions: no "What happened?:"
        super().__init__(*args, **kwargs)
        self.language = language if language in LANGUAGES else "en"
        phenomenon = cast(forms.ChoiceField, self.fields["phenomenon"])
        phenomenon.choices = [
            ("", _("I'm not sure")),
            *taxonomy.phenomenon_choices(self.language),
        ]
        self.fields["reporter_name"].widget.attrs["autocomplete"] = "name"

    def clean_signals(self) -> list[ComputedSignal]:
        """The JSON list picture.js wrote, in the shape the API takes; ``submit_report``
        judges each fingerprint (types, hex, quality) with the API's messages."""
        raw = str(self.cleaned_data.get("signals") or "").strip()
        if not raw:
            return []
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(
                _(
                    "The pictures' fingerprints could not be read. Remove the pictures and "
                    "add them again."
                )
            ) from None
        signals, problems = read_signals(parsed)
        if problems:
            raise forms.ValidationError(problems)
        return signals

    def submission(self) -> ReportSubmission:
        """The cleaned form as the channel-neutral input of ``submit_report``."""
        data = self.cleaned_data
        return ReportSubmission(
            urls=str(data.get("urls") or "").splitlines(),
            role=data["role"],
            language=self.language,
            phenomenon=data["phenomenon"],
            description=data.get("description") or "",
            is_anonymous=data["anonymous"] != WITH_CONTACT,
            reporter_name=data["reporter_name"],
            reporter_email=data["reporter_email"],
            reporter_phone=data["reporter_phone"],
            victim_age_band=data.get("victim_age_band") or "",
            victim_gender=data.get("victim_gender") or "",
            has_consented=bool(data["has_consented"]),
            channel=Report.Channel.WEB,
            signals=tuple(data.get("signals") or ()),
            bank_consent=bool(data.get("bank_consent")),
        )


class StatusForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"),
        max_length=40,
        help_text=_("For example R-7KQ3-M9XD."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    receipt_code = forms.CharField(
        label=_("Receipt code"),
        max_length=60,
        help_text=_("The secret code shown once when you sent the report."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class MessageForm(StatusForm, ServiceErrors):
    """More for an existing report: text and addresses, with the reference and the code."""

    text = forms.CharField(
        label=_("What do you want to add?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, **PRIVATE}),
    )
    urls = forms.CharField(
        label=_("More web addresses (optional)"),
        help_text=_("One per line, starting with https:// or http://."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, **PRIVATE_URLS}),
    )


class ErasureForm(StatusForm):
    """The reporter's request to erase their contact details and description."""

    confirm = forms.BooleanField(
        label=_(
            "I understand that my contact details and my description will be erased, and "
            "that this cannot be undone."
        ),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class SubjectSearchForm(forms.Form):
    """A data subject's email or phone, as they gave it in their request."""

    email = forms.CharField(label=_("Email address"), required=False, max_length=320)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SubjectRequestForm(forms.Form):
    """The reports ticked among the search's results, and what to do with them."""

    EXPORT, ERASE = "export", "erase"

    report = forms.TypedMultipleChoiceField(
        label=_("Reports of this person"),
        coerce=str,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick the reports of this person.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("For example the request's date and channel. Recorded in the audit trail."),
    )
    confirm_erasure = forms.BooleanField(
        label=_("I confirm the erasure: it cannot be undone."), required=False
    )
    action = forms.ChoiceField(choices=[(EXPORT, EXPORT), (ERASE, ERASE)], widget=forms.HiddenInput)

    def __init__(self, *args: Any, reports: list[Report], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedMultipleChoiceField, self.fields["report"])
        field.choices = [(str(r.pk), r.reference) for r in reports]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == self.ERASE and not data.get("confirm_erasure"):
            self.add_error("confirm_erasure", _("Tick the box to confirm."))
        return data


# The caller's role as the officer sees it: the public form's labels speak as the reporter.
CALLER_ROLES = staff_role_choices()
CONTACT_FIELDS = ("reporter_name", "reporter_email", "reporter_phone")
CALLER_LANGUAGES = [("fr", "Français"), ("nl", "Nederlands"), ("de", "Deutsch"), ("en", "English")]


class PhoneReportForm(ServiceErrors):
    """What an intake officer notes during a call, in the order a call usually goes; field
    names match ``ReportSubmission`` and ``phone.Call`` so the services' errors land here."""

    language = forms.ChoiceField(
        label=_("Caller's language"),
        choices=CALLER_LANGUAGES,
        widget=forms.Select(attrs={"autofocus": True}),
    )
    role = forms.ChoiceField(
        label=_("Who is calling?"), choices=[("", "—"), *CALLER_ROLES], required=False
    )
    phenomenon = forms.ChoiceField(label=_("What happened?"), required=False)
    urls = forms.CharField(
        label=_("Web addresses (URLs)"),
        help_text=_("One per line, as the caller reads them out."),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "off", "class": "url"}
        ),
    )
    description = forms.CharField(
        label=_("What the caller tells (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    victim_age_band = forms.ChoiceField(
        label=_("Age of the person shown or targeted"),
        choices=[("", _("Not specified")), *Report.AgeBand.choices],
        required=False,
    )
    victim_gender = forms.ChoiceField(
        label=_("Gender of the person shown or targeted"),
        choices=[("", _("Not specified")), *Report.Gender.choices],
        required=False,
    )
    has_consented = forms.BooleanField(
        label=_("The caller agrees that we keep their contact details to follow up the report"),
        required=False,
        template_name="intake/consent_field.html",  # the box before its label
    )
    reporter_name = forms.CharField(label=_("Caller's name"), required=False, max_length=200)
    reporter_email = forms.CharField(
        label=_("Caller's email address"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    reporter_phone = forms.CharField(
        label=_("Caller's phone number"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    mail_receipt = forms.BooleanField(
        label=_("Send the reference and receipt code to the caller by email"),
        required=False,
        template_name="intake/consent_field.html",
    )
    started_at = forms.DateTimeField(
        label=_("Call started at"),
        widget=IsoDateTimeInput(),
        error_messages=DATETIME_ERRORS,
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration in minutes (optional)"),
        help_text=_("Leave empty if the call is still going on: it then ends now."),
        required=False,
        min_value=0,
        max_value=480,
    )
    call_notes = forms.CharField(
        label=_("Call notes (optional)"),
        help_text=_("Only for colleagues following up; kept encrypted, shown on request."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        officer = get_language() or "en"
        phenomenon = cast(forms.ChoiceField, self.fields["phenomenon"])
        phenomenon.choices = [
            ("", _("Not sure yet")),
            *taxonomy.phenomenon_choices(officer[:2] if officer[:2] in LANGUAGES else "en"),
        ]
        if not self.is_bound:
            self.fields["started_at"].initial = timezone.localtime().replace(
                second=0, microsecond=0
            )
            # Most callers speak the officer's language; one key press changes it.
            self.fields["language"].initial = officer[:2] if officer[:2] in LANGUAGES else "fr"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = any(str(data.get(f) or "").strip() for f in CONTACT_FIELDS)
        if typed and not data.get("has_consented"):
            self.add_error(
                "has_consented",
                _("Ask the caller's consent before noting contact details, or clear them."),
            )
        return data

    def add_check_errors(self, now: dt.datetime) -> None:
        """After the form's own checks failed, add the services' problems with the fields
        that passed, so the officer sees every problem at once (docs/intake.md)."""
        data = self.cleaned_data
        defaults = {"urls": "", "role": "", "language": "", "phenomenon": "", "description": ""}
        for name in (*defaults, "victim_age_band", "victim_gender", "call_notes", *CONTACT_FIELDS):
            data.setdefault(name, defaults.get(name, ""))
        data.setdefault("has_consented", False)
        data.setdefault("mail_receipt", False)
        call = self.call(now) if data.get("started_at") and "duration_minutes" in data else None
        problems = phone_report_problems(
            self.submission(), call, mail_receipt=bool(data["mail_receipt"]), now=now
        )
        for name, messages in problems.items():
            if name not in self.errors:  # the form's own message about a field comes first
                self.add_error(name if name in self.fields else None, [str(m) for m in messages])

    def submission(self) -> ReportSubmission:
        data = self.cleaned_data
        consent = bool(data["has_consented"])
        return ReportSubmission(
            urls=str(data["urls"]).splitlines(),
            role=data["role"],
            language=data["language"],
            phenomenon=data["phenomenon"],
            description=data["description"],
            # Contact details only with the caller's consent: without it, the report is
            # anonymous and what was typed in the contact fields is not kept.
            is_anonymous=not consent,
            reporter_name=data["reporter_name"],
            reporter_email=data["reporter_email"],
            reporter_phone=data["reporter_phone"],
            victim_age_band=data["victim_age_band"],
            victim_gender=data["victim_gender"],
            has_consented=consent,
            channel=Report.Channel.PHONE,
        )

    def call(self, now: dt.datetime) -> Call:
        data = self.cleaned_data
        started = data["started_at"]
        minutes = data["duration_minutes"]
        ended = now if minutes is None else started + dt.timedelta(minutes=minutes)
        return Call(started_at=started, ended_at=max(ended, started), notes=data["call_notes"])


class ContactForm(ServiceErrors):
    """One entry of a case's contact log; field names match ``contacts.record_contact``."""

    at = forms.DateTimeField(
        label=_("When"), widget=IsoDateTimeInput(), error_messages=DATETIME_ERRORS
    )
    channel = forms.ChoiceField(label=_("How"), choices=ContactEntry.Channel.choices)
    direction = forms.ChoiceField(
        label=_("Who reached out"),
        choices=[
            (ContactEntry.Direction.OUTGOING, _("We contacted them")),
            (ContactEntry.Direction.INCOMING, _("They contacted us")),
        ],
    )
    summary = forms.CharField(
        label=_("Summary"),
        help_text=_("Kept encrypted; colleagues see it on request, with a reason."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    referral = forms.ChoiceField(
        label=_("Referred to"), choices=ContactEntry.Referral.choices, required=False
    )
    referred_to = forms.CharField(
        label=_("Name of the service (optional)"),
        help_text=_("For example the local police zone or the support centre's name."),
        required=False,
        max_length=200,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to read it?"),
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ImportForm(forms.Form):
    """A spreadsheet of URLs and the defaults for its rows (docs/intake.md)."""

    file = forms.FileField(
        label=_("Spreadsheet (CSV or XLSX)"),
        help_text=_(
            "A column of web addresses (url, adresse, lien, link...) and, if you have them, "
            "phenomenon, description, post_id, account, posted_at, captured_at."
        ),
    )
    phenomenon = forms.ChoiceField(label=_("Phenomenon for rows that give none"), required=False)
    role = forms.ChoiceField(
        label=_("Who reported these addresses"),
        choices=staff_role_choices(),
        initial=Report.ReporterRole.PROFESSIONAL,
    )
    sheet = forms.CharField(
        label=_("Sheet (XLSX; default: the first)"), required=False, max_length=100
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phenomenon"].choices = [("", "—"), *taxonomy.phenomenon_choices()]
