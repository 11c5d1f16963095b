#!/usr/bin/env bash
# Writes the picture the Windows installer shows on its welcome and finish
# pages: the app's icon on white, 164x314, a 24-bit BMP (what NSIS takes).
# Usage: scripts/installer-picture.sh OUT.bmp
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
convert -size 164x314 xc:white \( "$root/assets/icon.png" -resize 128x128 \) -gravity center \
	-composite -type TrueColor BMP3:"$1"
