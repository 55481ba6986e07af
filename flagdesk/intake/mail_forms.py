"""The forms of the Mailbox pages: confirming a mailed draft as a report, merging it into
one, discarding it. Each is checked again by its service (S3)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from flagdesk.core import taxonomy

from .forms import ServiceErrors
from .labels import staff_role_choices
from .models import MailedReport, Report
from .services import MAX_DESCRIPTION, ReportSubmission

LANGUAGE_CHOICES: list[tuple[str, Any]] = [
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("de", _("German")),
    ("en", _("English")),
]


def _url_choices(mail: MailedReport) -> list[tuple[str, str]]:
    return [(u["url"], u["url"]) for u in mail.urls]


class DraftUrls(ServiceErrors):
    """The addresses found in the mail (ticked ones are taken) and any the officer adds."""

    urls = forms.MultipleChoiceField(
        label=_("Addresses found in the mail"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    extra_urls = forms.CharField(
        label=_("Other addresses, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "class": "url"}),
    )

    def __init__(self, *args: Any, mail: MailedReport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mail = mail
        field = cast(forms.MultipleChoiceField, self.fields["urls"])
        field.choices = _url_choices(mail)
        field.initial = [u for u, _label in field.choices][:50]

    def chosen_urls(self) -> list[str]:
        data = self.cleaned_data
        return [*data["urls"], *str(data["extra_urls"]).splitlines()]


class ConfirmDraftForm(DraftUrls):
    language = forms.ChoiceField(label=_("Language of the report"), choices=LANGUAGE_CHOICES)
    role = forms.ChoiceField(label=_("Who wrote to us"), choices=[("", "—"), *staff_role_choices()])
    phenomenon = forms.ChoiceField(label=_("What happened"), required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    keep_contact = forms.BooleanField(
        label=_("The sender agrees that we keep their address to follow up the report"),
        required=False,
        template_name="intake/consent_field.html",  # the box before its label
    )
    reporter_name = forms.CharField(label=_("Sender's name"), required=False, max_length=200)

    def __init__(self, *args: Any, mail: MailedReport, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "language": mail.language or "en",
                "description": mail.body[:MAX_DESCRIPTION],
                "reporter_name": mail.sender_name,
            },
        )
        super().__init__(*args, mail=mail, **kwargs)
        phenomenon = cast(forms.ChoiceField, self.fields["phenomenon"])
        phenomenon.choices = [("", "—"), *taxonomy.phenomenon_choices(get_language() or "en")]

    def submission(self) -> ReportSubmission:
        data = self.cleaned_data
        keep = bool(data["keep_contact"]) and bool(self.mail.sender_address)
        return ReportSubmission(
            urls=self.chosen_urls(),
            role=data["role"],
            language=data["language"],
            phenomenon=data["phenomenon"],
            description=data["description"],
            is_anonymous=not keep,
            reporter_name=(data["reporter_name"] or self.mail.sender_address) if keep else "",
            reporter_email=self.mail.sender_address if keep else "",
            has_consented=keep,
            channel=Report.Channel.EMAIL,
        )


class MergeDraftForm(DraftUrls):
    reference = forms.CharField(label=_("Reference of the report (R-…)"), max_length=20)
    include_text = forms.BooleanField(
        label=_("Add the mail's text to the report"),
        required=False,
        initial=True,
        template_name="intake/consent_field.html",  # the box before its label, on its line
    )


class DiscardDraftForm(forms.Form):
    discard_reason = forms.ChoiceField(
        label=_("Why"), choices=[("", "—"), *MailedReport.DiscardReason.choices]
    )
