#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages named as arguments when any is missing:
# directly as root, through sudo otherwise. Elsewhere it only says what is
# needed. Usage: scripts/install-deps.sh gcc libgl1-mesa-dev ...
set -euo pipefail

if [ "$(uname -s)" != Linux ] || ! command -v dpkg-query >/dev/null 2>&1; then
	exit 0 # macOS, Windows, non-Debian Linux: the README lists what they need.
fi

missing=()
for pkg in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$pkg")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
	sudo=(sudo)
else
	echo "Cannot install packages: not root and no usable sudo." >&2
	echo "Install them yourself, then run make again:" >&2
	echo "  sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q "${missing[@]}"
