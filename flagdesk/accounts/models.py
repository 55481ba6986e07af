"""Staff users, their role and their API tokens."""

from __future__ import annotations

import hashlib
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INTAKE = "intake", _("Intake officer")
    ANALYST = "analyst", _("Analyst")
    REVIEWER = "reviewer", _("Reviewer")
    COORDINATOR = "coordinator", _("Coordinator")
    ADMIN = "admin", _("Administrator")
    AUDITOR = "auditor", _("Auditor")
    PARTNER = "partner", _("Partner (API)")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)

    def has_any_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles


class ApiToken(models.Model):
    """A bearer token, stored only as its SHA-256 (it carries 256 random bits)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
