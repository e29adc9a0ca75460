#!/usr/bin/env bash
# After `ctest`: says which suites ran on PostgreSQL and how many of their tests, and says so
# loudly when none did, so the PostgreSQL variants can never vanish without a word.
set -euo pipefail
build=${1:-build}
listing=$(ctest --test-dir "$build" -N 2>/dev/null | grep -E '^ *Test +#' || true)
total=$(grep -c . <<<"$listing" || true)
pg=$(grep -c '/postgresql' <<<"$listing" || true)
if [ "${pg:-0}" -eq 0 ]; then
  echo "################################################################################"
  echo "# WARNING: no test ran on PostgreSQL (GUICHET_TEST_PG was not set).              #"
  echo "# Only SQLite was tested. Run 'make test-unit' for both engines.                 #"
  echo "################################################################################"
  exit 0
fi
echo "backends: $pg of $total tests ran on PostgreSQL as well as SQLite, in these suites:"
grep '/postgresql' <<<"$listing" | sed -E 's#^ *Test +\#[0-9]+: ##; s#^Backends/##; s#[./].*##' |
  sort | uniq -c | awk '{printf "  %-28s %3d\n", $2, $1}'
