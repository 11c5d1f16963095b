#!/usr/bin/env bash
# Runs a command and, while it runs, prints a line every 30 seconds so a long
# quiet step (the first build of Fyne's C code takes minutes) is not mistaken
# for a hang. Usage: scripts/with-progress.sh "Building" go build ./...
set -euo pipefail
label=$1
shift
start=$(date +%s)
(
	while sleep 30; do
		echo "$label… still working ($(($(date +%s) - start))s)"
	done
) &
ticker=$!
trap 'kill "$ticker" 2>/dev/null || true' EXIT
"$@"
