"""Typed readers for FLAGDESK_* environment variables.

Only ``flagdesk/settings.py`` calls these. A malformed value stops start-up with an
``ImproperlyConfigured`` that names the variable, instead of leaving the app half-working.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

PREFIX = "FLAGDESK_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    return os.environ.get(PREFIX + name)


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{PREFIX}{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{PREFIX}{name} must be an integer, got {value!r}") from None


def env_float(name: str, default: float) -> float:
    """A non-negative number such as a timeout in seconds (``2.5``)."""
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):  # also refuses nan
        raise ImproperlyConfigured(
            f"{PREFIX}{name} must be a number of zero or more, got {value!r}"
        )
    return number


RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"30/h"`` -> (30, 3600), ``"5/10m"`` -> (5, 600); ``"0"`` or ``"off"`` -> (0, 0), no
    limit. ``ValueError`` for anything else."""
    if rate.strip().lower() in ("0", "off", ""):
        return 0, 0
    try:
        count, period = rate.split("/")
        unit, amount = period.strip()[-1], period.strip()[:-1] or "1"
        parsed = int(count), RATE_PERIODS[unit] * int(amount)
    except (ValueError, KeyError, IndexError):
        raise ValueError(rate) from None
    if parsed[0] <= 0 or parsed[1] <= 0:
        raise ValueError(rate)
    return parsed


def env_rate(name: str, default: str) -> str:
    """A rate limit such as ``30/h``, checked at start-up rather than at the first request."""
    value = env_str(name, default)
    try:
        parse_rate(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{PREFIX}{name} must be a rate such as 30/h or 5/m (or off), got {value!r}"
        ) from None
    return value


def env_networks(name: str) -> list[str]:
    """Comma-separated IP addresses and CIDR networks, e.g. ``10.0.0.0/8, 2001:db8::1``.

    Host bits set (``10.0.0.5/8``) are refused rather than widened: a typo here decides whose
    ``X-Forwarded-For`` is believed.
    """
    networks = []
    for part in env_list(name):
        try:
            networks.append(str(ipaddress.ip_network(part, strict=True)))
        except ValueError as e:
            raise ImproperlyConfigured(
                f"{PREFIX}{name} must list IP addresses or networks (CIDR), got {part!r}: {e}"
            ) from None
    return networks


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default or [])
    return [part.strip() for part in value.split(",") if part.strip()]


def env_url(name: str, default: str = "", schemes: tuple[str, ...] = ()) -> str:
    value = env_str(name, default)
    if not value:
        return value
    parts = urlsplit(value)
    if not parts.scheme or (schemes and parts.scheme not in schemes):
        allowed = ", ".join(schemes) or "any scheme"
        raise ImproperlyConfigured(f"{PREFIX}{name} must be a URL ({allowed}), got {value!r}")
    return value


def _read_secret_file(name: str, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as e:
        raise ImproperlyConfigured(f"{PREFIX}{name}_FILE points at {path}, unreadable: {e}") from e


def env_secret(name: str, default: str | None = None) -> str | None:
    """FLAGDESK_<name>_FILE (a path, e.g. a container secret) wins over FLAGDESK_<name>."""
    if path := _raw(f"{name}_FILE"):
        return _read_secret_file(name, Path(path))
    value = _raw(name)
    return default if value is None else value


def database_config(url: str, base_dir: Path) -> dict[str, object]:
    """Django DATABASES entry for ``sqlite:///relative/or//absolute.db`` or ``postgres://...``.

    SQLite gets WAL, a busy timeout and IMMEDIATE transactions (S14) so writers queue
    instead of failing with "database is locked".
    """
    from urllib.parse import parse_qs, unquote

    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        raw_path = unquote(parts.path)
        # sqlite:///var/db.sqlite3 is relative to the project, sqlite:////srv/db absolute
        path = Path(raw_path[1:])
        if not path.is_absolute():
            path = base_dir / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 10,
            },
        }
    if parts.scheme in ("postgres", "postgresql"):
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        options: dict[str, object] = {}
        if "sslmode" in query:
            options["sslmode"] = query["sslmode"]
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": query.get("host") or parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(query.get("conn_max_age", "60")),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"{PREFIX}DATABASE_URL must start with sqlite:/// or postgres://, got {url!r}"
    )
