#!/usr/bin/env bash
# Installs every system package the build, the tests and the demo need, on Debian 12.
# Idempotent and quiet when everything is already there, so `make` can call it every time.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev postgresql
  libssl-dev libsodium-dev libcurl4-openssl-dev
  libspdlog-dev libfmt-dev libcli11-dev libkainjow-mustache-dev
  liboath-dev libcjose-dev libjansson-dev libqrencode-dev libhowardhinnant-date-dev libical-dev libgmime-3.0-dev
  libcairo2-dev libpango1.0-dev libfontconfig-dev libqpdf-dev libmagic-dev liblcms2-dev libicu-dev fonts-dejavu-core
  libphonenumber8 libprotobuf-dev libabsl-dev libxlsxwriter-dev libcsv-dev liblua5.4-dev
  libzxcvbn-dev libgoogle-perftools-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  qpdf poppler-utils libnss3-tools
  chromium nginx-light wrk openssl curl python3
)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

# libphonenumber's headers: Debian 12's libphonenumber-dev depends on libboost-dev (1.74), which
# conflicts with the Boost 1.81 the project builds with, so its package is unpacked into the
# build tree instead of installed (its headers need only protobuf and abseil, installed above;
# the library itself is libphonenumber8's).
phonenumber_headers() {
  local root dir
  root="$(cd "$(dirname "$0")/.." && pwd)"
  dir="$root/build/third_party/libphonenumber-dev"
  [ -f "$dir/usr/include/phonenumbers/phonenumberutil.h" ] && return 0
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && apt-get download libphonenumber-dev >/dev/null 2>&1) ||
    { $sudo apt-get update -qq && (cd "$tmp" && apt-get download libphonenumber-dev >/dev/null); }
  mkdir -p "$dir"
  dpkg-deb -x "$tmp"/libphonenumber-dev_*.deb "$dir"
  rm -rf "$tmp"
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -eq 0 ]; then
  phonenumber_headers
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts nginx and postgresql as services on install; the project starts its own
# throw-away instances, so the system ones are stopped to free their ports.
if command -v service >/dev/null 2>&1; then
  $sudo service nginx stop >/dev/null 2>&1 || true
  $sudo service postgresql stop >/dev/null 2>&1 || true
fi
phonenumber_headers
