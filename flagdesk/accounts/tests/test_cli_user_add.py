"""``flagdesk user add``: password from standard input, role errors, the token as last line."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from flagdesk.accounts.models import ApiToken, User
from flagdesk.accounts.services import user_for_token

pytestmark = pytest.mark.django_db

VENV_BIN = Path(sys.executable).parent


def run(*args: str, stdin: str = "") -> str:
    out = io.StringIO()
    call_command("user_add", *args, stdin=io.StringIO(stdin), stdout=out)
    return out.getvalue()


def test_piped_password_is_set_and_checked() -> None:
    output = run(
        "zoe", "--role", "analyst", "--email", "zoe@flagdesk.test", stdin="s3cret-pass-phrase\n"
    )

    zoe = User.objects.get(username="zoe")
    assert zoe.role == "analyst" and zoe.email == "zoe@flagdesk.test"
    assert zoe.check_password("s3cret-pass-phrase")  # newline stripped
    assert "Created user zoe" in output


def test_only_the_first_line_is_the_password() -> None:
    run("zoe", "--role", "reviewer", stdin="first-line-password\nsecond line\n")

    assert User.objects.get(username="zoe").check_password("first-line-password")


def test_without_password_the_user_cannot_log_in_and_is_told() -> None:
    output = run("zoe", "--role", "intake", stdin="")

    assert not User.objects.get(username="zoe").has_usable_password()
    assert "cannot log in yet" in output


def test_weak_password_is_refused_and_nothing_is_created() -> None:
    with pytest.raises(CommandError, match="too short"):
        run("zoe", "--role", "analyst", stdin="short\n")
    with pytest.raises(CommandError, match="too common"):
        run("zoe", "--role", "analyst", stdin="password123\n")

    assert not User.objects.filter(username="zoe").exists()


def test_token_is_the_last_line_and_authenticates() -> None:
    output = run("pat2", "--role", "partner", "--token")

    token = output.strip().splitlines()[-1]
    assert token.startswith("fdk_")
    assert user_for_token(token) == User.objects.get(username="pat2")


def test_unknown_role_is_a_command_error_naming_the_roles() -> None:
    with pytest.raises(CommandError, match="Unknown role wizard") as err:
        run("zoe", "--role", "wizard")

    assert "analyst" in str(err.value)
    assert not User.objects.filter(username="zoe").exists()


def test_duplicate_user_is_refused_without_a_token() -> None:
    run("zoe", "--role", "analyst")
    with pytest.raises(CommandError, match="already exists"):
        run("zoe", "--role", "admin", "--token")

    assert User.objects.get(username="zoe").role == "analyst"
    assert not ApiToken.objects.exists()


def test_invalid_email_is_refused() -> None:
    with pytest.raises(CommandError, match="not a valid email"):
        run("zoe", "--role", "analyst", "--email", "not-an-email")


def test_console_script_end_to_end(tmp_path: Path) -> None:
    """The installed ``flagdesk`` script, a real process and its own SQLite database."""
    database = tmp_path / "cli.sqlite3"
    env = {
        **os.environ,
        "FLAGDESK_DATABASE_URL": f"sqlite:///{database}",
        "FLAGDESK_VAR_DIR": str(tmp_path / "var"),
        "FLAGDESK_KEY_DIR": str(tmp_path / "keys"),
    }
    flagdesk = str(VENV_BIN / "flagdesk")
    subprocess.run([flagdesk, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=120)

    added = subprocess.run(
        [flagdesk, "user", "add", "zoe", "--role", "coordinator", "--token"],
        input="a-long-pass-phrase\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    again = subprocess.run(
        [flagdesk, "user", "add", "zoe", "--role", "coordinator"],
        input="",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    with sqlite3.connect(database) as db:
        role, password = db.execute(
            "SELECT role, password FROM accounts_user WHERE username = 'zoe'"
        ).fetchone()
        [(token_hash,)] = db.execute("SELECT token_hash FROM accounts_apitoken").fetchall()
    assert role == "coordinator" and password.startswith("argon2")
    assert token_hash == ApiToken.hash(token)
    assert again.returncode != 0 and "already exists" in again.stderr
