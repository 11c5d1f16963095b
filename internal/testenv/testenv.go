// Package testenv gives tests what they share: a keychain entry space of
// their own, free loopback ports, and the switch between the two ways the
// tests run.
//
// make test runs every test with the real parts: the Secret Service on a
// private D-Bus, a headless Chromium, a virtual display. go test -short (make
// check) is the fast loop for development: Keychain is in memory there, and
// the tests that need a real part call RealPartsOnly and are skipped.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"runtime"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/memkeychain"
	"github.com/kantata-connect/kantata-connect/store"
)

// Keychain returns a keychain of this test's own. Under -short it is an
// in-memory one (package memkeychain); otherwise it is the real system
// keychain under a service name unique to this test, and the test fails,
// saying what to install, when no keychain answers: tests that need one
// never skip.
func Keychain(t testing.TB) store.Keychain {
	t.Helper()
	if testing.Short() {
		return memkeychain.New()
	}
	kc := store.NewSystemKeychain("com.kantataconnect.test." + RandomHex(t))
	if err := kc.Set("probe", "x"); err != nil {
		t.Fatalf("no usable keychain: run the tests with make test or scripts/test-env.sh "+
			"(install gnome-keyring dbus-x11: apt-get install -y gnome-keyring dbus-x11), "+
			"or use go test -short (make check) for the in-memory one: %v", err)
	}
	if err := kc.Delete("probe"); err != nil {
		t.Fatalf("keychain delete: %v", err)
	}
	return kc
}

// Store opens a records folder of the test's own over Keychain(t).
func Store(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir(), Keychain(t))
	if err != nil {
		t.Fatalf("open records: %v", err)
	}
	return st
}

// RealPartsOnly skips the test under -short and does nothing otherwise. A test
// calls it first when it needs a part the fast loop goes without: a real
// Chromium, a display, the real keychain or a keyring daemon of its own, or
// the built binary. parts says which, for the skip message. Under make test
// such a test never skips: a missing part fails it and names what to install.
func RealPartsOnly(t testing.TB, parts string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s: skipped under -short; make test runs it", parts)
	}
}

// FreePort is a loopback port nothing listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// RandomHex is 16 random hex digits, for names no other test uses.
func RandomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// LinuxOnlyMarker begins the skip message of a test that needs a tool the
// tests start only on Linux, and UnixOnlyMarker that of a test of something
// Windows does not have (Unix permission bits). The Wine run of the Windows
// tests (internal/winetest) counts these skips and names them; any other skip
// there fails it.
const (
	LinuxOnlyMarker = "linux-only:"
	UnixOnlyMarker  = "unix-only:"
)

// LinuxOnly skips the test on any OS but Linux, naming what (such as "a
// headless Chromium") it needs that the tests start only there. On Linux it
// does nothing: there the part must be present, or the test fails.
func LinuxOnly(t testing.TB, what string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("%s needs %s, which the tests start only on Linux", LinuxOnlyMarker, what)
	}
}

// Chromium is RealPartsOnly and LinuxOnly for a test that drives the
// headless Chromium (package browsertest): on Windows the sign-in with a
// real browser is proven end to end under Wine instead (internal/winetest).
func Chromium(t testing.TB) {
	t.Helper()
	RealPartsOnly(t, "a headless Chromium")
	LinuxOnly(t, "a headless Chromium")
}
