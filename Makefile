# Kantata Connect. `make run` starts the app, `make test` runs every test; both
# install what a fresh Debian/Ubuntu machine lacks first. `make check` is the
# fast loop for development.
SHELL := /bin/bash
.DEFAULT_GOAL := run

BINARY     := kantata-connect
GO         ?= go
# What building the window needs (cgo, OpenGL and X11 headers).
BUILD_DEPS := gcc libgl1-mesa-dev xorg-dev
# What building for Windows here needs: the mingw-w64 C cross compiler (and
# its windres, for the icon and version information), NSIS for the installer,
# ImageMagick to make the icon; and, for Mesa's software OpenGL built from
# Debian's sources (scripts/mesa-windows.sh), the C++ cross compiler, Meson,
# Ninja, Mako, bison, flex, glslang, patch and Debian's archive key.
WINDOWS_DEPS := gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 nsis imagemagick meson ninja-build python3-mako \
	bison flex pkg-config glslang-tools patch debian-archive-keyring
# What the tests need besides: a real keychain on a private D-Bus, a virtual
# display, screenshots, a real browser to click Authorize, keyboard driving,
# ss (iproute2) to see when a sign-in listens on its callback port, Wine
# to run the Windows build, GNOME's proxy settings (gsettings with its
# schemas and dconf) for the tests of a company network's proxy, and
# xdg-utils (xdg-mime, xdg-open) for the app's own link.
TEST_DEPS  := $(sort $(BUILD_DEPS) $(WINDOWS_DEPS) wine wine64 gnome-keyring dbus-x11 xvfb imagemagick chromium xdotool libgl1-mesa-dri iproute2 \
	libglib2.0-bin gsettings-desktop-schemas dconf-service dconf-gsettings-backend xdg-utils)
SCREENSHOT ?= docs/screenshot.png
SCREENSHOTS ?= docs/screenshots
WINDOWS_DIST ?= dist/windows
WINDOWS_SCREENSHOT ?= docs/screenshots/windows.png

.PHONY: run build test check vet screenshot screenshots bench fuzz package windows windows-screenshot deps deps-test deps-windows clean

deps:
	@scripts/install-deps.sh $(BUILD_DEPS)

deps-test:
	@scripts/install-deps.sh $(TEST_DEPS)

deps-windows:
	@scripts/install-deps.sh $(WINDOWS_DEPS)

build: deps
	@echo "Building $(BINARY) (the first build compiles Fyne's C code: about 4 minutes on 2 cores)"
	@scripts/with-progress.sh "Building $(BINARY)" $(GO) build -o $(BINARY) .

run: build
	./$(BINARY)

vet:
	$(GO) vet ./...

# The Windows build (make windows) comes first: internal/winetest runs it
# under Wine, with the Windows test binaries of the non-GUI packages.
test: deps-test windows
	@echo "Running go vet and go test -race with a real keychain and a virtual display, and the Windows build under Wine"
	@echo "(the first run compiles Fyne's C code with the race detector: several minutes on 2 cores)"
	@KANTATA_CONNECT_WINDOWS_DIST=$(abspath $(WINDOWS_DIST)) scripts/test-env.sh scripts/with-progress.sh "Testing" bash -c '\
		set -euo pipefail; \
		$(GO) vet ./...; \
		for goos in windows darwin; do \
			CGO_ENABLED=0 GOOS=$$goos $(GO) vet $$($(GO) list ./... | grep -v -e /gui -e "$$($(GO) list -m)$$"); \
		done; \
		$(GO) test -race -count=1 -timeout 20m ./...'

# Kantata Connect for Windows, built here: in $(WINDOWS_DIST), the window
# (Kantata Connect.exe), the command line (kantata-connect.exe), the window's
# software-drawn copy with Mesa's OpenGL (software-opengl/) and the installer
# (Kantata Connect Setup.exe). The first build compiles Fyne's C code for
# Windows (about 7 minutes on 2 cores) and Mesa (10 minutes on 2 idle cores,
# kept in ~/.cache/kantata-connect); then seconds.
windows: deps-windows
	@scripts/with-progress.sh "Building for Windows" scripts/windows-build.sh $(WINDOWS_DIST)

# The README's picture of the Windows build: its window under Wine.
windows-screenshot: windows deps-test
	@KANTATA_CONNECT_WINDOWS_DIST=$(abspath $(WINDOWS_DIST)) KANTATA_CONNECT_WINDOWS_SCREENSHOT=$(abspath $(WINDOWS_SCREENSHOT)) \
		scripts/test-env.sh $(GO) test -count=1 -run 'TestWineWindow/window_program' ./internal/winetest

# The fast loop for development, not a replacement for make test: go vet and
# go test -short, where the keychain is in memory and the tests that need
# Chromium, a display or the real keychain skip. It needs no test tools, and
# runs with no display and a D-Bus address that leads nowhere, so a test that
# reaches for the real keychain fails here rather than touch yours. deps: the
# main package's window needs the OpenGL and X11 headers to compile.
check: deps
	$(GO) vet ./...
	env -u DISPLAY DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/make-check-has-no-d-bus $(GO) test -short ./...

screenshot: build deps-test
	@scripts/test-env.sh scripts/screenshot.sh ./$(BINARY) $(SCREENSHOT)

# The README's screenshots of each step, taken from the real binary driven by
# the keyboard against a stand-in Kantata and a headless Chromium.
screenshots: build deps-test
	@BINARY=./$(BINARY) scripts/test-env.sh scripts/screenshots.sh $(SCREENSHOTS)

# The app against a browser-based baseline (Chromium --app showing
# bench/form.html): one Markdown table, medians of 5 launches of each, plus the
# Go benchmarks. About 12 minutes; run it on an otherwise idle machine.
# BENCH_FLAGS passes options, e.g. BENCH_FLAGS="-runs 7 -o bench.md".
bench: build deps-test
	@scripts/test-env.sh $(GO) run ./bench -binary ./$(BINARY) $(BENCH_FLAGS)

# Each fuzz target for FUZZTIME; a crasher is saved under the package's
# testdata/fuzz and from then on runs as a regression test in make test.
FUZZTIME ?= 20s
FUZZ_TARGETS := ./oauth:FuzzCallback ./oauth:FuzzPaste ./kantata:FuzzParseMe ./kantata:FuzzParseCount ./store:FuzzLoadRecords ./store:FuzzEndpointHost ./safetext:FuzzClean
fuzz: deps
	@set -eo pipefail; for t in $(FUZZ_TARGETS); do \
		echo "Fuzzing $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}" 2>&1 | { grep -v ' WARN ' || true; }; \
	done

package: deps
	@mkdir -p dist
	@# fyne package bumps Build in FyneApp.toml; keep the committed file as it is.
	@cp FyneApp.toml dist/.FyneApp.toml.keep
	@scripts/with-progress.sh "Packaging" $(GO) tool fyne package --os linux --release; \
		rc=$$?; mv -f dist/.FyneApp.toml.keep FyneApp.toml; exit $$rc
	@mv -f "Kantata Connect.tar.xz" dist/
	@scripts/package-link.sh "dist/Kantata Connect.tar.xz"
	@echo "Wrote dist/Kantata Connect.tar.xz (extract it and run 'sudo make install' inside)"

clean:
	rm -rf $(BINARY) dist
