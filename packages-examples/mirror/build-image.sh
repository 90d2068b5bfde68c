#!/usr/bin/env bash
# Builds this package's only image: busybox (httpd, nc, sh) and fetch.sh, in ./image.
# Idempotent; needs busybox-static (bash scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")"
busybox=/bin/busybox
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
  echo "build-image: $busybox is not a static busybox; apt-get install busybox-static" >&2
  exit 1
fi
rm -rf image.tmp
mkdir -p image.tmp/{bin,etc,tmp,data}
cp "$busybox" image.tmp/bin/busybox
# nc, not wget: the static busybox's wget crashes in an image without a libc.
for applet in sh httpd nc sed head tail wc tr cat dirname mv rm mkdir cp test printf; do ln -s busybox "image.tmp/bin/$applet"; done
install -m 0755 fetch.sh image.tmp/bin/mirror-fetch
printf 'root:x:0:0:root:/root:/bin/sh\n' > image.tmp/etc/passwd
printf 'root:x:0:\n' > image.tmp/etc/group
# What the mirror serves until its first fetch.
mkdir -p image.tmp/share
cat > image.tmp/share/empty.html <<'HTML'
<!doctype html>
<html><head><title>Nothing mirrored yet</title></head>
<body><h1>Nothing mirrored yet</h1><p>Fetch a page: <code>hearth action mirror fetch --input url=http://example.com/</code></p></body></html>
HTML
rm -rf image
mv image.tmp image
