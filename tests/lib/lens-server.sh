# A real lens-server for the JVM test runners (tests/kotlin/run.sh, tests/android/run.sh):
# a fresh SQLite database in a work directory, one technician, a free loopback port.
# Sourced, not run; needs target/release/lens-server.
#
#   lens_server_start WORK [SERVE ARGS...]  adds the technician, starts `serve` with the extra
#                                           arguments, and exports LENS_SERVER_URL and
#                                           LENS_TECHNICIAN_{EMAIL,NAME,PASSWORD}; returns 1
#                                           (with the server's log on stderr) if it did not start
#   lens_server_stop                        stops it (safe to call twice, or before a start)
#   lens_server_log                         prints the server's log

LENS_SERVER_BIN=${LENS_SERVER_BIN:-target/release/lens-server}
LENS_SERVER_PID=
LENS_SERVER_LOG=

lens_server_start() {
  local work=$1 port
  shift
  export LENS_TECHNICIAN_EMAIL=tess@example.com
  export LENS_TECHNICIAN_NAME="Tess Technician"
  export LENS_TECHNICIAN_PASSWORD="correct horse battery staple"
  local database="sqlite://$work/lens.db?mode=rwc"
  LENS_SERVER_LOG=$work/server.log
  "$LENS_SERVER_BIN" add-technician --database "$database" --email "$LENS_TECHNICIAN_EMAIL" \
    --name "$LENS_TECHNICIAN_NAME" --password "$LENS_TECHNICIAN_PASSWORD" >/dev/null || return 1
  # A free port: the links the server hands out carry it, so it must be known before start.
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    RUST_LOG=${RUST_LOG:-warn} "$LENS_SERVER_BIN" serve --database "$database" \
      --bind "127.0.0.1:$port" --public-url "http://127.0.0.1:$port" "$@" >"$LENS_SERVER_LOG" 2>&1 &
    LENS_SERVER_PID=$!
    for _ in $(seq 100); do
      if grep -q "listening on" "$LENS_SERVER_LOG"; then
        export LENS_SERVER_URL="http://127.0.0.1:$port"
        return 0
      fi
      kill -0 "$LENS_SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    lens_server_stop
  done
  lens_server_log >&2
  return 1
}

lens_server_stop() {
  if [ -n "$LENS_SERVER_PID" ]; then
    kill "$LENS_SERVER_PID" 2>/dev/null || true
    wait "$LENS_SERVER_PID" 2>/dev/null || true
    LENS_SERVER_PID=
  fi
}

lens_server_log() {
  [ -s "$LENS_SERVER_LOG" ] && cat "$LENS_SERVER_LOG"
  return 0
}
