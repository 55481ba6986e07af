"""Second factors: an authenticator app (TOTP) and single-use recovery codes.

Every staff session needs one verified (``StaffSessionMiddleware``). Setting up happens once,
right after the first password login: the user scans a QR code, proves it with a code, and
receives ten recovery codes, shown once. An administrator can reset a lost factor (audited);
the user then sets it up again at the next login.
"""

from __future__ import annotations

import secrets
from typing import Any

import django_otp
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from flagdesk.audit.reasons import stated_reason
from flagdesk.audit.services import record

from ..models import RecoveryCode, RecoveryCodes, TotpDevice, User
from .sessions import end_sessions, tell_sign_in_changed

RECOVERY_CODES = 10
# Ten characters from an alphabet without look-alikes (no 0/o, 1/l/i): 50 bits each.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_CODE_CHARS = 10
AUTH_AT = "flagdesk.auth_at"


def authenticator(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def start_setup(user: User) -> TotpDevice:
    """A fresh, unconfirmed authenticator for ``user`` (a previous unfinished one is dropped)."""
    TotpDevice.objects.filter(user=user, confirmed=False).delete()
    return TotpDevice.objects.create(user=user, name="authenticator", confirmed=False)


def pending_setup(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_CHARS))
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def new_recovery_codes(user: User, *, actor: User | None = None, tell: bool = True) -> list[str]:
    """Replace ``user``'s recovery codes; the clear codes are returned once, never stored."""
    RecoveryCodes.objects.filter(user=user).delete()
    device = RecoveryCodes.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [_new_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, code_hash=RecoveryCode.hash(c)) for c in codes
    )
    record("2fa.recovery_codes_issued", actor=actor or user, target=f"user:{user.pk}")
    if tell:
        tell_sign_in_changed(
            user, _("new recovery codes were made; the earlier ones no longer work.")
        )
    return codes


@transaction.atomic
def confirm_setup(user: User, device: TotpDevice, code: str) -> list[str] | None:
    """Confirm the authenticator being set up with a code from it; returns new recovery codes,
    or None when the code is wrong. An earlier authenticator is replaced."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(code):
        record("2fa.setup_failed", actor=user, target=f"user:{user.pk}")
        return None
    replaced = TotpDevice.objects.filter(user=user).exclude(pk=device.pk).delete()[0] > 0
    TotpDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.confirmed = True
    record("2fa.enabled", actor=user, target=f"user:{user.pk}", data={"replaced": replaced})
    if replaced:
        tell_sign_in_changed(user, _("your authenticator app was replaced by a new one."))
    return new_recovery_codes(user, tell=False)


def check_code(user: User, code: str) -> TotpDevice | RecoveryCodes | None:
    """The device that accepts ``code`` (authenticator first, then a recovery code), audited."""
    code = code.strip()
    if not code or len(code) > 40:
        record("2fa.failed", actor=user, target=f"user:{user.pk}")
        return None
    totp = authenticator(user)
    device: Any = None
    if totp is not None and totp.verify_token(code):
        device = totp
    else:
        recovery = RecoveryCodes.objects.filter(user=user).first()
        if recovery is not None and recovery.verify_token(code):
            device = recovery
            record(
                "2fa.recovery_code_used",
                actor=user,
                target=f"user:{user.pk}",
                data={"remaining": recovery.remaining()},
            )
    if device is None:
        record("2fa.failed", actor=user, target=f"user:{user.pk}")
        return None
    return device


def mark_verified(request: HttpRequest, device: TotpDevice | RecoveryCodes) -> None:
    """The session has passed its second factor now (and counts as a fresh login)."""
    django_otp.login(request, device)
    request.session[AUTH_AT] = timezone.now().timestamp()
    record("2fa.verified", actor=device.user, target=f"user:{device.user_id}")


@transaction.atomic
def reset(user: User, *, actor: User, reason: str) -> None:
    """Drop ``user``'s second factors (a lost phone); they set one up at their next login."""
    reason = stated_reason(reason, missing=_("Say why."))
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCodes.objects.filter(user=user).delete()
    record("2fa.reset", actor=actor, target=f"user:{user.pk}", reason=reason)
    # A session that got in with the old factor must not set up the new one.
    end_sessions(user, actor=actor, reason=reason)
    tell_sign_in_changed(
        user,
        _("an administrator removed your second factor; you set up a new one at your next login."),
    )
