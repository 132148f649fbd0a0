#!/usr/bin/env bash
# The PostgreSQL the tests use. When one answers at TEST_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/test) it is used as is; when nothing answers there (a fresh
# machine, a CI runner), Debian's postgresql is installed if missing and a throw-away cluster is
# started on a free loopback port under a temporary directory, with trust auth on loopback only, and
# TEST_DATABASE_URL is exported to point at it.
#
# Two ways to use it:
#   source scripts/ensure-postgres.sh; pg_ensure || exit 1   # then call pg_stop (e.g. from a trap)
#   bash scripts/ensure-postgres.sh CMD ARGS…                 # runs CMD with a PostgreSQL, then stops it
# The throw-away cluster runs as an unprivileged user (initdb refuses root), and is stopped and its
# directory removed by pg_stop, which the second form calls on any exit, failure or interruption.

PG_DEFAULT_URL='postgres://postgres@127.0.0.1:5432/test'
PG_TMP=''
PG_BIN=''
PG_USER=''

# 0: a usable server answers at $1; 2: nothing listens there; 3: something answers but refuses (the
# reason on stderr). Node's pg client (a dependency, so present after npm ci) makes the probe, so the
# URL is read exactly as the tests read it.
pg_probe() {
  node --input-type=module -e '
    import pg from "pg";
    const c = new pg.Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.on("error", () => {});
    try { await c.connect(); await c.query("select 1"); await c.end(); process.exit(0); }
    catch (e) {
      const down = ["ECONNREFUSED", "EHOSTUNREACH", "ENOTFOUND", "ECONNRESET"].includes(e.code) ||
        /timeout/i.test(String(e.message));
      if (!down) console.error(e.message);
      process.exit(down ? 2 : 3);
    }' "$1"
}

# The newest installed server's bin directory (Debian keeps initdb and pg_ctl out of PATH).
pg_find_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  d=$(command -v initdb 2>/dev/null) && dirname "$(readlink -f "$d")"
}

pg_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "PostgreSQL server missing: install Debian's postgresql (apt-get install postgresql) as root" >&2
    return 1
  fi
  echo "installing: postgresql" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

pg_free_port() {
  node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Runs a server binary as the cluster's owner: ourselves when unprivileged, else the postgres system
# user (created by Debian's package) or nobody.
pg_as_owner() {
  if [ -z "$PG_USER" ]; then "$@"; else runuser -u "$PG_USER" -- "$@"; fi
}

pg_start_throwaway() {
  PG_BIN=$(pg_find_bin) || true
  if [ -z "$PG_BIN" ]; then
    pg_install || return 1
    PG_BIN=$(pg_find_bin) || { echo "postgresql installed but initdb not found" >&2; return 1; }
  fi
  if [ "$(id -u)" = 0 ]; then
    if getent passwd postgres >/dev/null; then PG_USER=postgres; else PG_USER=nobody; fi
  fi
  PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/rollover-test-pg.XXXXXX") || return 1
  [ -z "$PG_USER" ] || chown "$PG_USER" "$PG_TMP"
  local port log="$PG_TMP/server.log"
  # --no-sync and fsync=off: the cluster is thrown away at the end, durability buys nothing here.
  pg_as_owner "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -E UTF8 --no-sync \
    --auth-local=trust --auth-host=trust >"$PG_TMP/initdb.log" 2>&1 ||
    { echo "initdb failed:" >&2; cat "$PG_TMP/initdb.log" >&2; return 1; }
  # A free port can be taken between the probe and the start: try a few.
  for _ in 1 2 3 4 5; do
    port=$(pg_free_port) || return 1
    if pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TMP -c fsync=off -c max_connections=200" >/dev/null; then
      TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/test"
      "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres test ||
        { echo "createdb failed" >&2; return 1; }
      export TEST_DATABASE_URL
      return 0
    fi
  done
  echo "could not start the throw-away PostgreSQL:" >&2
  tail -n 20 "$log" >&2
  return 1
}

# Prints which PostgreSQL the run uses (the first lines of the test output) and exports its URL.
pg_ensure() {
  local url="${TEST_DATABASE_URL:-$PG_DEFAULT_URL}" rc
  pg_probe "$url"
  rc=$?
  if [ $rc = 0 ]; then
    export TEST_DATABASE_URL="$url"
    echo "PostgreSQL: using the server that answers at $url"
    return 0
  fi
  if [ $rc = 3 ] && [ -n "${TEST_DATABASE_URL:-}" ]; then
    echo "PostgreSQL at TEST_DATABASE_URL=$url answers but refuses the tests (above); fix the URL or unset it" >&2
    return 1
  fi
  local why="nothing answers at $url"
  [ $rc = 3 ] && why="the server at $url refuses the tests"
  pg_start_throwaway || { pg_stop; return 1; }
  echo "PostgreSQL: $why; started a throw-away cluster at $TEST_DATABASE_URL (in $PG_TMP, removed at the end)"
}

# Stops the throw-away cluster (if this run started one) and removes its directory. Idempotent.
pg_stop() {
  [ -n "$PG_TMP" ] || return 0
  if [ -f "$PG_TMP/data/postmaster.pid" ]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_TMP"
  echo "PostgreSQL: throw-away cluster stopped and removed"
  PG_TMP=''
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ $# -gt 0 ]; then
  trap pg_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  pg_ensure || exit 1
  "$@"
  exit $?
fi
