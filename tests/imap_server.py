"""A real IMAP server for tests: Debian's Dovecot on 127.0.0.1 (S23).

A pytest plugin (``pytest_plugins = ["tests.imap_server"]``) with two fixtures:

- ``imap_server`` (session): Dovecot with its own configuration, sockets, state, log and
  Maildir store in a temporary directory, never the system service; stopped and removed at
  the end of the session.
- ``imap_mailbox`` (function): the same server with ``INBOX`` emptied, so each test starts
  from an empty mailbox.

Dovecot comes from the ``dovecot-imapd`` package (``make test`` installs it). As root, its
login and internal processes run as the package's ``dovenull`` and ``dovecot`` users and the
mail as ``nobody``; as any other user, everything runs as that user.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

DOVECOT = Path("/usr/sbin/dovecot")
HOST = "127.0.0.1"
START_TIMEOUT = 30.0  # a safety net for a server that never comes up, not a start-up guess
# The main test user, and a second one whose name and password need percent-encoding in a URL.
USERS = {
    "replies": "imap-test-secret",
    "other@flagdesk.test": "p@ss/w rd%2F#?",  # no ":", the passwd-file's separator
    "intl": "pässwörd €",  # not ASCII: imaplib cannot send it with LOGIN
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _quoted(text: str) -> str:
    """An IMAP quoted string (imaplib sends mailbox names as given, spaces and all)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class ImapServer:
    """What ``imap_server`` returns: where Dovecot listens, who may log in, and helpers that
    put messages in a mailbox and read what is there, over IMAP like any client."""

    host: str
    port: int
    root: Path
    users: dict[str, str] = field(default_factory=lambda: dict(USERS))
    user: str = "replies"

    @property
    def password(self) -> str:
        return self.users[self.user]

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def url_for(self, user: str | None = None, mailbox: str = "INBOX", scheme: str = "imap") -> str:
        user = user or self.user
        credentials = f"{quote(user, safe='')}:{quote(self.users[user], safe='')}"
        return f"{scheme}://{credentials}@{self.host}:{self.port}/{quote(mailbox)}"

    @property
    def url(self) -> str:
        """``imap://replies:imap-test-secret@127.0.0.1:PORT/INBOX``"""
        return self.url_for()

    def connect(self, user: str | None = None) -> imaplib.IMAP4:
        user = user or self.user
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        password = self.users[user]
        if password.isascii():
            imap.login(_quoted(user), password)
        else:  # imaplib's LOGIN is ASCII-only
            secret = f"\0{user}\0{password}".encode()
            imap.authenticate("PLAIN", lambda _challenge: secret)
        return imap

    def append(
        self,
        raw: bytes,
        mailbox: str = "INBOX",
        *,
        user: str | None = None,
        flags: str = "",
    ) -> int:
        """Deliver one message to ``mailbox`` (created if missing); returns its UID."""
        imap = self.connect(user)
        try:
            if mailbox.upper() != "INBOX":
                imap.create(_quoted(mailbox))  # NO when it exists already, which is fine
            typ, data = imap.append(_quoted(mailbox), f"({flags})" if flags else None, None, raw)
            assert typ == "OK", f"APPEND to {mailbox} failed: {data!r}"
            # Dovecot answers [APPENDUID <uidvalidity> <uid>] (UIDPLUS).
            found = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            assert found, f"no APPENDUID in {data!r}"
            return int(found.group(1))
        finally:
            imap.logout()

    def clear(self, mailbox: str = "INBOX", *, user: str | None = None) -> None:
        """Delete every message in ``mailbox`` (UIDs keep growing, as on a real server)."""
        imap = self.connect(user)
        try:
            typ, _data = imap.select(_quoted(mailbox))
            if typ != "OK":
                return  # no such mailbox: nothing to clear
            imap.uid("STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)")
            imap.expunge()
        finally:
            imap.logout()

    def messages(self, mailbox: str = "INBOX", *, user: str | None = None) -> list[tuple[int, str]]:
        """(UID, flags) of every message in ``mailbox``, in UID order."""
        imap = self.connect(user)
        try:
            typ, data = imap.select(_quoted(mailbox), readonly=True)
            assert typ == "OK", f"SELECT {mailbox} failed: {data!r}"
            if int(data[0] or 0) == 0:
                return []
            typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS)")
            assert typ == "OK", f"FETCH failed: {data!r}"
            found = []
            for line in data:
                if isinstance(line, bytes) and (m := re.search(rb"UID (\d+)", line)):
                    flags = re.search(rb"FLAGS \(([^)]*)\)", line)
                    found.append((int(m.group(1)), flags.group(1).decode() if flags else ""))
            return sorted(found)
        finally:
            imap.logout()


def _accounts() -> dict[str, tuple[str, int, int]]:
    """The system users Dovecot's processes run as: login, internal, and the mail owner."""
    if os.getuid() != 0:
        me = pwd.getpwuid(os.getuid())
        return {role: (me.pw_name, me.pw_uid, me.pw_gid) for role in ("login", "internal", "mail")}
    wanted = {"login": "dovenull", "internal": "dovecot", "mail": "nobody"}
    accounts = {}
    for role, name in wanted.items():
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            pytest.fail(f"user {name!r} is missing; Debian's dovecot-core package creates it")
        accounts[role] = (entry.pw_name, entry.pw_uid, entry.pw_gid)
    return accounts


def _version() -> tuple[int, int]:
    done = subprocess.run([str(DOVECOT), "--version"], capture_output=True, text=True, timeout=30)
    found = re.match(r"(\d+)\.(\d+)", done.stdout.strip())
    if done.returncode != 0 or not found:
        pytest.fail(f"dovecot --version failed: {done.stdout}{done.stderr}")
    return int(found.group(1)), int(found.group(2))


def _config(root: Path, port: int, version: tuple[int, int]) -> str:
    """A complete configuration: nothing is read from /etc/dovecot."""
    accounts = _accounts()
    login, internal = accounts["login"][0], accounts["internal"][0]
    internal_group = grp.getgrgid(accounts["internal"][2]).gr_name
    common = f"""\
protocols = imap
listen = {HOST}
base_dir = {root}/run
state_dir = {root}/state
instance_name = flagdesk-test-{port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
auth_mechanisms = plain login
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {internal_group}
first_valid_uid = 0
first_valid_gid = 0
# Failed logins are part of the tests: no delay after each one, and no per-IP penalty that
# doubles the wait up to 15 s (the auth process cannot reach anvil's mode-0 penalty socket,
# so it skips the penalty).
auth_failure_delay = 0
# No chroot: only root may chroot, and the suite may run as any user.
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    {"listen" if version >= (2, 4) else "address"} = {HOST}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
    if version >= (2, 4):  # Dovecot 2.4 renamed most settings and wants its version stated first
        return f"""\
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
{common}
auth_allow_cleartext = yes
mail_driver = maildir
mail_home = {root}/home/%{{user}}
mail_path = {root}/mail/%{{user}}
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb passwd-file {{
  passwd_file_path = {root}/users
}}
userdb passwd-file {{
  passwd_file_path = {root}/users
}}
"""
    return f"""\
{common}
disable_plaintext_auth = no
mail_location = maildir:{root}/mail/%u
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
"""


def _write_tree(root: Path) -> None:
    _, uid, gid = _accounts()["mail"]
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir(mode=0o755)  # Dovecot wants base_dir world-readable
    for name in ("mail", "home"):
        os.chown(root / name, uid, gid)
    # passwd-file: user:{PLAIN}password:uid:gid::home; Dovecot's auth process must read it.
    lines = [
        f"{user}:{{PLAIN}}{pw}:{uid}:{gid}::{root}/home/{user}::" for user, pw in USERS.items()
    ]
    (root / "users").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "users").chmod(0o644)
    root.chmod(0o755)  # the mail and internal users must reach what lies below


def _greets(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=2) as s:
            s.settimeout(2)
            return s.recv(256).startswith(b"* OK")
    except OSError:
        return False


def _wait_until_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> str | None:
    """None once Dovecot greets on ``port``; otherwise why not (its exit status and log)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if _greets(port):
            return None
        if process.poll() is not None:
            break
        # A connection refused comes back at once; a short pause keeps this from spinning.
        time.sleep(0.05)
    text = log.read_text(errors="replace") if log.exists() else "(no log written)"
    status = process.poll()
    state = f"exited with status {status}" if status is not None else "did not greet in time"
    return f"Dovecot on {HOST}:{port} {state}:\n{text}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # the master stops its children on SIGTERM
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _start(root: Path, version: tuple[int, int]) -> tuple[subprocess.Popen[bytes], int]:
    """Dovecot in the foreground (``-F``) with only our configuration, once it greets."""
    failure = ""
    for _attempt in range(5):
        port = _free_port()
        config = root / "dovecot.conf"
        config.write_text(_config(root, port, version))
        config.chmod(0o644)
        with (root / "stderr.log").open("wb") as stderr:
            process = subprocess.Popen(
                [str(DOVECOT), "-F", "-c", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        problem = _wait_until_ready(process, port, root / "dovecot.log")
        if problem is None:
            return process, port
        _stop(process)
        failure = f"{problem}\n{(root / 'stderr.log').read_text(errors='replace')}"
        # Another process may have taken the port between _free_port() and the bind.
        if "Address already in use" not in failure:
            break
    pytest.fail(failure)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """Dovecot on 127.0.0.1, plain IMAP (no TLS), users ``USERS``, Maildir in a temp dir."""
    if not DOVECOT.exists():
        pytest.fail(f"{DOVECOT} is missing: apt-get install dovecot-imapd (make test does)")
    version = _version()
    root = Path(tempfile.mkdtemp(prefix="flagdesk-imap-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        _write_tree(root)
        process, port = _start(root, version)
        yield ImapServer(host=HOST, port=port, root=root)
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_mailbox(imap_server: ImapServer) -> ImapServer:
    """The session's Dovecot with an empty ``INBOX`` for this test."""
    imap_server.clear()
    return imap_server
