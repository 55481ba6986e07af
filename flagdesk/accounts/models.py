"""Staff users, their role, their second factors and their API tokens."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from base64 import b32encode
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from flagdesk.core.crypto import EncryptedTextField


class Role(models.TextChoices):
    INTAKE = "intake", _("Intake officer")
    ANALYST = "analyst", _("Analyst")
    REVIEWER = "reviewer", _("Reviewer")
    COORDINATOR = "coordinator", _("Coordinator")
    ADMIN = "admin", _("Administrator")
    AUDITOR = "auditor", _("Auditor")
    PARTNER = "partner", _("Partner (API)")


class User(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp's devices
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    # Need-to-know (issue 11): cases with child sexual abuse material or a minor depicted are
    # open only to staff cleared for them (the hotline's analysts), whatever their role.
    minors_clearance = models.BooleanField(
        _("cleared for cases involving minors"),
        default=False,
        help_text=_("Child sexual abuse material and cases where a minor is depicted."),
    )

    # Sessions that began before this moment are ended at their next request: set when an
    # administrator signs a user out everywhere, resets their second factor or deactivates
    # them, and when the user signs out their other sessions.
    sessions_valid_from = models.DateTimeField(null=True, blank=True, editable=False)

    def has_any_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles


def _totp_key() -> str:
    return secrets.token_hex(20)


class TotpDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (RFC 6238 TOTP), its secret encrypted like victims' data.

    django-otp's own TOTP model keeps the secret in clear text; a copy of the database must not
    be enough to pass anyone's second factor, so the key is an ``EncryptedTextField`` (rotated
    with the field keys) and the algorithm is django-otp's. ``last_t`` refuses a code twice.
    """

    key = EncryptedTextField(default=_totp_key)
    step = 30
    digits = 6
    tolerance = 1
    drift: models.SmallIntegerField[int, int] = models.SmallIntegerField(default=0)
    last_t: models.BigIntegerField[int, int] = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "TOTP device"

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key)

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def totp(self, at: float | None = None) -> TOTP:
        totp = TOTP(self.bin_key, self.step, 0, self.digits, self.drift)
        totp.time = time.time() if at is None else at
        return totp

    def verify_token(self, token: Any) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        text = str(token).replace(" ", "").strip()
        verified = False
        if text.isdigit() and len(text) == self.digits:
            totp = self.totp()
            verified = bool(totp.verify(int(text), self.tolerance, self.last_t + 1))
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    @property
    def secret_base32(self) -> str:
        return b32encode(self.bin_key).decode().rstrip("=")

    @property
    def config_url(self) -> str:
        """The ``otpauth://`` URI an authenticator app reads from the QR code."""
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "flagdesk")).replace(":", "")
        label = f"{issuer}:{self.user.get_username()}"
        params = urlencode(
            {"secret": self.secret_base32, "digits": self.digits, "period": self.step}
        )
        return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(issuer)}"


class RecoveryCodes(ThrottlingMixin, Device):
    """Single-use codes for a lost phone; only their SHA-256 is kept (each has 50 random bits)."""

    class Meta(Device.Meta):
        verbose_name = "recovery codes"

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        digest = RecoveryCode.hash(str(token))
        used = RecoveryCode.objects.filter(
            device=self, code_hash=digest, used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.device.user}" + (" (used)" if self.used_at else "")

    @staticmethod
    def normalise(code: str) -> str:
        return "".join(ch for ch in code.lower() if ch.isalnum())

    @classmethod
    def hash(cls, code: str) -> str:
        return hashlib.sha256(cls.normalise(code).encode()).hexdigest()


class TokenScope(models.TextChoices):
    """What a token may do, within what its user's role allows (docs/api.md)."""

    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")
    INTAKE = "intake", _("Intake (send reports)")
    PARTNER = "partner", _("Partner (banks and referrals)")


class ApiToken(models.Model):
    """A bearer token, stored only as its SHA-256 (it carries 256 random bits)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired
