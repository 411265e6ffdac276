#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests.
#
#   scripts/pg-test-server.sh start DIR   makes a cluster in DIR (which must not
#                                          exist or be empty), starts it on a free
#                                          loopback port and prints its URL:
#                                          postgresql://devagent@127.0.0.1:PORT/devagent_test
#   scripts/pg-test-server.sh stop DIR    stops it and removes DIR
#
# The server listens only on 127.0.0.1 (its unix socket lives in DIR), trusts
# every connection (it is for tests only) and runs with fsync off. PostgreSQL
# refuses to run as root, so under root the server runs as the `postgres`
# user (DEVAGENT_PG_USER to choose another). PG_BINDIR overrides where
# initdb and pg_ctl are looked for. Exit status 77 (ctest's "skipped") means
# the server programs are not installed.
set -euo pipefail

die() { echo "pg-test-server: $*" >&2; exit 1; }

usage() { die "usage: $0 start|stop DIR"; }

[ $# -eq 2 ] || usage
cmd=$1
dir=$2

find_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ]; then echo "$d"; return; fi
  done
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
}

# Runs a server program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$owner" -- "$@"
  else
    "$@"
  fi
}

owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  owner=${DEVAGENT_PG_USER:-postgres}
  id "$owner" >/dev/null 2>&1 ||
    die "running as root, and PostgreSQL refuses to: user '$owner' to run it as does not exist (set DEVAGENT_PG_USER)"
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local bindir
  bindir=$(find_bindir)
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "pg-test-server: PostgreSQL server programs (initdb, pg_ctl) not found; install the 'postgresql' package (scripts/install-deps.sh does) or set PG_BINDIR" >&2
    exit 77  # ctest: skipped
  fi
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then die "$dir exists and is not empty"; fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # The unix socket path must fit in 107 bytes.
  if [ $((${#dir} + 20)) -gt 107 ]; then die "$dir is too long a path for a unix socket directory"; fi
  if [ "$(id -u)" -eq 0 ]; then chown "$owner" "$dir"; fi
  chmod 700 "$dir"

  as_owner "$bindir/initdb" -D "$dir/data" -U devagent --auth=trust --encoding=UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }

  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null 2>&1; then
      break
    fi
    port=""
  done
  [ -n "$port" ] || { tail -20 "$dir/server.log" >&2 || true; die "the server did not start"; }

  "$bindir/psql" -q -h 127.0.0.1 -p "$port" -U devagent -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE devagent_test" >/dev/null || die "cannot create database devagent_test"
  local url="postgresql://devagent@127.0.0.1:$port/devagent_test"
  echo "$url" >"$dir/url"
  echo "$url"
}

stop() {
  [ -e "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    local bindir
    bindir=$(find_bindir)
    [ -n "$bindir" ] || die "pg_ctl not found; cannot stop the server in $dir"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ||
      die "pg_ctl stop failed for $dir"
  fi
  rm -rf "$dir"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
