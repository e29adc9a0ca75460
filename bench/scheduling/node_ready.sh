#!/usr/bin/env bash
# How long a `guichet serve` node takes to be ready on a network_bench database: from the process's
# start to the first `/readyz` answered 200 (every calendar read before it listens), and its
# resident memory then. Usage: bench/scheduling/node_ready.sh [build-dir] DB-URL [runs]
# e.g. bench/scheduling/node_ready.sh build sqlite:/tmp/guichet-network-bench.db 3
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
db=${2:?a database URL, e.g. sqlite:/tmp/guichet-network-bench.db}
runs=${3:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/guichet-ready.XXXXXX)
trap 'rm -rf "$dir"' EXIT
for run in $(seq 1 "$runs"); do
  started=$(date +%s.%N)
  "$build/guichet" serve --db "$db" --listen 127.0.0.1:0 --web-root "$build/web" --no-access-log \
    >"$dir/out" 2>"$dir/err" &
  pid=$!
  url=""
  while [ -z "$url" ]; do
    kill -0 "$pid" 2>/dev/null || { echo "guichet serve stopped:"; cat "$dir/err"; exit 1; }
    url=$(grep -o '"url":"[^"]*"' "$dir/out" 2>/dev/null | head -1 | cut -d'"' -f4 || true)
    sleep 0.05
  done
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" = 200 ]; do sleep 0.05; done
  ready=$(date +%s.%N)
  rss=$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status")
  printf 'run %d: ready in %.1f s, resident memory %d MiB\n' "$run" "$(echo "$ready - $started" | bc)" "$rss"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done
