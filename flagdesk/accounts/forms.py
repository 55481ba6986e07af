"""The staff forms: login, second factor, re-authentication, user management, tokens."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from .models import Role, TokenScope


class StaffLoginForm(AuthenticationForm):
    # One message for every failure (unknown user, wrong password, inactive account), so the
    # login page never tells an attacker which usernames exist.
    error_messages = {
        "invalid_login": _("The username or password is not correct."),
        "inactive": _("The username or password is not correct."),
    }


class CodeForm(forms.Form):
    """A code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class ConfirmForm(CodeForm):
    """Password and code again, before an export, a reveal or a change of access."""

    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    field_order = ["password", "code"]


class InviteForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    minors_clearance = forms.BooleanField(
        label=_("Cleared for cases involving minors"), required=False
    )
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)

    def clean_username(self) -> str:
        value: str = self.cleaned_data["username"].strip()
        UnicodeUsernameValidator()(value)
        return value


class AccessForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("no role")), *Role.choices], required=False
    )
    minors_clearance = forms.BooleanField(
        label=_("Cleared for cases involving minors"), required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices)
    expires_days = forms.IntegerField(
        label=_("Expires after (days, 0 for never)"), min_value=0, max_value=3650
    )
