#!/usr/bin/env bash
# Stops the hearthd that `npm run demo` started; hearthd stops its services and unmounts on SIGTERM.
set -euo pipefail
PIDFILE=/run/hearth/hearthd.pid
if [ ! -f "$PIDFILE" ] || ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "demo-stop: no hearthd started by the demo is running"
  exit 0
fi
pid=$(cat "$PIDFILE")
kill -TERM "$pid"
for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then echo "demo-stop: hearthd (pid $pid) did not stop within 60 s" >&2; exit 1; fi
rm -f "$PIDFILE"
echo "hearthd stopped; services stopped (they start again with the next hearthd)"
