#!/usr/bin/env bash
# Installs what devagent needs to build, run and test, from Debian 12's archive.
# Idempotent: packages already present are skipped, and apt-get runs only when
# something is missing. Usable from a Dockerfile (set DEVAGENT_DEPS=build|runtime).
#
#   scripts/install-deps.sh            everything: build, test and tooling
#   DEVAGENT_DEPS=build   ...          only what compiling needs (Docker build stage)
#   DEVAGENT_DEPS=runtime ...          only what the binary needs at run time
#   DEVAGENT_DEPS=image   ...          what scripts/verify-image.sh needs to build the image
set -euo pipefail

build_pkgs=(
  g++ cmake ninja-build make pkg-config ccache git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libcli11-dev libtomlplusplus-dev
  libgit2-dev libre2-dev libxxhash-dev libpugixml-dev libhnswlib-dev
  libpq-dev        # the PostgreSQL backend of the store (libpq)
)
runtime_pkgs=(
  ca-certificates libssl3 libsqlite3-0 libboost-json1.81.0 libboost-url1.81.0 libtomlplusplus3
  libgit2-1.5 libre2-9 libxxhash0 libpugixml1v5 universal-ctags libpq5
)
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus   # promtool checks the /metrics output
  curl
  openssl      # makes throwaway certificates for the TLS tests
  universal-ctags  # symbols (also needed at run time)
  cloc ripgrep     # the code-intelligence tests and benchmarks compare against them
  time             # /usr/bin/time: peak memory in the benchmarks
  gcovr            # `make coverage`: line coverage of src/ by the tests
  json-schema-test-suite  # the official JSON Schema cases run by tests/tools/json_schema_test.cpp
  chromium         # the web UI's browser tests (tests/node/browser.test.mjs, driven by playwright-core)
  postgresql postgresql-contrib  # a throwaway server for the store's PostgreSQL tests (scripts/pg-test-server.sh)
  clang libclang-rt-14-dev       # `make fuzz`: clang and libFuzzer (docs/security.md, "Fuzzing")
  nginx            # deploy/nginx/nginx.conf in front of two instances (tests/blackbox/shared_store_test.cpp)
)
# Only scripts/verify-image.sh installs these (not `make test`): it builds
# deploy/Dockerfile without a Docker engine, from a debootstrapped base.
image_pkgs=(
  buildah debootstrap debian-archive-keyring curl ca-certificates
)

case "${DEVAGENT_DEPS:-all}" in
  build) wanted=("${build_pkgs[@]}") ;;
  runtime) wanted=("${runtime_pkgs[@]}") ;;
  image) wanted=("${image_pkgs[@]}") ;;
  all) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "install-deps: DEVAGENT_DEPS must be build, runtime, image or all" >&2; exit 2 ;;
esac

# The web UI is built with Node.js and npm (cmake/web.cmake). Debian's own
# packages are used only when no node/npm is installed, so a newer Node.js
# from elsewhere is left alone.
if [ "${DEVAGENT_DEPS:-all}" != runtime ] && [ "${DEVAGENT_DEPS:-all}" != image ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  wanted+=(nodejs npm)
fi

missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists once if they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mtime -1 2>/dev/null | head -1)" ]; then
  $SUDO apt-get update -qq
fi
# postgresql and nginx would start their system services when installed;
# the tests start their own, on free loopback ports, and stop them. As in
# Docker builds, a policy-rc.d denies service starts for the time of the
# install, unless the machine already has one.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
