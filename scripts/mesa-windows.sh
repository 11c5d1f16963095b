#!/usr/bin/env bash
# Builds Mesa's software OpenGL for Windows (the gallium WGL target with the
# softpipe renderer) with mingw-w64 from Debian's Mesa sources, for computers
# whose own OpenGL can't give the window the 2.1 it needs (remote desktops,
# virtual machines). Prints the folder that holds the result:
#   opengl32.dll         Mesa's OpenGL entry points (WGL)
#   libgallium_wgl.dll   the renderer it loads
#   Mesa licence.txt     Mesa's licence and copyright list
# The build takes about 7 minutes on 2 cores and ~300 MB of disk, so its
# result is kept outside the clone, in $KANTATA_CONNECT_CACHE (default
# ~/.cache/kantata-connect) under mesa-KEY, KEY being a checksum of the
# pinned sources and this recipe: later runs take it from there at once.
# llvmpipe is not possible here (Debian 12 has no LLVM for mingw).
# Usage: scripts/mesa-windows.sh
set -euo pipefail

# The pinned sources: Debian 12's Mesa, checked against these checksums
# after apt has checked them against Debian's signed index.
mesa_version=22.3.6-1+deb12u2
mesa_dir=mesa-22.3.6
mesa_files=(
	"737cb8e5d380ce1a0ad01fb8b74db7f27303435c353e753d2302e8cf3927bad2  mesa_22.3.6.orig.tar.gz"
	"a6045acd53bc400eafcf8b2aba94df5728378df27b6e61154784b00eaec2ec1e  mesa_22.3.6-1+deb12u2.diff.gz"
)

# Where the sources come from: this script's own apt configuration, never
# the machine's sources.
sources_list() {
	local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	cat <<EOF
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm-updates main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main
EOF
}

cross_file() {
	cat <<'EOF'
[binaries]
c = 'x86_64-w64-mingw32-gcc-posix'
cpp = 'x86_64-w64-mingw32-g++-posix'
ar = 'x86_64-w64-mingw32-ar'
strip = 'x86_64-w64-mingw32-strip'
windres = 'x86_64-w64-mingw32-windres'
pkgconfig = '/bin/false'

[built-in options]
c_link_args = ['-static', '-static-libgcc']
cpp_link_args = ['-static', '-static-libgcc', '-static-libstdc++']

[host_machine]
system = 'windows'
cpu_family = 'x86_64'
cpu = 'x86_64'
endian = 'little'
EOF
}

meson_options=(
	--buildtype=release -Db_ndebug=true --wrap-mode=nodownload
	-Dplatforms=windows -Dgallium-drivers=swrast -Dvulkan-drivers= -Dllvm=disabled
	-Dshared-glapi=disabled -Dgles1=disabled -Dgles2=disabled -Dopengl=true
	-Degl=disabled -Dgbm=disabled -Dglx=disabled -Dosmesa=false
	-Dzlib=disabled -Dzstd=disabled -Dshader-cache=disabled -Dvalgrind=disabled
	-Dlibunwind=disabled -Dlmsensors=disabled -Dbuild-tests=false
	-Dgallium-va=disabled -Dgallium-vdpau=disabled -Dgallium-xa=disabled
	-Dgallium-nine=false -Dgallium-opencl=disabled -Dgallium-omx=disabled
	-Dgallium-d3d10umd=false -Dmicrosoft-clc=disabled -Dspirv-to-dxil=false
	-Dvideo-codecs=
)
targets=(src/gallium/targets/libgl-gdi/opengl32.dll src/gallium/targets/wgl/libgallium_wgl.dll)

key=$({
	echo "$mesa_version"
	printf '%s\n' "${mesa_files[@]}" "${meson_options[@]}" "${targets[@]}"
	cross_file
} | sha256sum | cut -c1-16)
cache_root=${KANTATA_CONNECT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kantata-connect}
result=$cache_root/mesa-$key

have_result() {
	[ -s "$result/opengl32.dll" ] && [ -s "$result/libgallium_wgl.dll" ] && [ -s "$result/Mesa licence.txt" ]
}

say() { echo "mesa-windows: $*" >&2; }

if have_result; then
	echo "$result"
	exit 0
fi

missing=()
for tool in apt-get patch meson ninja bison flex glslangValidator x86_64-w64-mingw32-gcc-posix x86_64-w64-mingw32-g++-posix x86_64-w64-mingw32-strip; do
	PATH=/usr/bin:/bin:$PATH command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ! /usr/bin/python3 -c 'import mako' 2>/dev/null; then
	missing+=(python3-mako)
fi
if [ ! -r /usr/share/keyrings/debian-archive-keyring.gpg ]; then
	missing+=(debian-archive-keyring)
fi
if [ ${#missing[@]} -gt 0 ]; then
	say "missing: ${missing[*]}; install them with: apt-get install -y meson ninja-build python3-mako bison flex pkg-config g++-mingw-w64-x86-64 glslang-tools debian-archive-keyring (make windows does)"
	exit 1
fi

mkdir -p "$cache_root"
# One build at a time: a second make waits for the first and takes its result.
exec 9>"$cache_root/mesa-$key.lock"
flock 9
if have_result; then
	echo "$result"
	exit 0
fi

work=$(mktemp -d "$cache_root/mesa-build-$key.XXXXXX")
trap 'rm -rf "$work"' EXIT
say "building Mesa $mesa_version's software OpenGL for Windows (once; about 7 minutes on 2 cores) in $work"

# Debian's own build tools first: a python3 from pyenv or a venv may lack mako.
export PATH=/usr/bin:/bin:$PATH

# The sources, through a private apt configuration.
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
sources_list >"$work/apt/sources.list"
apt_options=(
	-o "Dir::Etc::SourceList=$work/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache"
	-o "APT::Sandbox::User=$(id -un)" -q
)
apt-get "${apt_options[@]}" update >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; say "apt-get update failed"; exit 1; }
(cd "$work/src" && apt-get "${apt_options[@]}" source --download-only "mesa=$mesa_version") >>"$work/apt.log" 2>&1 ||
	{ cat "$work/apt.log" >&2; say "apt-get source mesa=$mesa_version failed"; exit 1; }
(cd "$work/src" && printf '%s\n' "${mesa_files[@]}" | sha256sum --quiet -c -) ||
	{ say "the downloaded sources do not match the pinned checksums"; exit 1; }

# Unpack: the upstream tarball, Debian's diff (which adds debian/), then
# Debian's patches in series order.
tar -xzf "$work/src/${mesa_files[0]##* }" -C "$work"
src=$work/$mesa_dir
gzip -dc "$work/src/${mesa_files[1]##* }" | patch -s -p1 -d "$src"
while read -r p; do
	case $p in '' | '#'*) continue ;; esac
	patch -s -p1 -d "$src" <"$src/debian/patches/${p%% *}"
done <"$src/debian/patches/series"

cross_file >"$work/cross.ini"
(cd "$src" && meson setup "$work/build" --cross-file "$work/cross.ini" "${meson_options[@]}") >"$work/meson.log" 2>&1 ||
	{ tail -n 40 "$work/meson.log" >&2; say "meson setup failed"; exit 1; }
ninja -C "$work/build" "${targets[@]}" >"$work/ninja.log" 2>&1 ||
	{ tail -n 40 "$work/ninja.log" >&2; say "ninja failed"; exit 1; }

out=$work/out
mkdir -p "$out"
for t in "${targets[@]}"; do
	x86_64-w64-mingw32-strip -o "$out/$(basename "$t")" "$work/build/$t"
done
{
	echo "Mesa $mesa_version (Debian's sources), built for Windows as opengl32.dll and"
	echo "libgallium_wgl.dll. Mesa's licence (docs/license.rst), then Debian's list"
	echo "of the copyrights and licences of Mesa's files (debian/copyright)."
	echo
	cat "$src/docs/license.rst"
	echo
	echo "------------------------------------------------------------------------"
	echo
	cat "$src/debian/copyright"
} >"$out/Mesa licence.txt"
rm -rf "$result"
mv "$out" "$result"
say "done: $result"
echo "$result"
