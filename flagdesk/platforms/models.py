"""The registry of platforms we send notices to, and the domains that identify them."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    is_vlop = models.BooleanField(_("very large online platform"), default=False)
    channel_kind = models.CharField(
        _("notice channel"), max_length=20, choices=Channel.choices, default=Channel.EMAIL
    )
    notice_address = models.EmailField(_("notice address"), blank=True)
    languages = models.JSONField(_("notice languages"), default=list)
    # Whether the platform matches content by hash: only then do notices carry the items'
    # known hashes (art. 16(2)(b) "additional information"; never the media itself).
    accepts_hash_matching = models.BooleanField(_("accepts hash matching"), default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def notice_language(self) -> str:
        """Notices go out in the platform's first supported language we write, else English."""
        for lang in self.languages:
            if lang in ("en", "fr", "nl", "de"):
                return str(lang)
        return "en"


class PlatformDomain(models.Model):
    """A registered domain (``example.org``, not ``www.example.org``) owned by a platform."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    def __str__(self) -> str:
        return self.domain
