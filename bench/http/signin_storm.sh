#!/usr/bin/env bash
# A morning sign-in peak beside the rest of the site: 8 clients sign in back to back (argon2id
# each time) while wrk measures /healthz and a static asset. Prints, from the same run:
#   - the raw argon2id rate of one core (identity_bench, one thread, server idle): the reference;
#   - /healthz and asset p99 with the server idle, then during the storm, and their ratio;
#   - sign-ins per second during the storm, and their ratio to the raw one-core rate.
# Targets (issue 17): storm p99 <= 5x idle p99 and < 20 ms; sign-ins >= 0.7x one core.
# Usage: bench/http/signin_storm.sh [build-dir] [seconds-per-run] [extra serve options...]
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
shift 2 2>/dev/null || shift $# || true
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/guichet-storm.XXXXXX)
guichet_pid=""
cleanup() {
  [ -n "$guichet_pid" ] && kill "$guichet_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
db="sqlite:$dir/bench.db"

"$root/$build/guichet" migrate --db "$db" >/dev/null
echo 'correct horse battery staple' |
  "$root/$build/guichet" admin users add --db "$db" --email storm@example.org --password-stdin --verified >/dev/null

# The raw argon2id rate of one core (libsodium on one thread, nothing else running), measured
# before the server starts and again after it stops; the two are averaged, since this machine's
# speed drifts.
raw_argon2id_ms() {
  "$root/$build/bench/identity_bench" --benchmark_filter='^BM_Argon2idRaw' --benchmark_min_time=2 \
    --benchmark_format=json 2>/dev/null |
    python3 -c 'import json,sys; b=json.load(sys.stdin)["benchmarks"][0]; print(b["real_time"])'
}
raw_before_ms=$(raw_argon2id_ms)

"$root/$build/guichet" serve --listen 127.0.0.1:0 --db "$db" --threads 2 --no-access-log "$@" \
  >"$dir/guichet.out" 2>"$dir/guichet.err" &
guichet_pid=$!
for _ in $(seq 100); do grep -q listening "$dir/guichet.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o '"url":"[^"]*' "$dir/guichet.out" | cut -d'"' -f4)
sleep 1

# A CSRF token and its cookie, reused by every sign-in (double-submit: both must match).
csrf=$(curl -sf -c - "$url/account/sign-in" -o /dev/null | awk '$6 == "guichet_csrf" {print $7}')
asset=$(curl -sf -H 'Accept-Language: en' "$url/" | grep -o '/static/theme\.[0-9a-f]*/js/uswds.min.js')
cat >"$dir/signin.lua" <<LUA
wrk.method = "POST"
wrk.body = "csrf_token=$csrf&email=storm%40example.org&password=correct+horse+battery+staple"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "guichet_csrf=$csrf"
LUA

to_ms() {  # wrk's "850.00us" / "3.71ms" / "1.02s" -> milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
    else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 }
    else print v }'
}
probe() {  # path -> "p99_ms requests_per_second"
  local out
  out=$(wrk -t1 -c4 -d"${seconds}s" --latency "$url$1")
  echo "$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")") $(awk '/Requests\/sec/ {print $2}' <<<"$out")"
}

read -r idle_health_p99 idle_health_rps < <(probe /healthz)
read -r idle_asset_p99 idle_asset_rps < <(probe "$asset")

storm() {  # the sign-in storm for the length of one probe, plus a second either side
  wrk -t1 -c8 -d"$((seconds + 2))s" -s "$dir/signin.lua" "$url/account/sign-in" >"$dir/storm-$1.txt" &
  local storm_pid=$!
  sleep 1
  probe "$2" >"$dir/probe-$1.txt"
  wait "$storm_pid"
}
storm healthz /healthz
storm asset "$asset"
read -r storm_health_p99 storm_health_rps <"$dir/probe-healthz.txt"
read -r storm_asset_p99 storm_asset_rps <"$dir/probe-asset.txt"
signins=$(awk '/Requests\/sec/ {print $2}' "$dir/storm-healthz.txt")
bad=$(awk '/Non-2xx or 3xx/ {print $5}' "$dir/storm-healthz.txt")
sessions=$(python3 - "$dir/bench.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM sessions").fetchone()[0])
PY
)

kill "$guichet_pid"
wait "$guichet_pid" 2>/dev/null || true
guichet_pid=""
raw_after_ms=$(raw_argon2id_ms)
raw_ms=$(awk -v a="$raw_before_ms" -v b="$raw_after_ms" 'BEGIN {printf "%.2f", (a + b) / 2}')
raw_rate=$(awk -v ms="$raw_ms" 'BEGIN {printf "%.1f", 1000 / ms}')
printf 'raw argon2id, one core: %.2f ms a check (%.2f before, %.2f after), %s /s\n' "$raw_ms" "$raw_before_ms" \
  "$raw_after_ms" "$raw_rate"
printf '%-10s %14s %14s %8s %12s %12s\n' target "idle p99 ms" "storm p99 ms" ratio "idle r/s" "storm r/s"
printf '%-10s %14s %14s %8s %12s %12s\n' healthz "$idle_health_p99" "$storm_health_p99" \
  "$(awk -v a="$storm_health_p99" -v b="$idle_health_p99" 'BEGIN {printf "%.2f", a / b}')" "$idle_health_rps" "$storm_health_rps"
printf '%-10s %14s %14s %8s %12s %12s\n' asset "$idle_asset_p99" "$storm_asset_p99" \
  "$(awk -v a="$storm_asset_p99" -v b="$idle_asset_p99" 'BEGIN {printf "%.2f", a / b}')" "$idle_asset_rps" "$storm_asset_rps"
printf 'sign-ins during the storm: %s /s (%s of one core), %s answers that were not 303, %s sessions opened in all\n' \
  "$signins" "$(awk -v a="$signins" -v b="$raw_rate" 'BEGIN {printf "%.2fx", a / b}')" "${bad:-0}" "$sessions"
