#!/usr/bin/env bash
# Builds this package's only image: a busybox root filesystem with a web page, in ./image.
# Idempotent; needs busybox-static (bash scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")"
busybox=/bin/busybox
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
  echo "build-image: $busybox is not a static busybox; apt-get install busybox-static" >&2
  exit 1
fi
rm -rf image.tmp
mkdir -p image.tmp/{bin,etc,www,data,tmp}
cp "$busybox" image.tmp/bin/busybox
for applet in sh httpd ls cat echo date; do ln -s busybox "image.tmp/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www:/www:/bin/false\n' > image.tmp/etc/passwd
printf 'root:x:0:\nwww-data:x:33:\n' > image.tmp/etc/group
cat > image.tmp/www/index.html <<'HTML'
<!doctype html>
<html><head><title>Hello from hearth</title></head>
<body><h1>Hello from hearth</h1><p>Served by busybox httpd, chrooted into its image, inside an LXC container.</p></body></html>
HTML
rm -rf image
mv image.tmp image
