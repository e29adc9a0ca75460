#!/usr/bin/env bash
# The PostgreSQL plans of every statement a booking runs, as executed (EXPLAIN ANALYZE through
# auto_explain, with buffers and triggers), during bookings_bench's one-node run on the seeded,
# ANALYZEd shop: one line per distinct statement (calls, mean and max time, the plan's scans),
# then the slowest occurrence's plan of each. Usage: bench/scheduling/explain-bookings.sh [build-dir]
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/../.."
export GUICHET_PG_OPTIONS="-c session_preload_libraries=auto_explain -c auto_explain.log_analyze=on \
-c auto_explain.log_buffers=on -c auto_explain.log_triggers=on -c auto_explain.log_timing=on"
export GUICHET_BENCH_AFTER_SEED_SQL="ALTER SYSTEM SET auto_explain.log_min_duration = 0; SELECT pg_reload_conf();"
exec scripts/with-postgres.sh bash -c '
  GUICHET_BENCH_DB="$GUICHET_TEST_PG" "$1/bench/bookings_bench" \
    --benchmark_filter="BM_CommittedBookings/iterations:1000/real_time$" >&2
  python3 bench/scheduling/summarise_plans.py "$GUICHET_TEST_PG_LOG"' explain "$build"
