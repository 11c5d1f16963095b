#!/usr/bin/env bash
# Writes the README's screenshots of the real app: it starts the binary on the
# current (virtual) display with throw-away records folders, a stand-in Kantata
# (fakekantata-server) and, as $BROWSER, a headless Chromium that clicks
# Authorize (authorize-in-chromium), and drives the window with the keyboard
# the way a user would.
#
# Usage: scripts/test-env.sh scripts/screenshots.sh [OUTDIR]   (make screenshots)
# OUTDIR defaults to docs/screenshots; BINARY (default ./kantata-connect) is
# the app; SCREENSHOTS_KEEP=1 keeps the work folder (logs, frames) for a look.
# It must run inside scripts/test-env.sh: the clients it saves put secrets in
# the keychain, and only there is the keychain a throw-away one.
set -euo pipefail

outdir=${1:-docs/screenshots}
binary=${BINARY:-./kantata-connect}
# The callback port of the shots: Kantata's default, as users see it.
port=38917

fail() {
	echo "screenshots: $*" >&2
	exit 1
}

[ "${KANTATA_CONNECT_TEST_ENV:-}" = 1 ] ||
	fail "run it through scripts/test-env.sh (make screenshots): it saves secrets in the keychain, which must be a throw-away one"
[ -n "${DISPLAY:-}" ] || fail "no DISPLAY: run it through scripts/test-env.sh (make screenshots)"
for tool in xdotool import convert compare ss go; do
	command -v "$tool" >/dev/null || fail "'$tool' missing: apt-get install -y xdotool imagemagick iproute2, and Go"
done
[ -x "$binary" ] || fail "$binary not found: build it first (make build)"

root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")

work=$(mktemp -d "${TMPDIR:-/tmp}/kantata-connect-screenshots.XXXXXX")
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	[ -n "${SCREENSHOTS_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

echo "Building the stand-in Kantata and the Authorize clicker"
(cd "$root" && go build -o "$work/bin/" ./internal/fakekantata/cmd/fakekantata-server ./internal/browsertest/cmd/authorize-in-chromium)

# The app and its command line in English without a locale warning: the
# locale library reads LANGUAGE unless LANG is exactly C.
app_env=(env LANG=C.UTF-8 LANGUAGE=en)

# cli DIR ARGS...: the command line of the same binary on records folder DIR.
cli() {
	local dir=$1
	shift
	"${app_env[@]}" "$binary" --config-dir "$dir" "$@"
}

# add_client DIR [OPTIONS]: saves the client "Kantata OX app"; the secret goes
# on standard input, never in an argument. It is made up, valid only at the
# stand-in Kantata, and fixed so the shots show the same number of dots.
secret=screenshot-secret
add_client() {
	local dir=$1
	shift
	printf '%s\n' "$secret" | cli "$dir" client add "Kantata OX app" --client-id kc-demo-client "$@" >/dev/null
}

# listening PORT: whether something listens on 127.0.0.1:PORT.
listening() {
	ss -Hltn "sport = :$1" | grep -q .
}

# wait_for WHAT SECONDS COMMAND...: runs COMMAND until it succeeds.
wait_for() {
	local what=$1 tries=$(($2 * 5))
	shift 2
	for _ in $(seq 1 "$tries"); do
		"$@" && return 0
		sleep 0.2
	done
	fail "timed out waiting for $what"
}

app_pid="" window="" app_log=""
# start_app NAME DIR BROWSER: starts the window on records folder DIR with
# $BROWSER set, and waits for it to be mapped.
start_app() {
	app_log="$work/$1.log"
	BROWSER=$3 "${app_env[@]}" "$binary" --config-dir "$2" >"$app_log" 2>&1 &
	app_pid=$!
	pids+=("$app_pid")
	window=""
	for _ in $(seq 1 100); do
		window=$(xdotool search --onlyvisible --name "^Kantata Connect$" 2>/dev/null | head -n1) && [ -n "$window" ] && break
		kill -0 "$app_pid" 2>/dev/null || { cat "$app_log" >&2; fail "the app exited"; }
		sleep 0.2
	done
	[ -n "$window" ] || fail "the window never appeared"
	# The window moves to the centre of the screen after it maps: let it
	# settle first. Without a window manager the keyboard goes to the window
	# under the pointer, so then rest the pointer on an empty part of it.
	settle >/dev/null
	xdotool mousemove --window "$window" 150 590
}

stop_app() {
	kill "$app_pid" 2>/dev/null || true
	wait "$app_pid" 2>/dev/null || true
}

# snap: captures the window to a new file and prints its path.
snap() {
	local f
	f=$(mktemp --suffix=.png "$work/frame-XXXXXX")
	import -window "$window" "$f"
	echo "$f"
}

# differ A B: how many pixels differ between two captures (a huge number
# when compare fails, so a broken capture never counts as still).
differ() {
	compare -metric AE -fuzz 2% "$1" "$2" null: 2>&1 |
		awk '$1 ~ /^[0-9.e+]+$/ { printf "%d", $1; next } { print 999999999 }'
}

ref=""
# mark: remembers the window as it is before an action.
mark() { ref=$(snap); }

# changed: waits until the last action shows on screen.
changed() {
	local f
	for _ in $(seq 1 100); do
		sleep 0.1
		f=$(snap)
		[ "$(differ "$ref" "$f")" -gt 20 ] && return 0
	done
	cat "$app_log" >&2
	fail "the window did not change after the last key press"
}

# keys and typing go to the focused widget, like a user's.
keys() { xdotool key --delay 80 "$@"; }
typed() { xdotool type --delay 30 "$1"; }

# settle [TOLERANCE]: waits until the window is painted (not one flat colour)
# and still (four captures in a row differ in at most TOLERANCE pixels: a
# blinking cursor, or a running progress bar), and prints the last capture.
settle() {
	local tolerance=${1:-100} prev="" still=0 f
	for _ in $(seq 1 100); do
		sleep 0.3
		f=$(snap)
		if [ -n "$prev" ] && [ "$(convert "$f" -format %k info:)" -gt 10 ] &&
			[ "$(differ "$prev" "$f")" -le "$tolerance" ]; then
			still=$((still + 1))
		else
			still=0
		fi
		prev=$f
		if [ "$still" -ge 3 ]; then
			echo "$f"
			return 0
		fi
	done
	fail "the window never settled"
}

# capture NAME [TOLERANCE]: writes OUTDIR/NAME.png once the window settles,
# without the capture time, so unchanged shots stay unchanged in git.
capture() {
	local f
	f=$(settle "${2:-100}")
	convert "$f" -strip "$outdir/$1.png"
	echo "Wrote $outdir/$1.png"
}

listening "$port" && fail "port $port is in use: the shots need Kantata's default callback port free"

# Tab, Tab reaches "Name your connection" in a fresh window.
type_name() {
	mark
	keys Tab Tab
	typed "Kantata production"
	changed
}

# From the name, four Tabs pass the client select, + and pencil to
# Save & authorize.
save_and_authorize() {
	mark
	keys Tab Tab Tab Tab space
	changed
}

echo "First run: the empty window, the client dialog and the filled form"
dir="$work/first-run"
start_app first-run "$dir" /bin/true
capture 01-empty
type_name
mark
keys Tab Tab space # the + button beside the client select
changed
typed "Kantata OX app"
keys Tab
typed "kc-demo-client"
keys Tab
typed "$secret"
capture 03-client-simple
mark
keys shift+Tab shift+Tab shift+Tab Right space # the View radio: HTTP
changed
capture 04-client-http
mark
keys Tab Return # back to Name, and Return saves
changed
capture 02-form
stop_app

"$work/bin/fakekantata-server" -client-id kc-demo-client -client-secret "$secret" \
	-redirect-uri "http://127.0.0.1:$port/callback" >"$work/fakekantata.out" 2>"$work/fakekantata.log" &
pids+=($!)
wait_for "the stand-in Kantata" 30 grep -q '^http' "$work/fakekantata.out"
kantata=$(head -n1 "$work/fakekantata.out")

echo "Signing in: the dialog that waits for the browser"
dir="$work/waiting"
add_client "$dir"
# /bin/true opens nothing, so the sign-in waits. This machine has no way to
# app.mavenlink.com, so the dialog would warn that Kantata can't be reached:
# naming the stand-in as the proxy lets its check connect, as on a desktop
# that can reach Kantata, the one the README's picture is for.
app_env+=(HTTPS_PROXY="$kantata")
start_app waiting "$dir" /bin/true
unset 'app_env[${#app_env[@]}-1]'
type_name
save_and_authorize
wait_for "the sign-in to listen on port $port" 30 listening "$port"
capture 05-waiting 20000 # the progress bar keeps moving
stop_app
wait_for "port $port to be free again" 30 eval '! listening "$port"'

echo "Authorized: a sign-in that a headless Chromium completes at the stand-in Kantata"
dir="$work/authorized"
add_client "$dir" --auth-url "$kantata/oauth/authorize" --token-url "$kantata/oauth/token" --api-url "$kantata"
start_app authorized "$dir" "$work/bin/authorize-in-chromium -log $work/browser.log"
type_name
save_and_authorize
wait_for "Chromium to click Authorize" 120 grep -q . "$work/browser.log"
grep -q "authorized;" "$work/browser.log" || { cat "$work/browser.log" "$app_log" >&2; fail "the browser did not authorize"; }
authorized() { cli "$dir" list --json | grep -q '"status": "authorized"'; }
wait_for "the connection to be authorized" 30 authorized
capture 06-authorized
stop_app

echo "An error: another sign-in holds the callback port"
holder="$work/port-holder"
add_client "$holder"
cli "$holder" connection add "Other sign-in" --client "Kantata OX app" >/dev/null
# Not through cli: a background function is a subshell, and killing it would
# leave the sign-in running.
"${app_env[@]}" "$binary" --config-dir "$holder" authorize "Other sign-in" --no-browser --timeout 5m \
	>"$work/port-holder.log" 2>&1 &
holder_pid=$!
pids+=("$holder_pid")
wait_for "the other sign-in to hold port $port" 30 listening "$port"
dir="$work/error"
add_client "$dir"
start_app error "$dir" /bin/true
type_name
save_and_authorize
capture 07-error
stop_app
kill "$holder_pid" 2>/dev/null || true

echo "Done: 7 screenshots in $outdir"
