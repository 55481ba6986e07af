"""Key files: generated secrets and the field key ring, kept in ``KEY_DIR``, never in var/.

A copy of var/ (its database and evidence) must not carry the key that opens it, so the keys
flagdesk generates live in ``settings.KEY_DIR`` (a 0700 directory, 0600 files). Versions before
KEY_DIR wrote them under var/; they are moved once, and a key is never overwritten or dropped.

The ring file ``KEY_DIR/field_keys`` lists Fernet keys one per line, newest first::

    staged <key>    a new key every process can decrypt with, not used to encrypt yet
    <key>           the active key: the first line without "staged" encrypts new values
    <key>           older keys: decrypt only, until ``flagdesk keys retire`` drops them

Every process reads the ring once, at start-up (settings.py), so a new key reaches a process
only when it is reloaded: that is why a new key is first staged (docs/operations.md).

settings.py imports this module: nothing here may read ``django.conf.settings`` at import.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from flagdesk.core.durable import fsync_dir, write_atomically
from flagdesk.core.errors import Conflict

RING_FILE = "field_keys"
# Keys dropped by ``keys retire``: database backups made before a rotation still need them.
RETIRED_FILE = "field_keys.retired"
# Where versions before KEY_DIR kept the generated field key(s): var/field_key.
LEGACY_FIELD_KEY = "field_key"
STAGED = "staged"
_HEADER = (
    "# flagdesk field encryption keys, newest first: the first key without 'staged' encrypts,\n"
    "# every key decrypts. Change them with `flagdesk keys rotate` and `flagdesk keys retire`.\n"
)


def fingerprint(key: str) -> str:
    """A short name for a key that reveals nothing of it: the only form of a key that output,
    logs and the audit trail may show."""
    return hashlib.sha256(b"flagdesk key fingerprint\x00" + key.encode()).hexdigest()[:12]


def new_key() -> str:
    return Fernet.generate_key().decode()


@dataclass(frozen=True)
class KeyRing:
    active: str
    older: tuple[str, ...] = ()
    staged: str | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """MultiFernet's order: the first encrypts, every one decrypts."""
        return (self.active, *([self.staged] if self.staged else []), *self.older)

    def role(self, key: str) -> str:
        if key == self.active:
            return "active"
        return "staged" if key == self.staged else "older"

    def with_staged(self, key: str) -> KeyRing:
        if self.staged:
            raise Conflict(
                _(
                    "Key %(fingerprint)s is already staged: reload every process, then run "
                    "flagdesk keys rotate --promote."
                )
                % {"fingerprint": fingerprint(self.staged)}
            )
        return replace(self, staged=key)

    def promoted(self) -> KeyRing:
        if not self.staged:
            raise Conflict(
                _(
                    "No key is staged: run flagdesk keys rotate first. To finish an interrupted "
                    "--promote, run flagdesk keys rotate --reencrypt-only."
                )
            )
        return KeyRing(active=self.staged, older=(self.active, *self.older))

    def without(self, keys: Iterable[str]) -> KeyRing:
        """The ring minus older keys; the active and the staged key always stay."""
        dropped = set(keys)
        return replace(self, older=tuple(k for k in self.older if k not in dropped))


def parse_ring(text: str, *, source: str) -> KeyRing:
    """Keys one per line or comma-separated (``FLAGDESK_FIELD_KEYS=NEW,OLD``); ``#`` starts a
    comment. Errors name the source and line, never the key."""
    staged: str | None = None
    keys: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].replace(",", " ").split()
        if words and words[0] == STAGED:
            if len(words) != 2 or staged:
                raise ImproperlyConfigured(
                    f"{source}, line {number}: only one key may be staged, as 'staged KEY'"
                )
            staged = _checked(words[1], source, number)
            continue
        keys.extend(_checked(word, source, number) for word in words)
    keys = [k for i, k in enumerate(keys) if k not in keys[:i] and k != staged]
    if not keys:
        raise ImproperlyConfigured(f"{source} holds no key that may encrypt")
    return KeyRing(active=keys[0], older=tuple(keys[1:]), staged=staged)


def _checked(word: str, source: str, number: int) -> str:
    try:
        Fernet(word.encode())
    except ValueError:  # binascii.Error too
        raise ImproperlyConfigured(
            f"{source}, line {number}: not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None
    return word


def format_ring(ring: KeyRing) -> str:
    lines = [f"{STAGED} {ring.staged}"] if ring.staged else []
    return _HEADER + "\n".join([*lines, ring.active, *ring.older]) + "\n"


def read_ring(path: Path) -> KeyRing:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ImproperlyConfigured(f"The key ring {path} is unreadable: {e.strerror}") from e
    return parse_ring(text, source=str(path))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One ring edit at a time: two operators rotating at once must not drop a key."""
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def edit_ring(path: Path, change: Callable[[KeyRing], KeyRing]) -> tuple[KeyRing, KeyRing]:
    """Apply ``change`` to the ring file under a lock; the file is replaced in one rename, so
    a process starting meanwhile reads the old ring or the new one, never half of one.
    Raises ``Conflict`` when the directory is read-only to flagdesk."""
    with _unwritable_as_conflict(path), _locked(path):
        before = read_ring(path)
        after = change(before)
        write_atomically(path, format_ring(after), prefix=f".{path.name}.")
    return before, after


@contextmanager
def _unwritable_as_conflict(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as e:
        raise Conflict(
            _("The key ring %(file)s cannot be changed: %(error)s")
            % {"file": path, "error": e.strerror}
        ) from e


def archive_retired(path: Path, keys: Iterable[str]) -> None:
    """Append retired keys to ``field_keys.retired`` next to the ring, with the date."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "".join(f"# retired {when}, fingerprint {fingerprint(k)}\n{k}\n" for k in keys)
    with _unwritable_as_conflict(path):
        fd = os.open(path.with_name(RETIRED_FILE), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())


def ensure_key_dir(key_dir: Path) -> None:
    key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = key_dir.stat()
    if info.st_mode & 0o077 and info.st_uid == os.getuid():
        key_dir.chmod(0o700)


def generated_secret(key_dir: Path, filename: str, make: str, *, legacy_dir: Path) -> str:
    """A secret created once in ``key_dir`` (``make``: ``"fernet"`` or ``"token"``), moved
    there from ``legacy_dir`` (var/) if an older version made it."""
    path = key_dir / filename
    with _unwritable_at_start_up(key_dir):
        _adopt(
            legacy_dir / filename,
            path,
            convert=lambda old: old + "\n",
            holds=lambda old, text: text.strip() == old,
            advice="keep the one you want there (a new secret key only logs staff out)",
        )
        if not path.exists():
            ensure_key_dir(key_dir)
            secret = new_key() if make == "fernet" else secrets.token_urlsafe(50)
            _create_once(path, secret + "\n")
        return path.read_text(encoding="utf-8").strip()


def generated_ring(key_dir: Path, *, legacy_dir: Path) -> KeyRing:
    """The ring file of an instance without FLAGDESK_FIELD_KEYS: created on first start with
    one new key, or from var/field_key of an older version."""
    path = key_dir / RING_FILE
    legacy = legacy_dir / LEGACY_FIELD_KEY
    with _unwritable_at_start_up(key_dir):
        _adopt(
            legacy,
            path,
            convert=lambda old: format_ring(parse_ring(old, source=str(legacy))),
            holds=lambda old, text: (
                set(parse_ring(old, source=str(legacy)).keys)
                <= set(parse_ring(text, source=str(path)).keys)
            ),
            advice="add every key of the var/ file to it, one per line after the first",
        )
        if not path.exists():
            ensure_key_dir(key_dir)
            _create_once(path, format_ring(KeyRing(active=new_key())))
    return read_ring(path)


@contextmanager
def _unwritable_at_start_up(key_dir: Path) -> Iterator[None]:
    try:
        yield
    except OSError as e:
        raise ImproperlyConfigured(
            f"Cannot keep keys in {key_dir} ({e.strerror}: {e.filename}): set FLAGDESK_KEY_DIR "
            "to a directory flagdesk may write, or give the keys with FLAGDESK_*_FILE"
        ) from e


def _adopt(
    legacy: Path,
    target: Path,
    *,
    convert: Callable[[str], str],
    holds: Callable[[str, str], bool],
    advice: str,
) -> None:
    """Move a key file an older version wrote under var/ to KEY_DIR, once.

    The copy is written and synced before the original goes, so a crash in between leaves
    the key in both places, never in none; if both places hold different keys, start-up
    stops rather than guess which one the data needs.
    """
    try:
        old = legacy.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return
    if not old or (target.exists() and os.path.samefile(legacy, target)):
        return
    ensure_key_dir(target.parent)
    _create_once(target, convert(old))
    if not holds(old, target.read_text(encoding="utf-8")):
        raise ImproperlyConfigured(
            f"{legacy} and {target} both exist and hold different keys; flagdesk will not "
            f"choose between them. Keys now belong in {target}: {advice}, then delete {legacy}."
        )
    legacy.unlink(missing_ok=True)
    fsync_dir(legacy.parent)


def key_file(path: Path, make: Callable[[], bytes]) -> bytes:
    """The content of the key file ``path``, created with ``make()`` (0600, its directory 0700)
    when missing; processes starting together all get the one that was written first."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    ensure_key_dir(path.parent)
    _create_once(path, make())
    return path.read_bytes()


def _create_once(path: Path, content: str | bytes) -> bool:
    """Write ``path`` unless it exists, complete or not at all: processes starting at the same
    moment agree on one generated key instead of each writing its own."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content.encode() if isinstance(content, str) else content)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        os.unlink(tmp)
    fsync_dir(path.parent)
    return True


def ring_file() -> Path | None:
    """The ring file ``keys rotate`` edits; None when the keys come from FLAGDESK_FIELD_KEYS
    (or its ``_FILE``), which only the operator can change."""
    from django.conf import settings

    return None if settings.FIELD_KEYS_FROM_ENV else Path(settings.KEY_DIR) / RING_FILE


def configured_ring() -> KeyRing:
    """The ring a process started now would use: the ring file as it is on disk, or the
    configured keys (FLAGDESK_FIELD_KEYS, first encrypts) as this process read them."""
    from django.conf import settings

    path = ring_file()
    if path is not None:
        return read_ring(path)
    keys = list(settings.FLAGDESK_FIELD_KEYS)
    return KeyRing(active=keys[0], older=tuple(keys[1:]))
