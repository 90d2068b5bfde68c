#!/bin/sh
# Asks http://$TARGET_HOST:$TARGET_PORT/ every $INTERVAL_S seconds and writes what it saw to
# $PAGE_DIR/index.html (whole, by rename: httpd never serves half a page).
set -u
page="$PAGE_DIR/index.html"
html_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'; }

while :; do
  checked=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
  # HTTP/1.0: the server closes the connection after its answer. -w: give up on a silent peer.
  reply=$(printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$TARGET_HOST" | nc -w "$TIMEOUT_S" "$TARGET_HOST" "$TARGET_PORT" 2>&1 | head -c 4096 | tr -d '\r')
  status_line=$(printf '%s\n' "$reply" | head -n 1)
  case $status_line in
    HTTP/1.*)
      state=up
      detail="It answered <code>$(printf '%s' "$status_line" | html_escape)</code> with:<pre>$(printf '%s\n' "$reply" | sed '1,/^$/d' | html_escape)</pre>" ;;
    *)
      state=down
      detail="No answer within ${TIMEOUT_S} s.${reply:+<pre>$(printf '%s' "$reply" | html_escape)</pre>}" ;;
  esac
  cat > "$page.tmp" <<HTML
<!doctype html>
<html><head><title>$TARGET_NAME is $state</title><meta http-equiv="refresh" content="$INTERVAL_S"></head>
<body><h1 id="state">$TARGET_NAME is $state</h1>
<p>Checked <code>http://$TARGET_HOST:$TARGET_PORT/</code> at <time id="checked">$checked</time>; again every $INTERVAL_S s.</p>
$detail
</body></html>
HTML
  mv "$page.tmp" "$page"
  sleep "$INTERVAL_S"
done
