#!/usr/bin/env bash
# Installs what hearth needs on a Debian/Ubuntu machine, idempotently:
# system packages (LXC, squashfs tools, a static busybox, newuidmap), the subordinate id range
# unprivileged containers map to, and the npm dependencies. Safe to run again and again.
set -euo pipefail
cd "$(dirname "$0")/.."

# gcc + libc6-dev: the tests build a small static helper (test/fixtures/usock.c) for their images.
# debootstrap: Debian-based images (the notes example's PostgreSQL and Node).
# e2fsprogs: mkfs.ext4 for each service's scratch disk. git: the upgrade test builds the commit before format 2.
# nftables: hearth's firewall (its own table) on the service bridge.
# openssl: hearth's local certificate authority and the certificates of TLS interfaces.
# restic: the backup engine (encrypted, deduplicated repositories; host/src/backup/).
# zstd: bench/backup.ts compares hearth's backups with `tar | zstd`.
# podman + skopeo: test/kube plays an exported package with `podman kube play` from its exported OCI images.
# chromium: the dashboard's browser tests (test/web) drive Debian's Chromium with playwright-core; no browser download.
PACKAGES=(lxc squashfs-tools busybox-static uidmap util-linux iproute2 curl file coreutils gcc libc6-dev debootstrap e2fsprogs git nftables openssl restic zstd chromium podman skopeo)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing system packages: ${missing[*]}; run as root: sudo bash scripts/setup.sh" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Unprivileged containers map root to 100000..165535 (ARCHITECTURE.md); newuidmap refuses without these lines.
if [ "$(id -u)" -eq 0 ]; then
  for f in /etc/subuid /etc/subgid; do
    touch "$f"
    grep -q '^root:100000:65536$' "$f" || echo 'root:100000:65536' >> "$f"
  done
fi

# npm dependencies, only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
