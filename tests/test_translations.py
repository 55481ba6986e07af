"""Every string a person reads exists in French, Dutch and German (S15).

The catalogues must cover the source: a string added to the code or a template without its
translations fails here, and so does a fuzzy (unchecked) translation or a placeholder that a
translation drops or renames (``msgfmt --check`` compares them).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "flagdesk" / "locale"
LANGUAGES = ("fr", "nl", "de")
FLAGDESK = Path(sys.executable).with_name("flagdesk")


def _msgfmt() -> str:
    found = shutil.which("msgfmt")
    assert found, "msgfmt is missing: apt-get install gettext (make test does)"
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_is_complete_and_consistent(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    done = subprocess.run(
        [_msgfmt(), "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    # "N translated messages." and nothing fuzzy or untranslated.
    assert re.fullmatch(r"\d+ translated messages?\.", done.stderr.strip()), done.stderr


def test_the_catalogues_hold_every_string_of_the_source(tmp_path):
    """Extract the messages afresh (as scripts/messages.sh does) into a copy and compare."""
    copy = tmp_path / "flagdesk"
    shutil.copytree(
        ROOT / "flagdesk",
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "migrations"),
    )
    subprocess.run(
        [
            str(FLAGDESK),
            "makemessages",
            *[f"-l{lang}" for lang in LANGUAGES],
            "--no-location",
            "--no-obsolete",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    missing = {}
    for language in LANGUAGES:
        po = copy / "locale" / language / "LC_MESSAGES" / "django.po"
        done = subprocess.run(
            [_msgfmt(), "--statistics", "-o", "/dev/null", str(po)],
            capture_output=True,
            text=True,
        )
        if not re.fullmatch(r"\d+ translated messages?\.", done.stderr.strip()):
            missing[language] = done.stderr.strip()
    assert not missing, f"strings without translation: {missing}; run scripts/messages.sh"
