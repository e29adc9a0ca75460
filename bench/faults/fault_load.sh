#!/usr/bin/env bash
# Issue 17 item 14, end to end: bench/faults/fault_load.py's booking load with faults, on
# PostgreSQL (two nodes: the database frozen, a node killed, a deep outbox) and on SQLite (one
# node: an outside writer holding the lock, a full disk on a tmpfs; needs root for the mount,
# skipped otherwise). Usage: bench/faults/fault_load.sh [build-dir] [postgresql|sqlite|both]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
engines=${2:-both}
root=$(cd "$(dirname "$0")/../.." && pwd)
users=${GUICHET_FAULT_USERS:-600}

prepare() {  # db-url dir -> tokens file in dir
  "$build/guichet" --db "$1" demo-data >/dev/null
  for i in $(seq 0 $((users - 1))); do
    echo "load-password-$i" | "$build/guichet" --db "$1" admin users add --email "load$i@example.org" \
      --password-stdin --verified >/dev/null
  done
  for i in $(seq 0 $((users - 1))); do
    "$build/guichet" --db "$1" admin tokens issue --user "load$i@example.org" --scope appointments \
      --lifetime 3600
  done >"$2/tokens"
}

status=0
if [ "$engines" = both ] || [ "$engines" = postgresql ]; then
  echo "== PostgreSQL, two nodes"
  export build root users
  export -f prepare
  bash "$root/scripts/with-postgres.sh" bash -c '
    dir=$(mktemp -d /tmp/guichet-faults.XXXXXX)
    prepare "$GUICHET_TEST_PG" "$dir"
    python3 "$root/bench/faults/fault_load.py" --build "$build" --engine postgresql --db "$GUICHET_TEST_PG" \
      --tokens "$dir/tokens" --log-dir "$dir"; rc=$?
    echo "logs: $dir"; exit $rc' || status=1
fi
if [ "$engines" = both ] || [ "$engines" = sqlite ]; then
  echo "== SQLite, one node"
  dir=$(mktemp -d /tmp/guichet-faults.XXXXXX)
  mkdir "$dir/disk"
  tmpfs=""
  if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=512m tmpfs "$dir/disk" 2>/dev/null; then
    tmpfs="--tmpfs $dir/disk"
    trap 'umount "$dir/disk" 2>/dev/null || true' EXIT
  else
    echo "(not root or no tmpfs: the full-disk fault is skipped)"
  fi
  prepare "sqlite:$dir/disk/guichet.db" "$dir"
  # shellcheck disable=SC2086
  python3 "$root/bench/faults/fault_load.py" --build "$build" --engine sqlite --db "sqlite:$dir/disk/guichet.db" \
    --tokens "$dir/tokens" --log-dir "$dir" $tmpfs || status=1
  echo "logs: $dir"
fi
exit $status
