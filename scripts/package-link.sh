#!/usr/bin/env bash
# Makes the desktop entry in make package's bundle the handler of the app's
# own link: fyne package writes Exec=kantata-connect %u (FyneApp.toml's
# ExecParams) but can't add a URL scheme's MimeType without turning %u into
# %F, so it is added here, inside [Desktop Entry].
# Usage: scripts/package-link.sh "dist/Kantata Connect.tar.xz"
set -euo pipefail
bundle=$1
# The scheme is oauth.AppLinkScheme; linkhandler's tests check this line.
mime_type="MimeType=x-scheme-handler/com.kantataconnect.desktop;"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xJf "$bundle" -C "$work"
mapfile -t entries < <(find "$work" -path '*/share/applications/*.desktop')
[ "${#entries[@]}" -eq 1 ] || { echo "package-link: want one desktop entry in $bundle, found ${#entries[@]}" >&2; exit 1; }
entry=${entries[0]}
grep -q '^Exec=.* %u$' "$entry" || { echo "package-link: the desktop entry's Exec line has no %u" >&2; exit 1; }
grep -q '^MimeType=' "$entry" && { echo "package-link: the desktop entry already has a MimeType" >&2; exit 1; }
sed -i "/^Exec=/a $mime_type" "$entry"
tar -cJf "$bundle.tmp" -C "$work" .
mv -f "$bundle.tmp" "$bundle"
