#!/bin/sh
# mirror-fetch URL: fetch an http:// URL into $SITE_DIR/index.html, which the web daemon serves.
# The served copy is replaced only by a complete 200 answer. Prints the body's size in bytes.
# Exit codes (the action turns them into messages): 2 bad URL, 3 no connection, 4 an answer that is not a page.
set -u
url=${1:-}
site=${SITE_DIR:?}
incoming=$(dirname "$site")/.incoming.$$
trap 'rm -f "$incoming" "$incoming.body" "$incoming.err"' EXIT

# No TLS in busybox: http only. No whitespace or control characters: they would end the request line.
case $url in
  http://*) ;;
  *) echo "only http:// URLs can be fetched, not $url" >&2; exit 2 ;;
esac
case $url in
  *[[:space:][:cntrl:]]*) echo "the URL has a space or control character in it" >&2; exit 2 ;;
esac
rest=${url#http://}
rest=${rest%%#*}
authority=${rest%%/*}
case $rest in */*) path=/${rest#*/} ;; *) path=/ ;; esac
case $authority in
  *:*) host=${authority%:*}; port=${authority##*:} ;;
  *) host=$authority; port=80 ;;
esac
case $host in ''|*[!A-Za-z0-9.-]*) echo "not a host name or IPv4 address: '$host'" >&2; exit 2 ;; esac
case $port in ''|*[!0-9]*) echo "not a port: '$port'" >&2; exit 2 ;; esac

# HTTP/1.0: the server closes the connection after its answer. -w: give up on a silent peer.
# One byte over the limit tells a page that is too large from one that fits.
printf 'GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: hearth-mirror\r\n\r\n' "$path" "$authority" \
  | nc -w "$TIMEOUT_S" "$host" "$port" 2>"$incoming.err" | head -c "$((MAX_BYTES + 1))" > "$incoming"
if [ ! -s "$incoming" ]; then
  err=$(cat "$incoming.err")
  echo "no answer from $host:$port${err:+ ($err)}" >&2
  exit 3
fi
if [ "$(wc -c < "$incoming")" -gt "$MAX_BYTES" ]; then
  echo "the answer is larger than $MAX_BYTES bytes; nothing was replaced" >&2
  exit 4
fi
status_line=$(head -n 1 "$incoming" | tr -d '\r')
case $status_line in
  'HTTP/1.'?' 200'*) ;;
  *) echo "$host:$port answered '$status_line', not 200 OK; nothing was replaced" >&2; exit 4 ;;
esac
# The body starts after the first empty line; taken by byte count so a binary page stays intact.
header_bytes=$(sed '/^\r\{0,1\}$/q' "$incoming" | wc -c)
tail -c "+$((header_bytes + 1))" "$incoming" > "$incoming.body"
mkdir -p "$site"
mv "$incoming.body" "$site/index.html"
wc -c < "$site/index.html"
