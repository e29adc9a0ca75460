#!/usr/bin/env bash
# Runs a command beside a throw-away PostgreSQL cluster (initdb in a temporary directory, a free
# port, no service needed) and exports its URL as GUICHET_TEST_PG. initdb refuses to run as root,
# so as root the cluster belongs to the postgres user.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir=$(mktemp -d /tmp/guichet-pg.XXXXXX)
chmod 755 "$dir"
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
as_pg "$bindir/initdb" -D "$dir/data" -A trust -U guichet -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log"; exit 1; }
# fsync off: this cluster lives for one test run and is thrown away. Benchmarks set
# GUICHET_PG_DURABLE=1 to keep PostgreSQL's durable defaults (fsync, synchronous_commit), or
# GUICHET_PG_DURABLE=async for fsync with synchronous_commit=off (a crash may lose the last
# commits, never corrupt).
durability="-c fsync=off -c synchronous_commit=off"
[ "${GUICHET_PG_DURABLE:-0}" = "1" ] && durability=""
[ "${GUICHET_PG_DURABLE:-0}" = "async" ] && durability="-c synchronous_commit=off"
# GUICHET_PG_OPTIONS adds server settings, e.g. "-c session_preload_libraries=auto_explain" for
# bench/scheduling/explain-bookings.sh; the server's log is GUICHET_TEST_PG_LOG while the command runs.
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir $durability -c max_connections=300 ${GUICHET_PG_OPTIONS:-}" \
  start >/dev/null || { cat "$dir/server.log"; exit 1; }
export GUICHET_TEST_PG="postgresql://guichet@127.0.0.1:$port/postgres"
export GUICHET_TEST_PG_LOG="$dir/server.log"
"$@"
