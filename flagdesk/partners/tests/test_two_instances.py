"""Two real flagdesk instances on 127.0.0.1 refer a case to each other and back.

Each instance has its own var/ and database, serves its web API with gunicorn, and runs its
background work with ``flagdesk worker --burst`` when the test says so: no sleeps, every step
waits for the process that does it. A registers B as a partner and B registers A
(``flagdesk partner add``/``set``); an analyst of A forwards a case outside A's designation; B
receives it as a referral in its queue; B's staff assess and review it (out of scope); B's
signed callback reaches A, whose forward shows the new status; then B forwards a case to A.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from conftest import (
    FLAGDESK,
    FreshInstance,
    ProcessOutput,
    _new_postgres_database,
    free_port,
)


class Instance:
    def __init__(self, tmp: Path, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLAGDESK_")}
        env |= {
            "FLAGDESK_VAR_DIR": str(tmp / name / "var"),
            "FLAGDESK_KEY_DIR": str(tmp / name / "keys"),
            "FLAGDESK_URL_RESOLVER": "flagdesk.core.testing.test_resolver",
            "FLAGDESK_EMAIL_URL": "smtp://127.0.0.1:9",
            "FLAGDESK_BASE_URL": self.url,
            # Two instances on one machine call each other on loopback, over plain http.
            "FLAGDESK_MONITORING_ALLOW_LOOPBACK": "true",
        }
        self.drop: Callable[[], None] | None = None
        server_url = os.environ.get("FLAGDESK_DATABASE_URL", "")
        if server_url.startswith(("postgres://", "postgresql://")):
            # Each instance its own new database on the run's server, as `fresh_instance` does.
            env["FLAGDESK_DATABASE_URL"], self.drop = _new_postgres_database(server_url)
        self.box = FreshInstance(var_dir=tmp / name / "var", env=env, key_dir=tmp / name / "keys")
        self.box.flagdesk("migrate", "--noinput", "-v0")
        self.web: subprocess.Popen[str] | None = None

    def serve(self) -> None:
        self.web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "flagdesk.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--no-control-socket",
            ],
            env=self.box.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ProcessOutput(self.web).wait_for("Booting worker")

    def stop(self) -> None:
        if self.web is not None:
            self.web.terminate()
            self.web.wait(timeout=60)
        if self.drop is not None:
            self.drop()

    def run(self, *args: str) -> str:
        return self.box.flagdesk(*args).stdout

    def work(self) -> None:
        """Everything due now: periodic jobs (callbacks) and tasks (deliveries)."""
        self.run("worker", "--burst")

    def shell(self, code: str) -> str:
        return self.run("shell", "-c", code)

    def token(self, username: str, role: str) -> str:
        done = subprocess.run(
            [str(FLAGDESK), "user", "add", username, "--role", role, "--token"],
            env=self.box.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1].strip()

    def api(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60
        )


def _keys(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.strip().splitlines() if ": " in line)


FORWARD = """
import json
from flagdesk.accounts.models import User
from flagdesk.accounts.services import add_user
from flagdesk.intake.services import ReportSubmission, submit_report
from flagdesk.partners.models import Partner
from flagdesk.partners.services import forward_case
analyst = User.objects.filter(username="fwd").first() or add_user("fwd", role="analyst")
s = submit_report(ReportSubmission(urls=["{url}"], role="witness", phenomenon="ncii"))
f = forward_case(s.items, Partner.objects.get(slug="{partner}"), actor=analyst, reason="{reason}")
print(json.dumps({{"forward": f.reference}}))
"""

FORWARD_STATE = """
import json
from flagdesk.cases.models import CaseEvent
from flagdesk.partners.models import Forward
f = Forward.objects.get(reference="{reference}")
events = CaseEvent.objects.filter(case=f.case, kind="forwarded").values_list("data", flat=True)
print(json.dumps({{"delivery": f.delivery, "their_reference": f.their_reference,
    "their_status": f.their_status, "history": [h["status"] for h in f.history],
    "events": [e["status"] for e in events], "error": f.last_error}}))
"""

REFERRALS = """
import json
from flagdesk.partners.models import Referral
print(json.dumps([{{"partner": r.partner.slug, "partner_reference": r.partner_reference,
    "reference": r.report.reference, "channel": r.report.channel,
    "urls": [i.url for i in r.report.items.all()]}} for r in Referral.objects.all()]))
"""


def _json(output: str) -> object:
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    a, b = Instance(tmp_path, "a"), Instance(tmp_path, "b")
    try:
        a.serve()
        b.serve()
        yield a, b
    finally:
        a.stop()
        b.stop()


def test_a_case_goes_from_one_flagdesk_to_another_and_back(pair):
    a, b = pair
    # Each registers the other: A makes the shared secret, B takes it; each gives the other
    # a partner token.
    on_a = _keys(
        a.run(
            "partner",
            "add",
            "hotline-b",
            "--name",
            "Hotline B",
            "--base-url",
            b.url,
            "--country",
            "NL",
            "--phenomena",
            "ncii",
        )
    )
    on_b = _keys(
        b.run(
            "partner",
            "add",
            "hotline-a",
            "--name",
            "Hotline A",
            "--base-url",
            a.url,
            "--country",
            "BE",
            "--secret",
            on_a["secret"],
            "--their-token",
            on_a["token"],
        )
    )
    a.run("partner", "set", "hotline-b", "--their-token", on_b["token"])

    # A forwards a case to B; A's worker delivers it to B's referrals API.
    sent = _json(
        a.shell(
            FORWARD.format(
                url="https://social.test/a-to-b/1",
                partner="hotline-b",
                reason="Outside our designation.",
            )
        )
    )
    a.work()
    state = _json(a.shell(FORWARD_STATE.format(reference=sent["forward"])))
    assert state["delivery"] == "sent", state
    assert state["their_status"] == "received" and state["their_reference"].startswith("R-")

    # B has it as a referral from A, in its queue.
    [referral] = _json(b.shell(REFERRALS.format()))
    assert referral == {
        "partner": "hotline-a",
        "partner_reference": sent["forward"],
        "reference": state["their_reference"],
        "channel": "referral",
        "urls": ["https://social.test/a-to-b/1"],
    }
    analyst, reviewer = b.token("bea", "analyst"), b.token("ben", "reviewer")
    items = b.api(analyst).get("/items", params={"status": "new"}).json()
    [item] = [i for i in items if i["url"] == "https://social.test/a-to-b/1"]

    # B's staff decide it is out of their scope: an assessment, then the four-eyes review.
    assessed = b.api(analyst).post(
        f"/items/{item['id']}/assessments", json={"verdict": "out_of_scope", "reasons": "Not ours."}
    )
    assert assessed.status_code == 201, assessed.text
    reviewed = b.api(reviewer).post(
        f"/assessments/{assessed.json()['id']}/review", json={"approve": True}
    )
    assert reviewed.status_code == 201 and reviewed.json()["item_status"] == "out_of_scope"

    # B's worker sees the change and calls A back, signed; A's forward shows it.
    b.work()
    state = _json(a.shell(FORWARD_STATE.format(reference=sent["forward"])))
    assert state["their_status"] == "not_actionable", state
    assert state["history"] == ["received", "not_actionable"]
    assert state["events"] == ["queued", "received", "not_actionable"]
    b.work()  # nothing changed: nothing is sent again
    again = _json(a.shell(FORWARD_STATE.format(reference=sent["forward"])))
    assert again["history"] == ["received", "not_actionable"]
    # A may also ask (the polling fallback), with its token on B: the same JSON.
    polled = b.api(on_b["token"]).get(f"/referrals/{sent['forward']}")
    assert polled.status_code == 200 and polled.json()["status"] == "not_actionable"
    assert polled.json()["items"][0]["decision"] == "out_of_scope"
    # A token of A's own is nothing on B.
    assert b.api(on_a["token"]).get(f"/referrals/{sent['forward']}").status_code == 401

    # And back: B forwards a case to A the same way.
    back = _json(
        b.shell(
            FORWARD.format(
                url="https://social.test/b-to-a/1", partner="hotline-a", reason="This one is yours."
            )
        )
    )
    b.work()
    [returned] = _json(a.shell(REFERRALS.format()))
    assert returned["partner"] == "hotline-b" and returned["partner_reference"] == back["forward"]
    assert returned["urls"] == ["https://social.test/b-to-a/1"]
    a.work()  # A's first status for B's referral goes back to B
    state = _json(b.shell(FORWARD_STATE.format(reference=back["forward"])))
    assert state["delivery"] == "sent" and state["their_status"] == "received", state
    assert state["their_reference"] == returned["reference"]
