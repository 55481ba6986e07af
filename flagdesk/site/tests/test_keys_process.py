"""Keys of a real instance, through the ``flagdesk`` command as an operator runs it.

Each ``flagdesk`` call and each probe is a new process: it loads the keys as a web process
does when it is reloaded, so "a probe reads everything" means "a reloaded process does".
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path

from conftest import FLAGDESK, FreshInstance
from flagdesk.core.keys import ring

PROBE = Path(__file__).with_name("keys_probe.py")


def probe(instance: FreshInstance, mode: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(PROBE), mode],
        env=instance.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def loose(*roots: Path) -> dict[str, str]:
    """Files and directories that the group or others may read, write or enter."""
    return {
        str(p): oct(stat.S_IMODE(p.stat().st_mode))
        for root in roots
        for p in [root, *root.rglob("*")]
        if stat.S_IMODE(p.stat().st_mode) & 0o077
    }


def test_rotation_through_the_command_line(fresh_instance):
    instance = fresh_instance
    instance.flagdesk("demo")
    assert probe(instance, "write")["file"]  # a picture kept as evidence
    # After a demo load and evidence writes, var/ holds no key and nothing others can read.
    var = instance.var_dir
    assert list(var.rglob("*.fernet")), "the evidence file is under var/"
    assert not [p for p in var.rglob("*") if "key" in p.name], "a key file under var/"
    assert not loose(var, instance.key_dir)
    before = probe(instance, "read")
    assert before["files"] and before["thumbnails"]
    assert "Jeanne Fictive" in json.dumps(before["reports"])
    ring_file = instance.key_dir / "field_keys"
    old = ring.read_ring(ring_file).active
    outputs = []

    def flagdesk(*args: str) -> str:
        done = instance.flagdesk(*args)
        outputs.append(done.stdout + done.stderr)
        return done.stdout

    assert "Staged new key" in flagdesk("keys", "rotate")
    new = ring.read_ring(ring_file).staged
    assert new and ring.read_ring(ring_file).active == old
    assert probe(instance, "read") == before  # processes reloaded now know both keys

    promoted = flagdesk("keys", "rotate", "--promote", "--batch-size", "2")
    emails = re.findall(r"^intake\.Report\.reporter_email: (\d+)/(\d+)$", promoted, re.M)
    assert len(emails) > 1, promoted  # progress after each batch of two
    assert emails[-1][0] == emails[-1][1] and int(emails[-1][1]) >= 2
    assert "matching.MediaFile: 1/1" in promoted
    assert "monitoring.CaptureFile: 8/8" in promoted
    assert "Values still under older keys: 0; files: 0." in promoted
    assert ring.read_ring(ring_file).keys == (new, old)
    assert probe(instance, "read") == before

    assert "Re-encrypted: 0;" in flagdesk("keys", "rotate", "--reencrypt-only")
    assert f"Retired key {ring.fingerprint(old)}." in flagdesk("keys", "retire")
    assert ring.read_ring(ring_file).keys == (new,)
    status = flagdesk("keys", "status")
    # The kept picture and the files of the demo's two evidence captures (4 each).
    assert re.search(rf"^{ring.fingerprint(new)} +\d+ +9  encrypts new values$", status, re.M)
    assert ring.fingerprint(old) not in status
    assert probe(instance, "read") == before  # a process without the old key reads it all

    printed = "".join(outputs)
    assert old not in printed and new not in printed
    assert not loose(instance.var_dir, instance.key_dir)


def test_keys_from_a_file_are_rotated_by_the_operator(fresh_instance, tmp_path):
    instance = fresh_instance
    instance.flagdesk("demo")
    probe(instance, "write")
    old = ring.read_ring(instance.key_dir / "field_keys").active
    before = probe(instance, "read")

    # Production: the keys come from a secret file the operator manages, one key per line.
    secret = tmp_path / "field_keys_secret"
    secret.write_text(f"{old}\n")
    instance.env["FLAGDESK_FIELD_KEYS_FILE"] = str(secret)
    refused = subprocess.run(
        [str(FLAGDESK), "keys", "rotate"],
        env=instance.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1
    assert "FLAGDESK_FIELD_KEYS" in refused.stderr and "--reencrypt-only" in refused.stderr

    new = ring.new_key()
    secret.write_text(f"{old}\n{new}\n")  # second: known to every process once reloaded
    assert probe(instance, "read") == before
    secret.write_text(f"{new}\n{old}\n")  # then first
    done = instance.flagdesk("keys", "rotate", "--reencrypt-only")
    assert "Values still under older keys: 0; files: 0." in done.stdout
    status = instance.flagdesk("keys", "status").stdout
    assert "Keys from FLAGDESK_FIELD_KEYS" in status
    assert re.search(rf"^{ring.fingerprint(old)} +0 +0  older: decrypts only$", status, re.M)

    secret.write_text(f"{new}\n")  # the operator drops the old key
    assert probe(instance, "read") == before
    assert old not in done.stdout + status and new not in done.stdout + status
