"""The ``flagdesk`` console script: our own commands plus every ``manage.py`` command.

``flagdesk user add``, ``flagdesk audit verify`` and the other two-word commands of docs/cli.md
map onto Django commands named ``user_add``/``audit_verify``; anything else passes through.
"""

from __future__ import annotations

import os
import sys

# Two-word commands in docs/cli.md and the Django command that implements each.
TWO_WORD = {
    ("user", "add"): "user_add",
    ("audit", "verify"): "audit_verify",
    ("audit", "anchor"): "audit_anchor",
    ("audit", "checkpoint"): "audit_checkpoint",
    ("audit", "export"): "audit_export",
    ("token", "list"): "token_list",
    ("token", "revoke"): "token_revoke",
    ("keys", "rotate"): "keys_rotate",
    ("keys", "status"): "keys_status",
    ("keys", "retire"): "keys_retire",
    ("retention", "run"): "retention_run",
    ("mailbox", "poll"): "mailbox_poll",
    ("intake-mail", "poll"): "intake_mail_poll",
    ("evidence", "verify"): "evidence_verify",
    ("partner", "add"): "partner_add",
    ("partner", "set"): "partner_set",
    ("tdb", "import"): "tdb_import",
}
ALIASES = {
    "import": "import_spreadsheet",
    "import-csv": "import_spreadsheet",
    "annual-report": "annual_report",
    "check-url": "check_url",
    "recompute-priorities": "recompute_priorities",
}
# Commands that run until stopped: they take stop signals before Django is even imported.
LONG_RUNNING = {"worker", "mailsink"}


def translate_argv(argv: list[str]) -> list[str]:
    """``["flagdesk", "user", "add", "x"]`` -> ``["flagdesk", "user_add", "x"]``."""
    args = list(argv)
    if len(args) >= 3 and (args[1], args[2]) in TWO_WORD:
        return [args[0], TWO_WORD[(args[1], args[2])], *args[3:]]
    if len(args) >= 2 and args[1] in ALIASES:
        return [args[0], ALIASES[args[1]], *args[2:]]
    return args


def main(argv: list[str] | None = None) -> int:
    args = translate_argv(list(argv if argv is not None else sys.argv))
    if len(args) >= 2 and args[1] in LONG_RUNNING:
        from flagdesk.core import shutdown

        shutdown.install()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flagdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
