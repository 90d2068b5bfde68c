#!/usr/bin/env bash
# The one test command (npm test): installs what is missing, type-checks, lints, builds the base
# rootfs, and runs every unit, integration and end-to-end test. Integration tests need root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -b
npx eslint .
node scripts/build-base.mjs
npx vitest run "$@"
