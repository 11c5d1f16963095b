#!/usr/bin/env bash
# Starts the app on the current (virtual) display with a throw-away records
# folder, waits until the window is painted and writes a PNG of it.
# Usage: scripts/screenshot.sh BINARY OUT.png
set -euo pipefail
binary=$1
out=$2
for tool in xdotool import; do
	command -v "$tool" >/dev/null || { echo "screenshot: '$tool' missing: apt-get install -y xdotool imagemagick" >&2; exit 1; }
done
config=$(mktemp -d)
KANTATA_CONNECT_CONFIG_DIR="$config" "$binary" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$config"' EXIT

window=""
for _ in $(seq 1 100); do
	window=$(xdotool search --sync --onlyvisible --name "^Kantata Connect$" 2>/dev/null | head -n1) && [ -n "$window" ] && break
	sleep 0.2
done
[ -n "$window" ] || { echo "screenshot: the window never appeared" >&2; exit 1; }
# A mapped window may not be painted yet: wait until two captures agree and
# the window is not a single flat colour.
mkdir -p "$(dirname "$out")"
prev=""
for _ in $(seq 1 50); do
	sleep 0.3
	import -window "$window" "$out.tmp.png"
	colours=$(convert "$out.tmp.png" -format %k info:)
	sum=$(md5sum <"$out.tmp.png")
	if [ "$colours" -gt 10 ] && [ "$sum" = "$prev" ]; then
		break
	fi
	prev=$sum
done
mv "$out.tmp.png" "$out"
echo "Wrote $out"
