"""Each periodic job runs on the worker of its queue: re-checks and captures, which wait on
other people's websites, on the monitoring worker; notices never wait behind them."""

from __future__ import annotations

from flagdesk.site.worker import WorkerLoop, periodic_jobs


def names(queues: list[str]) -> set[str]:
    return {job.name for job in WorkerLoop(queues=queues).jobs}


def test_the_notices_worker_does_not_fetch_websites():
    default = names(["default"])
    assert "notices.outbox" in default
    assert not {n for n in default if n.startswith("monitoring.")}


def test_the_monitoring_worker_runs_only_monitoring():
    assert names(["monitoring"]) == {j.name for j in periodic_jobs() if j.queue == "monitoring"}
    assert "monitoring.checks" in names(["monitoring"])


def test_a_worker_of_every_queue_runs_every_job():
    assert names(["*"]) == {j.name for j in periodic_jobs()}
    assert names(["media"]) == set()


def test_serve_starts_a_monitoring_worker():
    from flagdesk.core.management.commands.serve import Command

    commands = Command.commands(8000, 2)
    assert commands["monitoring worker"][-2:] == ["--queues", "monitoring"]
