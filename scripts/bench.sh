#!/usr/bin/env bash
# Benchmarks (npm run bench): each prints a table of medians, with ratios against a baseline
# measured in the same run. Needs root, like the integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Podman, for the side-by-side comparisons only (bench/podman-compare.ts says so if it cannot run);
# runc and catatonit (--init) as podman-compare.ts runs it; network.ts runs it on a bridge network: netavark and
# aardvark-dns (Debian 12's podman recommends them; a machine with --no-install-recommends lacks them).
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || [ ! -x /usr/libexec/podman/catatonit ] || [ ! -x /usr/lib/podman/aardvark-dns ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc catatonit netavark aardvark-dns >/dev/null || true; fi
npx tsc -b
node scripts/build-base.mjs
node bench/dist/bench/start-to-ready.js
node bench/dist/bench/start-profile.js
node bench/dist/bench/runtime-start.js
node bench/dist/bench/daemons-scale.js
node bench/dist/bench/host-overhead.js
node bench/dist/bench/archive-throughput.js
node bench/dist/bench/podman-compare.js
node bench/dist/bench/network.js
node bench/dist/bench/dashboard.js
node bench/dist/bench/backup.js
node bench/dist/bench/registry.js
