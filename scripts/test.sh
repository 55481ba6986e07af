#!/usr/bin/env bash
# The two pytest runs of `make test`: SQLite (the default database), then a throwaway
# PostgreSQL cluster (S14: every feature works on both). Both runs always execute so a
# failure shows whether it is specific to one backend; the script fails if either failed,
# including pytest's exit code 5 ("no tests collected"). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTEST=${PYTEST:-.venv/bin/pytest}
PG_TEST_DIR=""

cleanup() {
  if [ -n "$PG_TEST_DIR" ]; then
    scripts/pg-test.sh stop "$PG_TEST_DIR" || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== pytest on SQLite"
sqlite_status=0
env -u FLAGDESK_DATABASE_URL "$PYTEST" "$@" || sqlite_status=$?

echo "== pytest on PostgreSQL"
pg_env=$(scripts/pg-test.sh start)
eval "$pg_env"
pg_status=0
"$PYTEST" "$@" || pg_status=$?

echo "== pytest exit codes: SQLite $sqlite_status, PostgreSQL $pg_status (5 means no tests ran)"
[ "$sqlite_status" -eq 0 ] && [ "$pg_status" -eq 0 ]
