"""Staff accounts: created (by the CLI or an administrator's invitation), given a role,
deactivated, unlocked. Every change is in the audit trail."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from flagdesk.audit.reasons import stated_reason
from flagdesk.audit.services import record
from flagdesk.core.errors import Conflict, FlagdeskError, ValidationFailed

from ..lockout import fold
from ..models import Role, User
from .sessions import end_sessions

log = logging.getLogger(__name__)


def _check_role(role: str) -> None:
    if role and role not in Role.values:
        raise ValidationFailed(
            _("Unknown role %(role)s; choose one of: %(roles)s.")
            % {"role": role, "roles": ", ".join(Role.values)},
            fields={"role": [_("Unknown role.")]},
        )


@transaction.atomic
def add_user(
    username: str,
    *,
    role: str,
    email: str = "",
    password: str | None = None,
    actor: User | None = None,
    minors_clearance: bool = False,
) -> User:
    """Create a staff user with one role; without a password the account cannot log in yet."""
    _check_role(role)
    if not role:
        raise ValidationFailed(_("Choose a role."), fields={"role": [_("Required.")]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(
            _("A user named %(username)s already exists.") % {"username": username},
            fields={"username": [_("Already taken.")]},
        )
    user = User.objects.create_user(
        username, email=email, password=password, role=role, minors_clearance=minors_clearance
    )
    record(
        "user.created",
        actor=actor,
        target=f"user:{user.pk}",
        data={"role": role, "minors_clearance": minors_clearance},
    )
    return user


def set_password_link(user: User) -> str:
    """An absolute link to choose a password, valid ``PASSWORD_RESET_TIMEOUT`` seconds and
    only until the password changes (Django's reset tokens)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password-reset-confirm", args=[uid, token])
    return settings.BASE_URL.rstrip("/") + path


class MailNotSent(FlagdeskError):
    """The mail server did not take a mail; what it was for is done, the mail can be sent
    again (the user's page: "Mail a link to choose a new password")."""

    code = "mail_not_sent"
    status = 503


def invite(
    username: str,
    *,
    email: str,
    role: str,
    actor: User,
    language: str = "",
    minors_clearance: bool = False,
) -> User:
    """Create an account without a password and mail its owner a link to choose one.

    The account is committed first, the mail sent after: a mail server that is down leaves
    the account in place and raises ``MailNotSent``, and the link can be sent again.
    """
    if not email:
        raise ValidationFailed(
            _("An invitation needs an email address."), fields={"email": [_("Required.")]}
        )
    with transaction.atomic():
        user = add_user(
            username, role=role, email=email, actor=actor, minors_clearance=minors_clearance
        )
        record("user.invited", actor=actor, target=f"user:{user.pk}")
    _mail_link(user, "accounts/mail/invitation.txt", actor=actor, language=language)
    return user


def send_password_link(user: User, *, actor: User) -> None:
    """An administrator starts a password reset; the user chooses the password (ASVS 6.4.6)."""
    if not user.email or not user.is_active:
        raise ValidationFailed(_("This account has no email address or is deactivated."))
    _mail_link(user, "accounts/mail/password_link.txt", actor=actor)
    record("user.password_link_sent", actor=actor, target=f"user:{user.pk}")


def _mail_link(user: User, template: str, *, actor: User, language: str = "") -> None:
    link = set_password_link(user)
    with translation.override(language or translation.get_language()):
        subject = _("Your flagdesk account at %(org)s") % {"org": settings.ORG_NAME}
        body = render_to_string(
            template, {"user": user, "link": link, "org": settings.ORG_NAME, "inviter": actor}
        )
    try:
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    except (smtplib.SMTPException, OSError) as e:
        log.warning("accounts.mail_failed", extra={"user": user.pk, "error": type(e).__name__})
        raise MailNotSent(
            _(
                "The mail server did not take the mail to %(email)s, so the link was not "
                'sent. Try again with "Mail a link to choose a new password" once the mail '
                "server works."
            )
            % {"email": user.email}
        ) from None


def _reason(reason: str) -> str:
    return stated_reason(reason, missing=_("Say why."))


@transaction.atomic
def change_access(
    user: User, *, role: str, minors_clearance: bool, actor: User, reason: str
) -> User:
    """Give ``user`` another role or clearance; an administrator cannot change their own."""
    _check_role(role)
    if user.pk == actor.pk:
        raise Conflict(_("Ask another administrator to change your own role."))
    before = {"role": user.role, "minors_clearance": user.minors_clearance}
    after = {"role": role, "minors_clearance": minors_clearance}
    if before == after:
        return user
    User.objects.filter(pk=user.pk).update(**after)
    user.role, user.minors_clearance = role, minors_clearance
    record(
        "user.access_changed",
        actor=actor,
        target=f"user:{user.pk}",
        reason=_reason(reason),
        data={"before": before, "after": after},
    )
    return user


@transaction.atomic
def set_active(user: User, *, active: bool, actor: User, reason: str) -> User:
    """Deactivate (its sessions and tokens stop working at once) or reactivate an account."""
    if user.pk == actor.pk and not active:
        raise Conflict(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return user
    User.objects.filter(pk=user.pk).update(is_active=active)
    user.is_active = active
    if not active:
        end_sessions(user, actor=actor, reason=reason)
    record(
        "user.activated" if active else "user.deactivated",
        actor=actor,
        target=f"user:{user.pk}",
        reason=_reason(reason),
    )
    return user


@transaction.atomic
def unlock(user: User, *, actor: User) -> int:
    """Forget the failed logins that locked ``user`` out; the count of cleared records."""
    from axes.models import AccessAttempt

    cleared, _details = AccessAttempt.objects.filter(username=fold(user.username)).delete()
    record("user.unlocked", actor=actor, target=f"user:{user.pk}", data={"cleared": cleared})
    return int(cleared)


def locked_usernames() -> set[str]:
    """The (folded) user names locked out now, in one query for the whole users list.

    django-axes keeps a row per user name, address and browser; an account's count is their
    sum over the cool-off period, as axes itself counts it.
    """
    from axes.models import AccessAttempt

    since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since)
        .values("username")
        .annotate(n=Sum("failures_since_start"))
        .filter(n__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"] for row in rows}


def is_locked_out(user: User) -> bool:
    return fold(user.username) in locked_usernames()
