#!/usr/bin/env bash
# Runs a command the way `make test` runs the tests: inside a private D-Bus
# session with a GNOME Keyring unlocked in a throw-away HOME, and with Xvfb on a
# free display. Usage: scripts/test-env.sh go test ./...
set -euo pipefail

if [ "${KC_TEST_ENV_INNER:-}" != 1 ]; then
	for tool in dbus-run-session gnome-keyring-daemon Xvfb; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "test-env: '$tool' is missing; install it with: apt-get install -y gnome-keyring dbus-x11 xvfb" >&2
			exit 1
		fi
	done
	# Keep the real module and build caches: the throw-away HOME would
	# otherwise re-download every module and rebuild Fyne's C code.
	GOPATH=$(go env GOPATH) GOMODCACHE=$(go env GOMODCACHE) GOCACHE=$(go env GOCACHE)
	export GOPATH GOMODCACHE GOCACHE
	# Likewise the project's own cache (Mesa for Windows, scripts/mesa-windows.sh).
	KANTATA_CONNECT_CACHE=${KANTATA_CONNECT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kantata-connect}
	export KANTATA_CONNECT_CACHE
	tmp_home=$(mktemp -d "${TMPDIR:-/tmp}/kantata-connect-test.XXXXXX")
	trap 'rm -rf "$tmp_home"' EXIT
	mkdir -m 700 "$tmp_home/run"
	# Not exec: the trap must run to remove the throw-away HOME.
	HOME="$tmp_home" XDG_DATA_HOME="$tmp_home/.local/share" XDG_CONFIG_HOME="$tmp_home/.config" \
		XDG_RUNTIME_DIR="$tmp_home/run" KC_TEST_ENV_INNER=1 \
		dbus-run-session -- "$0" "$@"
	exit $?
fi

# Unlock a fresh login keyring with a throw-away password. The daemon
# outlives the D-Bus session, so ask the bus for its process to stop it at exit.
echo -n "kantata-connect-test" | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
# It may take its bus name a moment after --daemonize returns.
keyring_pid=""
for _ in $(seq 1 50); do
	keyring_pid=$(dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null | awk '{print $2}' || true)
	[ -n "$keyring_pid" ] && break
	sleep 0.1
done

# Xvfb on a free display it picks itself (-displayfd): checking for a free
# number and starting the server in two steps races with other test runs,
# and the loser would use the winner's display until the winner exits.
# -noreset: by default the server resets when its last client leaves, and
# a program connecting during the reset fails with "cannot open display".
displayfile=$(mktemp "${TMPDIR:-/tmp}/kantata-connect-display.XXXXXX")
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -noreset 3>"$displayfile" >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" ${keyring_pid:+"$keyring_pid"} 2>/dev/null || true; rm -f "$displayfile"' EXIT
for _ in $(seq 1 100); do
	[ -s "$displayfile" ] && break
	if ! kill -0 "$xvfb_pid" 2>/dev/null; then
		echo "test-env: Xvfb did not start" >&2
		exit 1
	fi
	sleep 0.1
done
display=":$(tr -d '[:space:]' <"$displayfile")"
if [ "$display" = ":" ]; then
	echo "test-env: Xvfb reported no display within 10 seconds" >&2
	exit 1
fi
export DISPLAY="$display"
export KANTATA_CONNECT_TEST_ENV=1

"$@"
