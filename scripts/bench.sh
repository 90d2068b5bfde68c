#!/usr/bin/env bash
# Benchmarks (npm run bench): each prints a table of medians, with ratios against a baseline
# measured in the same run. Needs root, like the integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Podman, for the side-by-side comparison only (bench/podman-compare.ts says so if it cannot run).
if ! command -v podman >/dev/null; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >/dev/null || true; fi
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
