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

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# var/ holds keys, the database and evidence about victims: whatever this process creates
# (databases, snapshots, spooled media, kept files, mail) is readable by the service alone,
# and var/ itself is closed to others, which also covers files made by older versions.
os.umask(0o077)
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
if VAR_DIR.stat().st_mode & 0o077 and VAR_DIR.stat().st_uid == os.getuid():
    VAR_DIR.chmod(0o700)


def _generated_secret(filename: str, make: str) -> str:
    """Development convenience: a secret created once under var/ and reused afterwards."""
    path = VAR_DIR / filename
    if not path.exists():
        if make == "fernet":
            from cryptography.fernet import Fernet

            value = Fernet.generate_key().decode()
        else:
            import secrets

            value = secrets.token_urlsafe(50)
        path.write_text(value)
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY") or _generated_secret("secret_key", "token")
FLAGDESK_FIELD_KEYS = [
    k.strip()
    for k in (env_secret("FIELD_KEYS") or _generated_secret("field_key", "fernet")).split(",")
    if k.strip()
]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
BASE_URL = env_url("BASE_URL", "http://127.0.0.1:8000", schemes=("http", "https"))
CSRF_TRUSTED_ORIGINS = [BASE_URL]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # No django.contrib.admin: every action has a page with our roles, four-eyes and audit
    # trail; Django's admin would be a second door to victims' data without them.
    # django-ninja's own copy of Swagger UI, served from our static files (pinned with the
    # package): /api/v1/docs works offline and under our CSP, with nothing from a CDN.
    "ninja",
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
    "flagdesk.intake",
    # The composition layer (S1b): the worker loop, the demo, the CLI, the API's assembly.
    "flagdesk.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, whose check reads the body: an oversized one is refused unread (413).
    "flagdesk.core.uploads.BodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "flagdesk.core.middleware.SecurityHeadersMiddleware",
    "flagdesk.core.middleware.ApiMethodNotAllowedMiddleware",
    "flagdesk.core.unavailable.DatabaseUnavailableMiddleware",
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
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:landing"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 8 * 3600

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
if ANONYMOUS_SENDER:
    try:
        validate_email(ANONYMOUS_SENDER)
    except ValidationError:
        raise ImproperlyConfigured(
            f"FLAGDESK_ANONYMOUS_SENDER must be an email address, got {ANONYMOUS_SENDER!r}"
        ) from None

PUBLIC_RATE_LIMIT = env_rate("PUBLIC_RATE_LIMIT", "30/h")
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
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "kv",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # aiosmtpd's protocol trace (every SMTP command, addresses included) only at WARNING.
    "loggers": {"django.request": {"level": "ERROR"}, "mail.log": {"level": "WARNING"}},
}
