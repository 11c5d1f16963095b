#!/usr/bin/env bash
# Builds Kantata Connect for Windows on Linux (make windows) into OUTDIR
# (default dist/windows):
#   Kantata Connect.exe        the window (GUI subsystem: no console window)
#   kantata-connect.exe        the command line (console subsystem), for cmd
#                              and PowerShell; with no command it starts the
#                              window's program and exits
#   software-opengl\          a copy of the window's program beside Mesa's
#                              software OpenGL (opengl32.dll,
#                              libgallium_wgl.dll, Mesa licence.txt), which
#                              the window's program starts when the
#                              computer's own OpenGL can't draw it
#   Kantata Connect Setup.exe  the per-user installer (NSIS)
# Both programs are built from the same code with cgo and mingw-w64, and carry
# the icon, version information and manifest made here from FyneApp.toml.
# Usage: scripts/windows-build.sh [OUTDIR]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist/windows}

for tool in x86_64-w64-mingw32-gcc x86_64-w64-mingw32-windres makensis convert go; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "windows-build: '$tool' is missing; install it with: apt-get install -y gcc-mingw-w64-x86-64 nsis imagemagick (make windows does)" >&2
		exit 1
	fi
done

# toml KEY: a value from FyneApp.toml, quotes removed.
toml() {
	sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\{0,1\}\([^\"]*\)\"\{0,1\}[[:space:]]*$/\1/p" "$root/FyneApp.toml" | head -n1
}
name=$(toml Name)
id=$(toml ID)
version=$(toml Version)
build=$(toml Build)
website=$(toml Website)
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ && $build =~ ^[0-9]+$ ]]; then
	echo "windows-build: FyneApp.toml must hold Version = \"X.Y.Z\" and Build = N (found '$version', '$build')" >&2
	exit 1
fi
IFS=. read -r major minor patch <<<"$version"
numeric="$major.$minor.$patch.$build"

work=$(mktemp -d "${TMPDIR:-/tmp}/kantata-connect-windows.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The icon, every size Explorer and the taskbar ask for.
convert "$root/assets/icon.png" -define icon:auto-resize=256,64,48,32,24,16 "$work/app.ico"
# The installer's welcome and finish pages show the app's own picture (NSIS
# would show its stock one).
"$root/scripts/installer-picture.sh" "$work/welcome.bmp"

# The manifest: run as the user (never ask for elevation), declare Windows
# 10/11, per-monitor DPI awareness and long paths.
sed -e "s/@ID@/$id/" -e "s/@VERSION@/$numeric/" "$root/packaging/windows/app.manifest" >"$work/app.manifest"

# resources FILE DESCRIPTION: the icon, manifest and version information of
# one program, compiled to an object the linker adds.
resources() {
	local file=$1 description=$2 base=${1%.exe}
	base=${base// /-}
	cat >"$work/$base.rc" <<RC
#include <winver.h>
1 ICON "app.ico"
1 24 "app.manifest"
1 VERSIONINFO
FILEVERSION $major,$minor,$patch,$build
PRODUCTVERSION $major,$minor,$patch,$build
FILEFLAGSMASK VS_FFI_FILEFLAGSMASK
FILEFLAGS 0
FILEOS VOS_NT_WINDOWS32
FILETYPE VFT_APP
FILESUBTYPE VFT2_UNKNOWN
BEGIN
	BLOCK "StringFileInfo"
	BEGIN
		BLOCK "040904b0"
		BEGIN
			VALUE "CompanyName", "$name"
			VALUE "FileDescription", "$description"
			VALUE "FileVersion", "$version (build $build)"
			VALUE "InternalName", "kantata-connect"
			VALUE "OriginalFilename", "$file"
			VALUE "ProductName", "$name"
			VALUE "ProductVersion", "$version"
			VALUE "Comments", "$website"
		END
	END
	BLOCK "VarFileInfo"
	BEGIN
		VALUE "Translation", 0x409, 1200
	END
END
RC
	(cd "$work" && x86_64-w64-mingw32-windres -O coff -i "$base.rc" -o "$base.res.o")
	echo "$work/$base.res.o"
}

# program FILE DESCRIPTION [LDFLAGS]: builds one program. External linking,
# so mingw's linker adds the resources object; -trimpath and -s -w keep this
# machine's paths and the debug tables out of what users get.
program() {
	local file=$1 description=$2 extra=${3:-} res
	res=$(resources "$file" "$description")
	echo "Building $out/$file"
	(cd "$root" && CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
		go build -trimpath -ldflags "-s -w $extra -linkmode=external -extldflags=$res" -o "$out/$file" .)
}

program "$name.exe" "$name" -H=windowsgui
program kantata-connect.exe "$name (command line)"

# Mesa's software OpenGL, built once (scripts/mesa-windows.sh caches it
# outside the clone), and the copy of the window's program that loads it.
mesa=$("$root/scripts/mesa-windows.sh")
soft=$out/software-opengl
rm -rf "$soft"
mkdir -p "$soft"
cp "$out/$name.exe" "$soft/$name.exe"
cp "$mesa/opengl32.dll" "$mesa/libgallium_wgl.dll" "$mesa/Mesa licence.txt" "$soft/"

echo "Building $out/$name Setup.exe"
makensis -V2 -WX -INPUTCHARSET UTF8 \
	-DNAME="$name" -DID="$id" -DVERSION="$version" -DBUILD="$build" -DNUMERIC_VERSION="$numeric" \
	-DWEBSITE="$website" -DICON="$work/app.ico" -DWELCOME_BITMAP="$work/welcome.bmp" -DSRCDIR="$out" -DOUTFILE="$out/$name Setup.exe" \
	"$root/packaging/windows/installer.nsi"
echo "Wrote $out: $name.exe, kantata-connect.exe, software-opengl\\, $name Setup.exe"
