#!/usr/bin/env bash
# `make demo`: the portal on http://localhost:8080 and two registry nodes beside it, the tax
# administration's (`at`, port 8081) and social security's (`ss`, port 8082), each serving its
# demonstration extract from data/exchange/. The first run connects them as their operators would
# (keys pinned by id, entitlements under the demo procedures' laws); the demo account's identity
# carries the NIF the extracts know, so its student housing aid and family allowance are pre-filled.
set -euo pipefail
build=${1:-build}
g="$build/guichet"
key=var/secrets.key
mkdir -p var
# The key that seals private keys at rest (documents' certification authority, nodes' keys), made once.
test -s "$key" || (umask 077 && "$g" admin keys new-kek > "$key")
"$g" demo-data --db sqlite:var/guichet.db --secrets-key-file "$key"

pids=()
cleanup() { [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

# Starts a registry node and prints its key id once it listens.
start_registry() {
  local node=$1 port=$2
  : > "var/$node.out"
  "$g" registry --node-id "$node" --db "sqlite:var/$node.db" --secrets-key-file "$key" --no-access-log \
    --listen "127.0.0.1:$port" --dataset "data/exchange/$node.csv" --describe "data/exchange/$node.json" \
    > "var/$node.out" 2> "var/$node.log" &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q '"listening"' "var/$node.out" && break
    sleep 0.1
  done
  grep -o '"kid":"[^"]*"' "var/$node.out" | head -1 | cut -d'"' -f4
}
at_kid=$(start_registry at 8081)
ss_kid=$(start_registry ss 8082)
[ -n "$at_kid" ] && [ -n "$ss_kid" ] || { echo "the registry nodes did not start (var/at.log, var/ss.log)"; exit 1; }

if [ ! -f var/exchange.connected ]; then
  "$g" exchange keys --key-set --db sqlite:var/guichet.db --secrets-key-file "$key" > var/guichet.keys
  portal_kid=$("$g" exchange keys --db sqlite:var/guichet.db --secrets-key-file "$key" | grep -o '"kid":"[^"]*"' | head -1 | cut -d'"' -f4)
  law() { node -e "console.log(require('./data/demo-procedures.json').find((d) => d.service === '$1').legal_basis)"; }
  until=$(date -d '+1 year' +%F)
  "$g" exchange peers add --db sqlite:var/guichet.db --node at --name "Autoridade Tributária e Aduaneira" \
    --url http://127.0.0.1:8081 --kid "$at_kid"
  "$g" exchange peers add --db sqlite:var/guichet.db --node ss --name "Segurança Social" \
    --url http://127.0.0.1:8082 --kid "$ss_kid"
  for node in at ss; do
    "$g" exchange peers add --db "sqlite:var/$node.db" --node guichet --name Guichet --url http://127.0.0.1:8080 \
      --kid "$portal_kid" --key-set var/guichet.keys
  done
  "$g" exchange grant --db sqlite:var/at.db --consumer guichet --purpose student-housing-aid --dataset at \
    --attributes reference_income --law "$(law student-housing-aid)" --expires "$until"
  "$g" exchange grant --db sqlite:var/ss.db --consumer guichet --purpose family-allowance --dataset ss \
    --attributes children --law "$(law family-allowance)" --expires "$until"
  # The social energy tariff, granted from both registries' data (dry run: `guichet benefits
  # dry-run --code social-energy-tariff --db sqlite:var/guichet.db --secrets-key-file var/secrets.key`).
  tariff_law=$(node -e "console.log(require('./data/exchange/social-energy-tariff.json').legal_basis)")
  "$g" exchange grant --db sqlite:var/at.db --consumer guichet --purpose social-energy-tariff --dataset at \
    --attributes reference_income,household_parts --law "$tariff_law" --expires "$until"
  "$g" exchange grant --db sqlite:var/ss.db --consumer guichet --purpose social-energy-tariff --dataset ss \
    --attributes benefits --law "$tariff_law" --expires "$until"
  "$g" benefits define --file data/exchange/social-energy-tariff.json --db sqlite:var/guichet.db
  touch var/exchange.connected
fi
if [ ! -f var/exchange.reporting ]; then
  # Each registry tells the portal of the accesses other administrations make there directly
  # (try: `guichet exchange ask --node-id ss --db sqlite:var/ss.db ...`; docs/EXCHANGE.md).
  for node in at ss; do "$g" exchange peers report --db "sqlite:var/$node.db" --node guichet; done
  touch var/exchange.reporting
fi

echo "Guichet is on http://localhost:8080, the registries on :8081 (at) and :8082 (ss) (Ctrl-C stops them)"
"$g" serve --listen 127.0.0.1:8080 --db sqlite:var/guichet.db --secrets-key-file "$key" --tsa-url local
