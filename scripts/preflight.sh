#!/usr/bin/env bash
# Refuses, before any test runs, a machine where integration tests could not run: they would
# otherwise be skipped and CI would pass without them. Run by scripts/test.sh after setup.sh.
set -euo pipefail

problems=()
[ "$(id -u)" -eq 0 ] || problems+=("not root (uid $(id -u)): containers, mounts and cgroups need root; run: sudo npm test")

# Every program hearthd, the pack tool or a test runs (scripts/setup.sh installs them).
TOOLS=(lxc-start lxc-stop lxc-ls lxc-info lxc-attach mksquashfs unsquashfs newuidmap newgidmap unshare nsenter mount umount
  ip nft bridge sysctl openssl curl file tar sha256sum gcc debootstrap mkfs.ext4 git chroot chromium restic setpriv podman skopeo)
for tool in "${TOOLS[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || problems+=("missing program: $tool")
done
# Images copy /bin/busybox into roots without libraries: it must be the static build (busybox-static).
if [ ! -x /bin/busybox ]; then
  problems+=("missing /bin/busybox (the static build, package busybox-static)")
elif ! file -L /bin/busybox | grep -q 'statically linked'; then
  problems+=("/bin/busybox is not statically linked: install busybox-static")
fi
# gcc -static needs the static libc (libc6-dev).
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || [ -n "$(find /usr/lib -name libc.a -print -quit 2>/dev/null)" ] || problems+=("missing static libc (libc.a, package libc6-dev)")
# Limits and each daemon's own cgroup use the cgroup v1 controllers (ARCHITECTURE.md: State, logs, limits).
for controller in memory pids cpuacct; do
  [ -f "/sys/fs/cgroup/$controller/cgroup.procs" ] || problems+=("no cgroup v1 $controller hierarchy at /sys/fs/cgroup/$controller")
done
grep -q '^root:100000:65536$' /etc/subuid 2>/dev/null || problems+=("/etc/subuid has no line root:100000:65536 (scripts/setup.sh adds it)")

if [ ${#problems[@]} -gt 0 ]; then
  echo "npm test refuses to run: integration tests would be skipped, not run." >&2
  printf '  - %s\n' "${problems[@]}" >&2
  echo "Install what is missing with: sudo bash scripts/setup.sh" >&2
  exit 1
fi
