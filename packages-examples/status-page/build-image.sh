#!/usr/bin/env bash
# Builds this package's only image: busybox (httpd, nc, sh) and check.sh, in ./image.
# Idempotent; needs busybox-static (bash scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")"
busybox=/bin/busybox
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
  echo "build-image: $busybox is not a static busybox; apt-get install busybox-static" >&2
  exit 1
fi
rm -rf image.tmp
mkdir -p image.tmp/{bin,etc,tmp}
cp "$busybox" image.tmp/bin/busybox
# nc, not wget: the static busybox's wget crashes in an image without a libc.
for applet in sh httpd nc date sleep printf sed tr head mv test; do ln -s busybox "image.tmp/bin/$applet"; done
install -m 0755 check.sh image.tmp/bin/check
printf 'root:x:0:0:root:/root:/bin/sh\n' > image.tmp/etc/passwd
printf 'root:x:0:\n' > image.tmp/etc/group
rm -rf image
mv image.tmp image
