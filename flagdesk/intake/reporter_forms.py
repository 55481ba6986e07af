"""The form of "Write to the reporter" (case page); its service checks it all again (S3)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import ServiceErrors
from .models import ReporterMail
from .reporter_mail import MAX_SUBJECT
from .services import MAX_DESCRIPTION

K = ReporterMail.Kind


class ReporterWriteForm(ServiceErrors):
    kind = forms.ChoiceField(
        label=_("What kind of mail?"),
        choices=[
            (K.STAFF, _("A message")),
            (K.NEEDS_INFO, _("Ask for more information")),
        ],
        initial=K.STAFF,
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(
        label=_("Subject"),
        # A little room over the limit, so the service's own message says by how much.
        max_length=MAX_SUBJECT * 2,
        # Never stripped of inner line breaks here: the service refuses them, by name.
        strip=False,
    )
    text = forms.CharField(
        label=_("Text"),
        help_text=_(
            "Write in the reporter's language. The mail is signed with the organisation's "
            "name, never yours; the text is kept encrypted in the contact log."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAX_DESCRIPTION * 2,
        strip=False,
    )

    def __init__(self, *args: Any, subjects: dict[str, str], **kwargs: Any) -> None:
        """``subjects``: the default subject of each kind, in the reporter's language (the
        page's script switches between them until the writer edits the subject)."""
        super().__init__(*args, **kwargs)
        self.fields["subject"].initial = subjects[K.STAFF]
        self.fields["subject"].widget.attrs.update(
            {
                "data-subject-staff": subjects[K.STAFF],
                "data-subject-needs-info": subjects[K.NEEDS_INFO],
                "autocomplete": "off",
            }
        )
