#!/usr/bin/env bash
# Installs the Debian packages dipr builds, tests and benchmarks with. Idempotent and quick when
# everything is present: it asks dpkg first and runs apt-get only for what is missing.
set -euo pipefail

build_pkgs=(cmake ninja-build g++ pkg-config libboost-dev nlohmann-json3-dev libssl-dev
  libsqlite3-dev libpq-dev libcli11-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev
  libbenchmark-dev libxxhash-dev libjemalloc-dev libcairo2-dev libpango1.0-dev libqrencode-dev
  fonts-noto-cjk tzdata)
test_pkgs=(postgresql golang-go golang-golang-x-mod-dev sqlite3 curl poppler-utils zbar-tools qpdf
  nginx openssl clang libclang-rt-14-dev)

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${test_pkgs[@]}"); fi
if [[ "${1:-}" == "--bench" ]]; then want+=("${test_pkgs[@]}" wrk nginx hyperfine); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
