"""Background work for intake: long spreadsheet imports (S12: ids in, safe to run twice)."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task

from flagdesk.core.periodic import Periodic


@task()
def run_import_task(import_id: str) -> int:
    """Import what is left of a confirmed import; returns the rows done so far."""
    from .imports.services import run_import

    return run_import(UUID(import_id)).rows_done


def resume_imports() -> int:
    """Take up imports whose worker died (and drop unconfirmed previews after a day)."""
    from .imports.services import sweep_imports

    ids = sweep_imports()
    for import_id in ids:
        run_import_task.enqueue(import_id)
    return len(ids)


PERIODIC = [Periodic("intake.resume_imports", 60, resume_imports)]
