"""Key files: generated into KEY_DIR (0700/0600), moved out of var/ once, never lost."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from flagdesk.core.errors import Conflict
from flagdesk.core.keys import ring
from flagdesk.core.keys.ring import KeyRing, format_ring, parse_ring

A, B, C = ring.new_key(), ring.new_key(), ring.new_key()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    var = tmp_path / "var"
    var.mkdir(mode=0o700)
    return tmp_path / "keys", var


def test_a_generated_ring_lives_in_key_dir_private_and_stays(dirs):
    key_dir, var = dirs
    first = ring.generated_ring(key_dir, legacy_dir=var)
    assert mode(key_dir) == 0o700 and mode(key_dir / "field_keys") == 0o600
    assert ring.generated_ring(key_dir, legacy_dir=var) == first  # created once, then read
    assert not list(var.iterdir())
    secret = ring.generated_secret(key_dir, "secret_key", "token", legacy_dir=var)
    assert len(secret) > 40 and mode(key_dir / "secret_key") == 0o600
    assert ring.generated_secret(key_dir, "secret_key", "token", legacy_dir=var) == secret


def test_a_loose_key_dir_is_closed(dirs):
    key_dir, var = dirs
    key_dir.mkdir(mode=0o755)
    key_dir.chmod(0o755)
    ring.generated_ring(key_dir, legacy_dir=var)
    assert mode(key_dir) == 0o700


def test_keys_of_an_older_version_move_out_of_var_once(dirs):
    key_dir, var = dirs
    (var / "field_key").write_text(A)
    (var / "secret_key").write_text("an old secret key\n")
    assert ring.generated_ring(key_dir, legacy_dir=var) == KeyRing(active=A)
    assert ring.generated_secret(key_dir, "secret_key", "token", legacy_dir=var) == (
        "an old secret key"
    )
    assert not (var / "field_key").exists() and not (var / "secret_key").exists()
    assert mode(key_dir / "field_keys") == 0o600 and mode(key_dir / "secret_key") == 0o600


def test_an_older_versions_rotated_keys_move_in_order(dirs):
    key_dir, var = dirs
    (var / "field_key").write_text(f"{B},{A}")  # an operator had prepended a key
    assert ring.generated_ring(key_dir, legacy_dir=var) == KeyRing(active=B, older=(A,))


def test_a_copy_left_in_var_by_an_interrupted_move_is_removed(dirs):
    """Copied, then the process died before deleting the original: the keys agree."""
    key_dir, var = dirs
    key_dir.mkdir(mode=0o700)
    (key_dir / "field_keys").write_text(format_ring(KeyRing(active=B, older=(A,))))
    (var / "field_key").write_text(A)
    assert ring.generated_ring(key_dir, legacy_dir=var).keys == (B, A)
    assert not (var / "field_key").exists()


@pytest.mark.parametrize("name", ["field_key", "secret_key"])
def test_different_keys_in_var_and_key_dir_stop_start_up(dirs, name):
    key_dir, var = dirs
    key_dir.mkdir(mode=0o700)
    target = "field_keys" if name == "field_key" else name
    (key_dir / target).write_text(format_ring(KeyRing(active=B)))
    (var / name).write_text(A)
    with pytest.raises(ImproperlyConfigured, match="both exist and hold different keys") as e:
        if name == "field_key":
            ring.generated_ring(key_dir, legacy_dir=var)
        else:
            ring.generated_secret(key_dir, name, "token", legacy_dir=var)
    assert A not in str(e.value) and B not in str(e.value)
    assert (var / name).read_text() == A  # nothing deleted


def test_key_dir_inside_var_keeps_its_secret(tmp_path):
    """KEY_DIR set to var/ itself: the "old" and the new file are one, and must stay."""
    (tmp_path / "secret_key").write_text("kept\n")
    assert ring.generated_secret(tmp_path, "secret_key", "token", legacy_dir=tmp_path) == "kept"
    assert (tmp_path / "secret_key").exists()


def test_processes_starting_together_agree_on_one_key(dirs):
    key_dir, _ = dirs
    key_dir.mkdir(mode=0o700)
    path = key_dir / "field_keys"
    assert ring._create_once(path, format_ring(KeyRing(active=A)))
    assert not ring._create_once(path, format_ring(KeyRing(active=B)))  # the second one loses
    assert ring.read_ring(path).active == A
    assert [p.name for p in key_dir.iterdir()] == ["field_keys"]  # no temporary file left


def test_ring_format_round_trip_and_errors_never_show_a_key():
    staged = KeyRing(active=A, older=(C,), staged=B)
    text = format_ring(staged)
    assert text.splitlines()[-3:] == [f"staged {B}", A, C]
    assert parse_ring(text, source="x") == staged
    assert staged.keys == (A, B, C)  # MultiFernet order: active, then the staged key
    assert parse_ring(f" {A}, {C} ,{A}", source="x") == KeyRing(active=A, older=(C,))
    with pytest.raises(ImproperlyConfigured, match="x, line 2: not a Fernet key") as e:
        parse_ring(f"{A}\n{A[:-4]}", source="x")
    assert A[:-4] not in str(e.value)
    with pytest.raises(ImproperlyConfigured, match="no key that may encrypt"):
        parse_ring(f"staged {A}\n# only a comment", source="x")


def test_stage_promote_retire_on_the_ring():
    ring0 = KeyRing(active=A)
    staged = ring0.with_staged(B)
    with pytest.raises(Conflict, match="already staged"):
        staged.with_staged(C)
    promoted = staged.promoted()
    assert promoted == KeyRing(active=B, older=(A,))
    with pytest.raises(Conflict, match="No key is staged"):
        promoted.promoted()
    assert promoted.without([A, B]) == KeyRing(active=B)  # never the active key


def test_fingerprints_are_short_stable_and_not_the_key():
    assert ring.fingerprint(A) == ring.fingerprint(A) != ring.fingerprint(B)
    assert len(ring.fingerprint(A)) == 12 and ring.fingerprint(A) not in A


def test_edit_ring_replaces_the_file_whole(dirs):
    key_dir, var = dirs
    path = key_dir / "field_keys"
    ring.generated_ring(key_dir, legacy_dir=var)
    before, after = ring.edit_ring(path, lambda r: r.with_staged(B))
    assert before.staged is None and after.staged == B and ring.read_ring(path) == after
    assert mode(path) == 0o600
    ring.archive_retired(path, [A])
    assert A in (key_dir / "field_keys.retired").read_text()
    assert mode(key_dir / "field_keys.retired") == 0o600


def settings_in_a_process(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Load flagdesk's settings in a new process with these FLAGDESK_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FLAGDESK_")}
    clean |= {
        "FLAGDESK_VAR_DIR": str(tmp_path / "var"),
        "FLAGDESK_KEY_DIR": str(tmp_path / "keys"),
        "DJANGO_SETTINGS_MODULE": "flagdesk.settings",
        **env,
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.FIELD_KEYS_FROM_ENV, ','.join(s.FLAGDESK_FIELD_KEYS), s.SECRET_KEY)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=60
    )


def test_keys_from_a_file_are_used_and_nothing_is_generated(tmp_path):
    secret = tmp_path / "field_keys_secret"
    secret.write_text(f"# rotated in March\n{B}\n{A}\n")
    (tmp_path / "django_secret").write_text("a secret from a file\n")
    done = settings_in_a_process(
        tmp_path,
        FLAGDESK_FIELD_KEYS_FILE=str(secret),
        FLAGDESK_SECRET_KEY_FILE=str(tmp_path / "django_secret"),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", f"{B},{A}", "a", "secret", "from", "a", "file"]
    assert not (tmp_path / "keys" / "field_keys").exists()


def test_an_instance_of_an_older_version_starts_with_its_keys_moved(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o700)
    (var / "field_key").write_text(A)
    (var / "secret_key").write_text("old secret")
    done = settings_in_a_process(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", A, "old", "secret"]
    assert not (var / "field_key").exists() and not (var / "secret_key").exists()
    (var / "field_key").write_text(B)  # a different key turns up in var/ again
    refused = settings_in_a_process(tmp_path)
    assert refused.returncode != 0
    assert "both exist and hold different keys" in refused.stderr
    assert B not in refused.stderr and A not in refused.stderr
