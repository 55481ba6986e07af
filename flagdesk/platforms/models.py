"""The registry of platforms we send notices to: who they are in law, the domains that identify
them, how to reach them (channels, in order of preference) and how fast they should answer."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from flagdesk.core.crypto import EncryptedTextField

from .channels import ChannelConfig

# Hours a platform is expected to take to decide when the registry says nothing: the EU Code
# of Conduct on illegal hate speech asks for a review of most notices within 24 hours.
DEFAULT_SLA_HOURS = 24


class Platform(models.Model):
    class Category(models.TextChoices):
        SOCIAL_NETWORK = "social_network", _("Social network")
        MESSAGING = "messaging", _("Messaging")
        VIDEO = "video", _("Video sharing")
        ADULT = "adult", _("Adult content")
        FILE_HOST = "file_host", _("File hosting")
        IMAGE_HOST = "image_host", _("Image hosting")
        SEARCH_ENGINE = "search_engine", _("Search engine")
        FORUM = "forum", _("Forum")
        DATING = "dating", _("Dating")
        MARKETPLACE = "marketplace", _("Marketplace")
        OTHER = "other", _("Other")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    # Who notices are addressed to in law (art. 16 DSA binds the provider, not the brand).
    legal_entity = models.CharField(_("legal entity"), max_length=200, blank=True)
    member_state = models.CharField(_("Member State of establishment"), max_length=2, blank=True)
    is_vlop = models.BooleanField(_("very large online platform"), default=False)
    is_vlose = models.BooleanField(_("very large online search engine"), default=False)
    # A provider that is a natural person (a one-person forum): its name is personal data, so
    # the annual report merges it into "Other providers" (art. 22(3) DSA, legal.md rule 19).
    is_natural_person = models.BooleanField(_("provider is a natural person"), default=False)
    # The provider's name in the DSA Transparency Database, to find its statements of reasons.
    tdb_name = models.CharField(_("name in the Transparency Database"), max_length=200, blank=True)
    # A regular expression with a group named ``puid`` that reads the platform's content id
    # from an item's URL, to find the item's statements in the Transparency Database.
    puid_pattern = models.CharField(_("content id pattern"), max_length=300, blank=True)
    languages = models.JSONField(_("notice languages"), default=list)
    # Whether the platform matches content by hash: only then do notices carry the items'
    # known hashes (art. 16(2)(b) "additional information"; never the media itself).
    accepts_hash_matching = models.BooleanField(_("accepts hash matching"), default=False)
    # {"default": 24, "ncii": 12, ...}: hours to a decision per phenomenon (SLA timers).
    sla_hours = models.JSONField(_("expected response times (hours)"), default=dict, blank=True)
    escalation_contacts = models.TextField(_("escalation contacts"), blank=True)
    # {"default": [1, 6, 24], "csam": [1, 2, 6]}: hours after a notice at which its items are
    # re-checked (then every MONITORING_RECHECK_EVERY_HOURS); empty: the organisation's default.
    recheck_hours = models.JSONField(_("re-check schedule (hours)"), default=dict, blank=True)
    # One text per line; a page containing one of them (or a final URL containing one, for
    # lines starting "url:") is the platform's "content unavailable" page. Plain text, not
    # regular expressions: a pattern must not be able to hang the worker.
    unavailable_patterns = models.TextField(_("“content unavailable” patterns"), blank=True)
    # Re-notice automatically every N hours while an item stays online; None: never.
    renotice_every_hours = models.PositiveIntegerField(
        _("automatic re-notice every (hours)"), null=True, blank=True
    )
    # Who set that cadence: their standing approval of the re-notices it makes (legal.md g.14).
    renotice_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # HMAC key of the signed inbound API (POST /api/v1/inbound/{slug}); shown once when made.
    inbound_secret = EncryptedTextField(blank=True)
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

    def sla_hours_for(self, phenomenon: str) -> int:
        """Hours the platform should take to decide on an item of ``phenomenon``."""
        hours = self.sla_hours.get(phenomenon) or self.sla_hours.get("default")
        return int(hours or DEFAULT_SLA_HOURS)

    def active_channels(self) -> list[PlatformChannel]:
        """Channels in the coordinator's order of preference (uses a prefetch when there)."""
        return [c for c in self.channels.all() if c.is_active]

    @property
    def notice_address(self) -> str:
        """The first email channel's address ("" when notices go another way)."""
        for channel in self.active_channels():
            if channel.kind == PlatformChannel.Kind.EMAIL:
                return channel.address
        return ""


class PlatformChannel(models.Model):
    """One way of sending notices to a platform, as a coordinator verified it.

    Credentials are never stored: ``secret_ref`` names an environment variable or a file on
    the machines that send (``env:NAME``, ``file:/run/secrets/x``).
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        API = "api", _("HTTP API")
        WEBFORM = "webform", _("Web form (by hand)")

    class Auth(models.TextChoices):
        NONE = "", _("No authentication")
        BEARER = "bearer", _("Bearer token")
        HMAC = "hmac", _("HMAC signature")

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="channels")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    address = models.CharField(_("address"), max_length=254, blank=True)
    endpoint = models.CharField(_("endpoint or form page"), max_length=500, blank=True)
    auth = models.CharField(_("authentication"), max_length=10, choices=Auth.choices, blank=True)
    secret_ref = models.CharField(_("secret reference"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=5, blank=True)
    options = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["platform", "position"]

    def __str__(self) -> str:
        return f"{self.platform_id} {self.kind} {self.address or self.endpoint}"

    def config(self) -> ChannelConfig:
        return ChannelConfig(
            kind=self.kind,
            address=self.address,
            endpoint=self.endpoint,
            auth=self.auth,
            secret_ref=self.secret_ref,
            language=self.language,
            options=dict(self.options or {}),
        )


class PlatformDomain(models.Model):
    """A registered domain (``example.org``, not ``www.example.org``) owned by a platform."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    def __str__(self) -> str:
        return self.domain
