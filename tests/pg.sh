#!/bin/bash
# A throwaway PostgreSQL cluster for tests and benchmarks, from Debian's `postgresql` package.
#
#   tests/pg.sh start DIR   initdb into DIR (created), start it, print its URL on stdout
#   tests/pg.sh url DIR     print the URL of the cluster in DIR
#   tests/pg.sh stop DIR    stop it and delete DIR
#
# It listens only on a unix socket inside DIR (no TCP port at all), so it works from inside
# the loopback-only network namespace (tests/netns.sh) as well as outside, and several
# clusters on one machine never collide. PostgreSQL refuses to run as root, so the cluster
# runs as the unprivileged `postgres` user the package creates (or `nobody`).
#
# synchronous_commit=off is PostgreSQL's equivalent of the SQLite default (WAL with
# synchronous=NORMAL): a crash can lose the last commits, never corrupt the data. So the
# benchmarks compare the two engines at the same durability.
set -euo pipefail

command=${1:?usage: tests/pg.sh start|url|stop DIR}
dir=${2:?usage: tests/pg.sh start|url|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
owner=postgres
id -u "$owner" >/dev/null 2>&1 || owner=nobody
as_owner() { setpriv --reuid="$owner" --regid="$(id -g "$owner")" --clear-groups -- "$@"; }

url() {
  # `host=` with a directory selects the unix socket (sqlx and libpq alike).
  echo "postgres://lens@localhost:5432/postgres?host=$dir"
}

case "$command" in
  start)
    mkdir -p "$dir"
    chown "$owner" "$dir"
    chmod 0755 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U lens --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-c listen_addresses='' -c unix_socket_directories='$dir' -c port=5432 \
       -c max_connections=200 -c synchronous_commit=off -c shared_buffers=64MB" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    url
    ;;
  url) url ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: tests/pg.sh start|url|stop DIR" >&2; exit 2 ;;
esac
