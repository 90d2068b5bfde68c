#!/usr/bin/env bash
# Builds what the images add: the app bundled to two CommonJS files for Debian's Node (18), and the
# busybox tools image. The Debian images themselves are built by hearth-pack from their recipes.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p build/app
for entry in server migrate export; do
  # --minify drops the path comments, so the bundle (and the cached image) is the same wherever it is built.
  npx --no-install esbuild "app/$entry.ts" --bundle --minify --platform=node --format=cjs --target=node18 \
    --external:pg-native --log-level=warning --outfile="build/app/$entry.cjs"
done
rm -rf build/tools.tmp
mkdir -p build/tools.tmp/{bin,etc,tmp}
cp /bin/busybox build/tools.tmp/bin/busybox
for applet in sh mkdir chmod ls echo; do ln -s busybox "build/tools.tmp/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' > build/tools.tmp/etc/passwd
rm -rf build/tools
mv build/tools.tmp build/tools
