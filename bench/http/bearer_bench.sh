#!/usr/bin/env bash
# Bearer checks: GET /oidc/userinfo with a live access token, against panva's oidc-provider (the
# engine behind FranceConnect) answering its userinfo (/me) with a live token in the same run, and
# /healthz as the server's own ceiling. wrk, 64 keep-alive connections, loopback. Then revocation:
# the token is revoked on one of two nodes sharing the database and both must refuse it at once.
# Usage: [GUICHET_BENCH_WORKERS=16] [GUICHET_BENCH_PIN=1] bench/http/bearer_bench.sh [build-dir] [seconds-per-run] [runs]
# GUICHET_BENCH_PIN=1 gives the servers the last core and wrk the others (taskset), so that the
# load generator does not take the servers' processor time; both servers get the same core.
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
runs=${3:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/guichet-bearer.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

server_cpus=""
load_cpus=""
if [ "${GUICHET_BENCH_PIN:-0}" = 1 ]; then
  last=$(($(nproc) - 1))
  [ "$last" -ge 1 ] || { echo "GUICHET_BENCH_PIN needs two cores" >&2; exit 1; }
  server_cpus="taskset -c $last"
  load_cpus="taskset -c 0-$((last - 1))"
fi

reference="$root/bench/http/reference"
if [ ! -d "$reference/node_modules/oidc-provider" ]; then
  (cd "$reference" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

read -r client_id client_secret token < <("$root/$build/bench/mint_token" "sqlite:$dir/bench.db")

start_node() {  # name -> url
  $server_cpus "$root/$build/guichet" serve --listen 127.0.0.1:0 --db "sqlite:$dir/bench.db" --threads 2 --workers "${GUICHET_BENCH_WORKERS:-16}" --no-access-log \
    >"$dir/$1.out" 2>"$dir/$1.err" &
  pids+=($!)
  for _ in $(seq 50); do grep -q listening "$dir/$1.out" 2>/dev/null && break; sleep 0.1; done
  grep -o '"url":"[^"]*' "$dir/$1.out" | cut -d'"' -f4
}
guichet_url=$(start_node a)

$server_cpus node "$reference/oidc_provider_userinfo.mjs" 0 >"$dir/op.out" 2>"$dir/op.err" &
pids+=($!)
for _ in $(seq 50); do grep -q '^http' "$dir/op.out" 2>/dev/null && break; sleep 0.1; done
read -r op_url op_token < <(grep '^http' "$dir/op.out")

curl -sf -H "Authorization: Bearer $token" "$guichet_url/oidc/userinfo" >/dev/null
curl -sf -H "Authorization: Bearer $op_token" "$op_url/me" >/dev/null

measure() {  # url [header] -> "requests_per_second p99"
  local out
  if [ $# -gt 1 ]; then
    out=$($load_cpus wrk -t2 -c64 -d"${seconds}s" --latency -H "$2" "$1")
  else
    out=$($load_cpus wrk -t2 -c64 -d"${seconds}s" --latency "$1")
  fi
  if grep -q 'Non-2xx' <<<"$out"; then
    echo "non-2xx answers during the run of $1" >&2
    exit 1
  fi
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1 == "99%" {print $2}' <<<"$out")"
}

printf '%-4s %14s %10s %16s %10s %12s %8s %10s\n' run "userinfo r/s" p99 "oidc-provider" p99 "healthz r/s" "× ref" "÷ healthz"
for run in $(seq "$runs"); do
  read -r u_rps u_p99 < <(measure "$guichet_url/oidc/userinfo" "Authorization: Bearer $token")
  read -r o_rps o_p99 < <(measure "$op_url/me" "Authorization: Bearer $op_token")
  read -r h_rps _ < <(measure "$guichet_url/healthz")
  printf '%-4s %14s %10s %16s %10s %12s %8.2f %10.2f\n' "$run" "$u_rps" "$u_p99" "$o_rps" "$o_p99" "$h_rps" \
    "$(echo "$u_rps / $o_rps" | bc -l)" "$(echo "$u_rps / $h_rps" | bc -l)"
done

# Revocation, with a second node on the same database: revoked on A, refused by A and B at once.
other_url=$(start_node b)
status() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$1/oidc/userinfo"; }
[ "$(status "$other_url")" = 200 ] || { echo "node B does not accept the live token" >&2; exit 1; }
curl -sf -u "$client_id:$client_secret" -d "token=$token" "$guichet_url/oidc/revoke" >/dev/null
a=$(status "$guichet_url")
b=$(status "$other_url")
echo "after revocation on node A: node A answers $a, node B answers $b"
[ "$a" = 401 ] && [ "$b" = 401 ] || { echo "a revoked token was accepted" >&2; exit 1; }
