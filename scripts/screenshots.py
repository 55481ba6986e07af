"""Take the README's screenshots of the staff pages from a running demo (`make run`).

    make run PORT=8000 &            # in one terminal: the demo, with its logins
    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8000

Logs in as the demo analyst (alice; the second factor's code comes from `flagdesk demo
--code`), opens the workbench, its help dialog and a case page, and writes PNGs to
docs/screenshots/. Uses Debian's chromium (`/usr/bin/chromium`), never a downloaded browser.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
FLAGDESK = ROOT / ".venv" / "bin" / "flagdesk"


def code_for(username: str) -> str:
    """The demo user's current second-factor code, as `flagdesk demo --code` prints it."""
    out = subprocess.run(  # noqa: S603 - our own command, a fixed argument list
        [str(FLAGDESK), "demo", "--code", username], check=True, capture_output=True, text=True
    ).stdout
    return next(word for word in out.split() if word.isdigit() and len(word) == 6)


def log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form[action$='/login'] button[type=submit]").click()
    page.fill("input[name=code]", code_for(username))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector(".whoami")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="alice")
    parser.add_argument("--password", default="demo-alice-2026")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="en-GB")
        log_in(page, args.base, args.user, args.password)
        page.goto(f"{args.base}/staff/workbench/")
        page.screenshot(path=str(OUT / "workbench.png"), full_page=True)
        page.keyboard.press("?")
        page.wait_for_selector("dialog[open]")
        page.screenshot(path=str(OUT / "workbench-shortcuts.png"))
        page.keyboard.press("Escape")
        page.locator("table a[href*='/staff/cases/']").first.click()
        page.wait_for_load_state()
        page.screenshot(path=str(OUT / "case-page.png"), full_page=True)
        browser.close()
    for name in ("workbench.png", "workbench-shortcuts.png", "case-page.png"):
        sys.stdout.write(f"{OUT / name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
