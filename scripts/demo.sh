#!/usr/bin/env bash
# The main job (npm run demo): build everything, pack the example packages, start hearthd on its
# default data dir and socket, install and start the examples, and show them running and
# reachable. Leaves the services running; `npm run demo:stop` stops hearthd and them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: hearth runs containers and mounts filesystems; run as root (sudo npm run demo)" >&2
  exit 1
fi
bash scripts/setup.sh
npx tsc -b
node scripts/build-cli.mjs
node web/build.mjs
node scripts/build-base.mjs

SOCKET=${HEARTH_SOCKET:-/run/hearth/hearthd.sock}
PIDFILE=/run/hearth/hearthd.pid
LOG=/var/log/hearth/hearthd.log
KEY=.hearth-keys/dev.pem
hearth() { node host/dist/cli/bundle/hearth.js --socket "$SOCKET" "$@"; }

mkdir -p .hearth-keys build/packages /run/hearth /var/log/hearth
[ -f "$KEY" ] || node sdk/dist/pack/cli.js keygen --out "$KEY"

# Each example: its build script, then hearth-pack. The notes example's Debian images take a
# minute or two the first time (debootstrap); after that they come from the pack cache.
for spec in hello-world:build-image.sh status-page:build-image.sh notes:build.sh; do
  pkg=${spec%%:*}
  echo "== packing packages-examples/$pkg"
  bash "packages-examples/$pkg/${spec#*:}"
  node sdk/dist/pack/cli.js "packages-examples/$pkg" --key "$KEY" --out "build/packages/$pkg.hpk"
done

if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "== hearthd already running (pid $(cat "$PIDFILE"))"
else
  echo "== starting hearthd (data dir /var/lib/hearth, log $LOG)"
  setsid node host/dist/hearthd.js --socket "$SOCKET" </dev/null >>"$LOG" 2>&1 &
  echo $! > "$PIDFILE"
  for _ in $(seq 1 100); do [ -S "$SOCKET" ] && break; sleep 0.1; done
  [ -S "$SOCKET" ] || { echo "demo: hearthd did not start; see $LOG" >&2; tail -5 "$LOG" >&2; exit 1; }
fi

urls=()
# The demo signs with its own key; trust it on this host (idempotent).
hearth trust add "$KEY" --name "demo key" >/dev/null

# In install order: a dependency before what depends on it (status-page depends on hello-world).
examples=(hello-world status-page notes)
# The fresh builds are installed anew (volumes are kept); dependents are uninstalled first, since a
# package stays installed while another depends on it.
for ((i = ${#examples[@]} - 1; i >= 0; i--)); do
  pkg=${examples[i]}
  if hearth status "$pkg" >/dev/null 2>&1; then
    echo "== $pkg is installed; reinstalling the fresh build (volumes are kept)"
    hearth uninstall "$pkg" >/dev/null
  fi
done

for pkg in "${examples[@]}"; do
  echo "== installing and starting $pkg"
  hearth install "build/packages/$pkg.hpk"
  hearth start "$pkg"
  url=$(hearth --json status "$pkg" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).interfaces[0].url))')
  echo "== GET $url"
  curl -fsS "$url" | head -c 300
  echo
  urls+=("$pkg is running at $url")
done
echo
hearth ls
echo
printf '%s\n' "${urls[@]}"
echo
# The dashboard (hearthd --web, 127.0.0.1:8380 by default): the first visit sets its password with this code.
echo "The web dashboard is at http://127.0.0.1:8380/"
if [ -f /var/lib/hearth/web/setup-code ]; then
  echo "  first visit: enter the setup code $(cat /var/lib/hearth/web/setup-code) and choose a password"
else
  echo "  sign in with the password you set (forgot it? sudo rm /var/lib/hearth/web/password.json and restart hearthd for a new setup code)"
fi
echo
echo "hearthd keeps running (pid $(cat "$PIDFILE")). Stop it and its services with: sudo npm run demo:stop"
