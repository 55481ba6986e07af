"""flagdesk settings: everything comes from FLAGDESK_* variables through core/env.py (S13)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from flagdesk.core.env import (
    database_config,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_rate,
    env_secret,
    env_str,
    env_url,
)
from flagdesk.core.keys import ring as keyring

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# var/ holds the database and evidence about victims: whatever this process creates
# (databases, snapshots, spooled media, kept files, mail) is readable by the service alone,
# and var/ itself is closed to others, which also covers files made by older versions.
os.umask(0o077)
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
if VAR_DIR.stat().st_mode & 0o077 and VAR_DIR.stat().st_uid == os.getuid():
    VAR_DIR.chmod(0o700)

# Keys live apart from var/ (its database and evidence): a copy of var/ must not carry the
# key that opens it. Production sets FLAGDESK_*_FILE or FLAGDESK_KEY_DIR (e.g. /etc/flagdesk).
KEY_DIR = Path(env_str("KEY_DIR", str(BASE_DIR / "keys")))


def _generated_secret(filename: str, make: str) -> str:
    """A secret created once in KEY_DIR (0700, file 0600) and reused afterwards; an older
    version's copy under var/ is moved there (``make``: ``"fernet"`` or ``"token"``)."""
    return keyring.generated_secret(KEY_DIR, filename, make, legacy_dir=VAR_DIR)


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY") or _generated_secret("secret_key", "token")
# Field keys (personal data, kept media): FLAGDESK_FIELD_KEYS(_FILE), comma or line separated,
# first encrypts; else the ring file KEY_DIR/field_keys that `flagdesk keys rotate` edits.
_field_keys = env_secret("FIELD_KEYS") or ""
FIELD_KEYS_FROM_ENV = bool(_field_keys.strip())
FLAGDESK_FIELD_KEYS = list(
    keyring.parse_ring(_field_keys, source="FLAGDESK_FIELD_KEYS").keys
    if FIELD_KEYS_FROM_ENV
    else keyring.generated_ring(KEY_DIR, legacy_dir=VAR_DIR).keys
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
BASE_URL = env_url("BASE_URL", "http://127.0.0.1:8000", schemes=("http", "https"))
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Second factors (our own TOTP and recovery-code devices in accounts) and failed-login
    # lock-out per account and per client address.
    "django_otp",
    "axes",
    # No django.contrib.admin: every action has a page with our roles, four-eyes and audit
    # trail; Django's admin would be a second door to victims' data without them.
    # django-ninja's own copy of Swagger UI, served from our static files (pinned with the
    # package): /api/v1/docs works offline and under our CSP, with nothing from a CDN.
    "ninja",
    "csp",  # its system checks refuse outdated or unsafe CONTENT_SECURITY_POLICY settings
    "django_tasks",
    "django_tasks_db",
    "flagdesk.core",
    "flagdesk.audit",
    "flagdesk.accounts",
    "flagdesk.organisation",
    "flagdesk.platforms",
    "flagdesk.cases",
    "flagdesk.matching",
    "flagdesk.notices",
    "flagdesk.monitoring",
    "flagdesk.intake",
    "flagdesk.partners",
    "flagdesk.workbench",
    "flagdesk.stats",
    # The composition layer (S1b): the worker loop, the demo, the CLI, the API's assembly.
    "flagdesk.site",
]

MIDDLEWARE = [
    # Before anything asks request.is_secure(): a client cannot claim HTTPS by itself.
    "flagdesk.core.middleware.ForwardedProtoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, whose check reads the body: an oversized one is refused unread (413).
    "flagdesk.core.uploads.BodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions: signed out when idle, and no page before the second factor.
    "flagdesk.accounts.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",  # CONTENT_SECURITY_POLICY, at the end of this file
    "flagdesk.core.middleware.SecurityHeadersMiddleware",
    "flagdesk.core.middleware.ApiMethodNotAllowedMiddleware",
    "flagdesk.core.unavailable.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: answers a locked-out login with our login page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "flagdesk.site.urls"
WSGI_APPLICATION = "flagdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "flagdesk.organisation.context_processors.organisation",
                "flagdesk.site.context_processors.staff_alerts",
            ],
        },
    },
]

DATABASES = {
    "default": database_config(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'flagdesk.sqlite3'}"), BASE_DIR
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # zxcvbn's bundled lists (breached and common passwords, names, words) and patterns.
    {"NAME": "flagdesk.accounts.passwords.StrengthValidator", "OPTIONS": {"min_score": 3}},
]
# django-axes first: a locked-out account or address is refused before its password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins: after LOGIN_FAILURE_LIMIT failures for one user name, or from one client
# address (through TRUSTED_PROXIES), logins are refused for LOGIN_LOCKOUT_MINUTES.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "flagdesk.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "flagdesk.accounts.lockout.locked_out"
AXES_USERNAME_CALLABLE = "flagdesk.accounts.lockout.username"
AXES_DISABLE_ACCESS_LOG = True  # successes are in the audit trail; no second log of addresses
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# Second factor: codes of the authenticator app; six failures in a row wait 1, 2, 4... s.
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "flagdesk")
OTP_TOTP_THROTTLE_FACTOR = 1
# A staff session ends after STAFF_IDLE_MINUTES without a request, and in any case after
# SESSION_COOKIE_AGE; exports, reveals and role changes ask for the password and a code
# again when the last one is older than REAUTH_MINUTES.
STAFF_IDLE_MINUTES = env_int("STAFF_IDLE_MINUTES", 30)
REAUTH_MINUTES = env_int("REAUTH_MINUTES", 15)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# API tokens expire after TOKEN_DAYS unless their issuer chooses otherwise.
TOKEN_DAYS = env_int("TOKEN_DAYS", 180)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:landing"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 10 * 3600
# The CSRF cookie is all a reporter's browser keeps of us (docs/accessibility.md): a session
# cookie, gone when the browser closes, rather than Django's year-long one. A form left open
# across a browser restart then fails its CSRF check and asks to be sent again.
CSRF_COOKIE_AGE = None
# Where the public pages' "Leave this site" button (and Escape pressed twice) goes: a neutral
# site that replaces ours in the tab (docs/accessibility.md).
LEAVE_URL = env_url("LEAVE_URL", "https://www.google.com/", schemes=("https", "http"))

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("nl", _("Dutch")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale", Path(__file__).resolve().parent / "locale"]
FORMAT_MODULE_PATH = ["flagdesk.core.formats"]  # ISO dates and times in every language
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "flagdesk_cache",
    }
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "media"],
        "ENQUEUE_ON_COMMIT": False,
    }
}

EMAIL_URL = env_url("EMAIL_URL", "smtp://127.0.0.1:1025", schemes=("smtp", "smtps", "smtp+tls"))
IMAP_URL = env_url("IMAP_URL", "", schemes=("imap", "imaps"))
IMAP_POLL_SECONDS = env_int("IMAP_POLL_SECONDS", 60)
# The intake mailbox (docs/intake.md, "Email"): mails from the public, turned into draft reports.
# Never the answers mailbox above; its mails are refused whole above INTAKE_MAIL_MAX_BYTES.
INTAKE_IMAP_URL = env_url("INTAKE_IMAP_URL", "", schemes=("imap", "imaps"))
INTAKE_IMAP_POLL_SECONDS = env_int("INTAKE_IMAP_POLL_SECONDS", 120)
INTAKE_MAIL_MAX_BYTES = env_int("INTAKE_MAIL_MAX_BYTES", 25 * 1024 * 1024)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# Mail to staff (alerts) goes through Django's SMTP backend to the same server as notices.
_mail = urlsplit(EMAIL_URL)
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = _mail.hostname or "127.0.0.1"
EMAIL_PORT = _mail.port or {"smtps": 465, "smtp+tls": 587}.get(_mail.scheme, 25)
EMAIL_USE_SSL = _mail.scheme == "smtps"
EMAIL_USE_TLS = _mail.scheme == "smtp+tls"
EMAIL_HOST_USER = unquote(_mail.username or "")
EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
ORG_NAME = env_str("ORG_NAME", "flagdesk demo organisation")
ORG_EMAIL = env_str("ORG_EMAIL", "flagger@flagdesk.example")
DEFAULT_FROM_EMAIL = ORG_EMAIL
# The no-reply sender of anonymous art. 16(2)(c) notices: an address outside the
# organisation's mail domain (checked when a notice is queued). Unset: anonymity is refused.
ANONYMOUS_SENDER = env_str("ANONYMOUS_SENDER", "").strip()
# The workbench's order (docs/workbench.md): hours from the first report to an item's due
# time, per phenomenon code, overriding the defaults of cases/priority.py ("csam=2,ncii=8").
PRIORITY_TARGET_HOURS = env_list("PRIORITY_TARGET_HOURS", [])
if ANONYMOUS_SENDER:
    try:
        validate_email(ANONYMOUS_SENDER)
    except ValidationError:
        raise ImproperlyConfigured(
            f"FLAGDESK_ANONYMOUS_SENDER must be an email address, got {ANONYMOUS_SENDER!r}"
        ) from None

PUBLIC_RATE_LIMIT = env_rate("PUBLIC_RATE_LIMIT", "30/h")
# Receipt codes (docs/status-page.md): after this many wrong codes for one reference within the
# window, the reference refuses every code for RECEIPT_LOCKOUT_MINUTES, whoever asks; 0 = off.
RECEIPT_LOCKOUT_FAILURES = env_int("RECEIPT_LOCKOUT_FAILURES", 10)
RECEIPT_LOCKOUT_WINDOW_MINUTES = env_int("RECEIPT_LOCKOUT_WINDOW_MINUTES", 60)
RECEIPT_LOCKOUT_MINUTES = env_int("RECEIPT_LOCKOUT_MINUTES", 60)
URL_RESOLVER = env_str("URL_RESOLVER", "flagdesk.core.weburls.system_resolver")
# Hostile input at the edges. Reverse proxies whose X-Forwarded-For is believed, so that rate
# limits count clients, not the proxy (IPs or CIDR networks; empty: trust none). Reported hosts
# are resolved all at once by a bounded pool of threads, within one deadline per report.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
URL_LOOKUP_TIMEOUT_SECONDS = env_float("URL_LOOKUP_TIMEOUT_SECONDS", 3.0)
URL_LOOKUP_THREADS = env_int("URL_LOOKUP_THREADS", 8)
MIN_REASONS_CHARS = env_int("MIN_REASONS_CHARS", 200)
# A guard against crash loops; retries normally end OUTBOX_GIVE_UP_HOURS after queueing
# (RFC 5321 4.5.4.1: give up after at least 4-5 days).
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 300)
OUTBOX_GIVE_UP_HOURS = env_int("OUTBOX_GIVE_UP_HOURS", 96)
# Plain-http API channels on 127.0.0.1 (a local test platform); never in production.
CHANNELS_ALLOW_LOOPBACK_HTTP = env_bool("CHANNELS_ALLOW_LOOPBACK_HTTP", False)
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 120)

# Re-upload detection (matching app): where index snapshots live and what uploads may weigh.
MATCHING_INDEX_DIR = Path(env_str("MATCHING_INDEX_DIR", str(VAR_DIR / "index")))
# Media kept as evidence (encrypted with FLAGDESK_FIELD_KEYS), and the largest file kept.
MATCHING_EVIDENCE_DIR = Path(env_str("MATCHING_EVIDENCE_DIR", str(VAR_DIR / "evidence" / "media")))
MATCHING_MAX_KEEP_BYTES = env_int("MATCHING_MAX_KEEP_BYTES", 50 * 1024 * 1024)
# Videos larger than this are hashed by the worker (spooled under VAR_DIR/spool meanwhile).
MATCHING_SPOOL_VIDEO_BYTES = env_int("MATCHING_SPOOL_VIDEO_BYTES", 8 * 1024 * 1024)
MATCHING_SPOOL_DIR = Path(env_str("MATCHING_SPOOL_DIR", str(VAR_DIR / "spool" / "media")))
MATCHING_MAX_IMAGE_BYTES = env_int("MATCHING_MAX_IMAGE_BYTES", 30 * 1024 * 1024)
MATCHING_MAX_VIDEO_BYTES = env_int("MATCHING_MAX_VIDEO_BYTES", 500 * 1024 * 1024)
MATCHING_MAX_VIDEO_SECONDS = env_int("MATCHING_MAX_VIDEO_SECONDS", 3 * 3600)
# Decoding and PDQ (float64) take 26-29 bytes per pixel plus ~110 MB for the hashing child and
# the file (bench/image_memory.py): 25 megapixels (a 6000 x 4000 photo) fit
# MATCHING_IMAGE_MEMORY_BYTES' 1 GiB with a margin.
MATCHING_MAX_IMAGE_PIXELS = env_int("MATCHING_MAX_IMAGE_PIXELS", 25_000_000)
MATCHING_MAX_VIDEO_PIXELS = env_int("MATCHING_MAX_VIDEO_PIXELS", 40_000_000)
# vPDQ decodes hostile files in a child process with these limits.
MATCHING_VIDEO_TIMEOUT_SECONDS = env_int("MATCHING_VIDEO_TIMEOUT_SECONDS", 1800)
MATCHING_VIDEO_MEMORY_BYTES = env_int("MATCHING_VIDEO_MEMORY_BYTES", 2 * 1024**3)
# Uploads larger than this go to a temporary file instead of memory while the request runs.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# DSA Transparency Database dumps (docs/transparency-database.md): the largest file the page
# imports while the coordinator waits (bigger ones: ``flagdesk tdb import`` on the server), and
# how many days after our notice a platform's statement may apply and still be linked to it.
TDB_UPLOAD_MAX_BYTES = env_int("TDB_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
TDB_LINK_DAYS = env_int("TDB_LINK_DAYS", 90)

# Uploads and hashing under hostile input. A body declared larger than
# MAX_REQUEST_BYTES is refused (413) before anything reads it; the default fits the largest
# media file plus a form's fields (bank imports, at most 200 MB, fit too).
MAX_REQUEST_BYTES = env_int(
    "MAX_REQUEST_BYTES",
    max(MATCHING_MAX_IMAGE_BYTES, MATCHING_MAX_VIDEO_BYTES) + DATA_UPLOAD_MAX_MEMORY_SIZE,
)
# Pictures are decoded and hashed in long-lived child processes (matching/media/image_child.py),
# each capped at MATCHING_IMAGE_MEMORY_BYTES of address space and given
# MATCHING_IMAGE_TIMEOUT_SECONDS per picture. At most MATCHING_HASHING_SLOTS pictures are hashed
# at once on the machine, across all processes (lock files in MATCHING_HASHING_SLOT_DIR, which
# must be on a local disk); a request waits MATCHING_HASHING_WAIT_SECONDS for a slot, then
# public intake leaves the picture to the worker. Worst case: slots x memory.
MATCHING_IMAGE_MEMORY_BYTES = env_int("MATCHING_IMAGE_MEMORY_BYTES", 1024**3)
MATCHING_IMAGE_TIMEOUT_SECONDS = env_int("MATCHING_IMAGE_TIMEOUT_SECONDS", 20)
MATCHING_HASHING_SLOTS = env_int("MATCHING_HASHING_SLOTS", os.cpu_count() or 1)
MATCHING_HASHING_WAIT_SECONDS = env_int("MATCHING_HASHING_WAIT_SECONDS", 10)
MATCHING_HASHING_SLOT_DIR = Path(
    env_str("MATCHING_HASHING_SLOT_DIR", str(VAR_DIR / "locks" / "hashing"))
)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOG_FORMAT = env_str("LOG_FORMAT", "kv")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "kv": {"()": "flagdesk.core.logging.KeyValueFormatter"},
        "json": {"()": "flagdesk.core.logging.JsonFormatter"},
    },
    # Credentials and request bodies are blanked in every record, whoever logs it.
    "filters": {"redact": {"()": "flagdesk.core.logging.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "kv",
            "filters": ["redact"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # aiosmtpd's protocol trace (every SMTP command, addresses included) only at WARNING; SQL
    # with its parameters (reported URLs, names) never, even with FLAGDESK_LOG_LEVEL=DEBUG.
    "loggers": {
        "django.request": {"level": "ERROR"},
        "mail.log": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
        # django-axes says "login failed" per attempt; the audit trail has it, without addresses.
        "axes": {"level": "ERROR"},
    },
}

# Retention and erasure (GDPR arts 5(1)(e), 15 and 17; docs/retention.md). Months after a case
# is closed (every item settled) before each class of personal data is erased by
# `flagdesk retention run` (daily in the worker); nothing of a case under legal hold is erased.
# FLAGDESK_RETENTION_POLICY overrides the months per phenomenon, as JSON:
# {"ncii": {"evidence": 36}, "csam": {"contact": 3, "description": 12}}.
RETENTION_MONTHS = {
    "contact": env_int("RETENTION_CONTACT_MONTHS", 6),
    "description": env_int("RETENTION_DESCRIPTION_MONTHS", 24),
    "identifiers": env_int("RETENTION_IDENTIFIERS_MONTHS", 24),
    "evidence": env_int("RETENTION_EVIDENCE_MONTHS", 12),
}


def _retention_policy(raw: str) -> dict[str, dict[str, int]]:
    import json

    try:
        policy = json.loads(raw) if raw.strip() else {}
    except ValueError as e:
        raise ImproperlyConfigured(f"FLAGDESK_RETENTION_POLICY is not valid JSON: {e}") from None
    if not isinstance(policy, dict) or not all(
        isinstance(rules, dict)
        and all(
            name in RETENTION_MONTHS and type(months) is int and months >= 0
            for name, months in rules.items()
        )
        for rules in policy.values()
    ):
        raise ImproperlyConfigured(
            "FLAGDESK_RETENTION_POLICY must map phenomena to {class: months} with classes "
            f"among {sorted(RETENTION_MONTHS)} and whole months of 0 or more, got {raw!r}"
        )
    return policy


if any(months < 0 for months in RETENTION_MONTHS.values()):
    raise ImproperlyConfigured("FLAGDESK_RETENTION_*_MONTHS must be 0 or more")
RETENTION_POLICY = _retention_policy(env_str("RETENTION_POLICY", ""))
# Evidence files without a database row (a write rolled back) are swept once this old, so a
# write under way is never taken for an orphan.
RETENTION_ORPHAN_MINUTES = env_int("RETENTION_ORPHAN_MINUTES", 60)
# Emails and phone numbers are encrypted, so a data subject's reports are found through a
# keyed hash of each (HMAC-SHA256, a blind index). Changing this key makes the existing
# index useless: keep it with the field keys and back it up with them.
SUBJECT_INDEX_KEY = env_secret("SUBJECT_INDEX_KEY") or _generated_secret(
    "subject_index_key", "token"
)

# Hardening (docs/security.md, "Hardening and bad input"). Every answer carries this
# Content-Security-Policy (django-csp): scripts and styles from our own static files only, no
# inline code, no plugins, no <base>, forms post only here, no page may frame ours. Swagger UI
# at /api/v1/docs is ninja's own copy in our static files and runs under it unchanged.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # blob:: the preview of a picture hashed on the reporter's device (intake/picture.js),
        # drawn from an object URL that never leaves the page.
        "img-src": ["'self'", "data:", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# An https:// FLAGDESK_BASE_URL is production: browsers are told to use HTTPS only (HSTS, a year
# by default; preloading is a promise to browser vendors that is slow to take back, so only on
# request), and cookies are Secure and, with the __Host- prefix, bound to this exact host (the
# receipt cookie, scoped to one page, has __Secure-: intake/receipt_cookie.py).
IS_HTTPS = BASE_URL.startswith("https://")
SECURE_HSTS_PRELOAD = IS_HTTPS and env_bool("HSTS_PRELOAD", False)
if IS_HTTPS:
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-flagdesk_session"
    CSRF_COOKIE_NAME = "__Host-flagdesk_csrf"
    LANGUAGE_COOKIE_NAME = "__Host-flagdesk_language"
# Redirect plain http to https here, for a deployment whose proxy does not (behind a proxy,
# only together with FLAGDESK_TRUSTED_PROXIES, or every request would redirect to itself).
SECURE_SSL_REDIRECT = IS_HTTPS and env_bool("SSL_REDIRECT", False)
# A trusted proxy says whether the client came over HTTPS; ForwardedProtoMiddleware (core)
# drops the header from anyone else, which Django alone would not.
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [
    # security.W008 (SECURE_SSL_REDIRECT off): the reverse proxy in front of `flagdesk serve`,
    # which listens on 127.0.0.1 only, answers plain http with its redirect (docs/operations.md),
    # and HSTS keeps browsers from trying http again.
    *(["security.W008"] if IS_HTTPS and not SECURE_SSL_REDIRECT else []),
    # security.W021 (no HSTS preload): see above; FLAGDESK_HSTS_PRELOAD=true turns it on.
    *(["security.W021"] if IS_HTTPS and not SECURE_HSTS_PRELOAD else []),
]
# Django's error reports (the mail to ADMINS, the DEBUG page) carry no POST data, cookies,
# credentials or exception messages (core/error_reports.py); logs are filtered likewise.
DEFAULT_EXCEPTION_REPORTER_FILTER = "flagdesk.core.error_reports.ErrorReportFilter"
DEFAULT_EXCEPTION_REPORTER = "flagdesk.core.error_reports.ErrorReporter"

# The audit trail (docs/operations.md, "The audit trail"). Entries are chained with an HMAC
# whose key is not in the database: FLAGDESK_AUDIT_KEY(_FILE), else KEY_DIR/audit_key made on
# first use. Signed checkpoints of the chain's head go to AUDIT_CHECKPOINT_DIR, which can be
# write-once or synced off-host; an RFC 3161 authority (AUDIT_TSA_URL, empty: none) timestamps
# the head daily, its answers checked against the certificates of AUDIT_TSA_CA_FILE.
AUDIT_KEY = (env_secret("AUDIT_KEY") or "").strip()
if AUDIT_KEY and len(AUDIT_KEY) < 32:
    raise ImproperlyConfigured("FLAGDESK_AUDIT_KEY must be at least 32 characters long")
AUDIT_CHECKPOINT_DIR = Path(env_str("AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit" / "checkpoints")))
AUDIT_TSA_URL = env_url("AUDIT_TSA_URL", "", schemes=("http", "https"))
AUDIT_TSA_CA_FILE = env_str("AUDIT_TSA_CA_FILE", "")
if AUDIT_TSA_URL and not AUDIT_TSA_CA_FILE:
    raise ImproperlyConfigured(
        "FLAGDESK_AUDIT_TSA_URL needs FLAGDESK_AUDIT_TSA_CA_FILE: the certificates its "
        "timestamps are checked against"
    )

# Monitoring and evidence (docs/monitoring.md). The safe fetcher is the only way flagdesk
# reads reported content: every limit below bounds one fetch, whatever the server does.
MONITORING_USER_AGENT = env_str(
    "MONITORING_USER_AGENT", f"flagdesk/0.1 (+{BASE_URL}; content check for a trusted flagger)"
)
MONITORING_FETCH_TIMEOUT_SECONDS = env_float("MONITORING_FETCH_TIMEOUT_SECONDS", 20.0)
MONITORING_CONNECT_TIMEOUT_SECONDS = env_float("MONITORING_CONNECT_TIMEOUT_SECONDS", 5.0)
MONITORING_MAX_REDIRECTS = env_int("MONITORING_MAX_REDIRECTS", 5)
MONITORING_MAX_BYTES = env_int("MONITORING_MAX_BYTES", 10 * 1024 * 1024)
MONITORING_MAX_DECODED_BYTES = env_int("MONITORING_MAX_DECODED_BYTES", 20 * 1024 * 1024)
# Extra CA certificates (PEM) trusted besides the system's, e.g. a test CA; empty: none.
MONITORING_CA_FILE = env_str("MONITORING_CA_FILE", "")
# Loopback addresses (127.0.0.0/8) allowed as targets: only for the test servers of the suite
# and benchmarks. Never in production; private, link-local and other addresses stay refused.
MONITORING_ALLOW_LOOPBACK = env_bool("MONITORING_ALLOW_LOOPBACK", False)
# The test suite sets this: the fetcher then connects to loopback addresses only, whatever a
# test's resolver answers, so no test can reach the internet. Not an operator's setting.
MONITORING_CONNECT_LOOPBACK_ONLY = False
# Re-checks after a notice: hours after sending, then every N hours until the item is
# resolved, for at most MONITORING_WATCH_DAYS. Platforms override per phenomenon.
try:
    MONITORING_RECHECK_HOURS = [
        int(h) for h in env_list("MONITORING_RECHECK_HOURS", ["1", "6", "24"])
    ]
except ValueError:
    raise ImproperlyConfigured(
        "FLAGDESK_MONITORING_RECHECK_HOURS must be whole hours, comma separated, e.g. 1,6,24"
    ) from None
if not MONITORING_RECHECK_HOURS or min(MONITORING_RECHECK_HOURS) < 1:
    raise ImproperlyConfigured("FLAGDESK_MONITORING_RECHECK_HOURS must be hours of 1 or more")
MONITORING_RECHECK_EVERY_HOURS = env_int("MONITORING_RECHECK_EVERY_HOURS", 24)
MONITORING_WATCH_DAYS = env_int("MONITORING_WATCH_DAYS", 180)
# Politeness per host, shared by every worker: at most this many fetches at once, and at
# least this many seconds between two fetches on one slot.
MONITORING_HOST_CONCURRENCY = env_int("MONITORING_HOST_CONCURRENCY", 2)
MONITORING_HOST_INTERVAL_SECONDS = env_float("MONITORING_HOST_INTERVAL_SECONDS", 2.0)
# Fetches a worker runs at once (threads), across hosts.
MONITORING_WORKER_THREADS = env_int("MONITORING_WORKER_THREADS", 8)
# Evidence: where captures are stored (``local`` under EVIDENCE_DIR, or ``s3``), encrypted
# with FLAGDESK_FIELD_KEYS either way; the browser that takes screenshots.
EVIDENCE_STORAGE = env_str("EVIDENCE_STORAGE", "local")
EVIDENCE_DIR = Path(env_str("EVIDENCE_DIR", str(VAR_DIR / "evidence" / "captures")))
EVIDENCE_S3_ENDPOINT = env_url("EVIDENCE_S3_ENDPOINT", "", schemes=("http", "https"))
EVIDENCE_S3_BUCKET = env_str("EVIDENCE_S3_BUCKET", "")
EVIDENCE_S3_REGION = env_str("EVIDENCE_S3_REGION", "us-east-1")
EVIDENCE_S3_ACCESS_KEY = env_secret("EVIDENCE_S3_ACCESS_KEY") or ""
EVIDENCE_S3_SECRET_KEY = env_secret("EVIDENCE_S3_SECRET_KEY") or ""
if EVIDENCE_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured("FLAGDESK_EVIDENCE_STORAGE must be 'local' or 's3'")
if EVIDENCE_STORAGE == "s3" and not (EVIDENCE_S3_ENDPOINT and EVIDENCE_S3_BUCKET):
    raise ImproperlyConfigured(
        "FLAGDESK_EVIDENCE_STORAGE=s3 needs FLAGDESK_EVIDENCE_S3_ENDPOINT and _BUCKET"
    )
EVIDENCE_BROWSER = env_str("EVIDENCE_BROWSER", "/usr/bin/chromium")
EVIDENCE_CAPTURE_TIMEOUT_SECONDS = env_float("EVIDENCE_CAPTURE_TIMEOUT_SECONDS", 60.0)
EVIDENCE_VIEWPORT = (1280, 1024)
EVIDENCE_MAX_SCREENSHOT_HEIGHT = env_int("EVIDENCE_MAX_SCREENSHOT_HEIGHT", 20000)
