#!/usr/bin/env bash
# Measures `guichet serve` against nginx serving the very same bytes, in the same run, on
# loopback, with wrk (64 keep-alive connections). Prints requests/s, p99 latency and the ratio to
# nginx for /healthz, a static asset and the rendered home page, and guichet's idle memory.
# Usage: bench/http/run.sh [build-dir] [seconds-per-run]
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
connections=64
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/guichet-bench.XXXXXX)
chmod 755 "$dir"
guichet_pid=""
nginx_pid=""
cleanup() {
  [ -n "$guichet_pid" ] && kill "$guichet_pid" 2>/dev/null || true
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

"$root/$build/guichet" serve --listen 127.0.0.1:0 --db "sqlite:$dir/bench.db" --threads 2 --no-access-log >"$dir/guichet.out" 2>"$dir/guichet.err" &
guichet_pid=$!
for _ in $(seq 50); do grep -q listening "$dir/guichet.out" 2>/dev/null && break; sleep 0.1; done
guichet_url=$(grep -o '"url":"[^"]*' "$dir/guichet.out" | cut -d'"' -f4)
sleep 1
idle_rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$guichet_pid/status")

mkdir -p "$dir/www/static"
curl -sf "$guichet_url/healthz" >"$dir/www/healthz"
curl -sf -H 'Accept-Language: en' "$guichet_url/" >"$dir/www/index.html"
css_path=$(grep -o '/static/theme\.[0-9a-f]*/css/guichet.css' "$dir/www/index.html")
js_path=$(grep -o '/static/theme\.[0-9a-f]*/js/uswds.min.js' "$dir/www/index.html")
mkdir -p "$dir/www$(dirname "$js_path")"
curl -sf "$guichet_url$js_path" >"$dir/www$js_path"

nginx_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$dir/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir/tmp; proxy_temp_path $dir/tmp; fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp; scgi_temp_path $dir/tmp;
  types { text/html html; text/javascript js; text/css css; text/plain txt; }
  server {
    listen 127.0.0.1:$nginx_port;
    root $dir/www;
    location = /healthz { default_type "text/plain; charset=utf-8"; }
    location = / { index index.html; }
  }
}
CONF
mkdir -p "$dir/tmp"
nginx -c "$dir/nginx.conf" -p "$dir" &
nginx_pid=$!
sleep 1

measure() {  # url -> "requests_per_second p99"
  local out
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$1")
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  echo "$rps $p99"
}

printf '%-14s %12s %10s %12s %10s %8s\n' "target" "guichet r/s" "p99" "nginx r/s" "p99" "ratio"
for target in healthz asset home; do
  case $target in
    healthz) path=/healthz ;;
    asset) path=$js_path ;;
    home) path=/ ;;
  esac
  read -r g_rps g_p99 < <(measure "$guichet_url$path")
  read -r n_rps n_p99 < <(measure "http://127.0.0.1:$nginx_port$path")
  ratio=$(awk -v a="$g_rps" -v b="$n_rps" 'BEGIN {printf "%.2f", a / b}')
  printf '%-14s %12s %10s %12s %10s %8s\n' "$target" "$g_rps" "$g_p99" "$n_rps" "$n_p99" "$ratio"
done
printf 'asset: %s (%s bytes)\n' "$js_path" "$(stat -c %s "$dir/www$js_path")"
printf 'home page: %s bytes\n' "$(stat -c %s "$dir/www/index.html")"
printf 'guichet idle resident memory: %.1f MB\n' "$(awk -v k="$idle_rss_kb" 'BEGIN {print k / 1024}')"
printf 'guichet resident memory after the runs: %.1f MB\n' "$(awk '/VmRSS/ {print $2 / 1024}' "/proc/$guichet_pid/status")"
