#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the test suite.
#
#   eval "$(scripts/pg-test.sh start)"    # exports PG_TEST_DIR and FLAGDESK_DATABASE_URL
#   scripts/pg-test.sh stop "$PG_TEST_DIR"
#
# initdb refuses to run as root, so as root every server command runs as the `postgres` user
# (created by Debian's postgresql package) on a temporary directory it owns. The server listens
# on 127.0.0.1 only, on a free port, with its socket in the same directory and trust auth: it
# holds nothing but test data and disappears on `stop`.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
MARKER=.flagdesk-pg-test  # `stop` deletes only directories that carry it
dir=""
started=0

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_cluster() {
  local dir=$1
  if [ ! -f "$dir/$MARKER" ]; then
    echo "pg-test: $dir is not a test cluster made by this script; leaving it alone" >&2
    return 1
  fi
  if [ -f "$dir/data/postmaster.pid" ]; then
    (cd "$dir" && as_pg "$PG_BIN/pg_ctl" stop -D "$dir/data" -m immediate -w >/dev/null) ||
      echo "pg-test: pg_ctl stop failed; removing $dir anyway" >&2
  fi
  rm -rf "$dir"
}

start_cluster() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "pg-test: $PG_BIN/initdb not found; install Debian's postgresql (15) package" >&2
    return 1
  fi
  local port
  dir=$(mktemp -d "${TMPDIR:-/tmp}/flagdesk-pg.XXXXXX")
  touch "$dir/$MARKER"
  # Any failure or interruption from here on must not leave a server or a directory behind.
  trap '[ "$started" = 1 ] || stop_cluster "$dir" >/dev/null 2>&1 || true' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$dir"
  fi
  cd "$dir"  # the postgres user may not be allowed into the caller's directory
  as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  local attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    # Durability is pointless for a cluster deleted after the run, and costs seconds per test.
    if as_pg "$PG_BIN/pg_ctl" start -D "$dir/data" -w -t 30 -l "$dir/server.log" \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off \
          -c synchronous_commit=off -c full_page_writes=off" >/dev/null; then
      break
    fi
    if [ "$attempt" -eq 3 ]; then
      cat "$dir/server.log" >&2
      return 1
    fi
  done
  "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres flagdesk
  started=1
  echo "pg-test: PostgreSQL on 127.0.0.1:$port, data in $dir" >&2
  printf 'export PG_TEST_DIR=%q\n' "$dir"
  printf 'export FLAGDESK_DATABASE_URL=%q\n' "postgres://postgres@127.0.0.1:$port/flagdesk"
}

case "${1:-}" in
  start) start_cluster ;;
  stop) stop_cluster "${2:-${PG_TEST_DIR:?usage: pg-test.sh stop DIR (or set PG_TEST_DIR)}}" ;;
  *)
    echo "usage: $0 start | stop [DIR]" >&2
    exit 2
    ;;
esac
