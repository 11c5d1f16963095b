// Package testenv gives tests the real parts they share: a keychain entry
// space of their own in the real Secret Service, and free loopback ports.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"testing"

	"github.com/kantata-connect/kantata-connect/store"
)

// Keychain returns the real system keychain under a service name unique to
// this test. It fails the test, saying what to install, when no keychain
// answers: tests that need one never skip.
func Keychain(t testing.TB) *store.SystemKeychain {
	t.Helper()
	kc := store.NewSystemKeychain("com.kantataconnect.test." + RandomHex(t))
	if err := kc.Set("probe", "x"); err != nil {
		t.Fatalf("no usable keychain: run the tests with make test (it installs gnome-keyring and dbus-x11 and unlocks a test keyring): %v", err)
	}
	if err := kc.Delete("probe"); err != nil {
		t.Fatalf("keychain delete: %v", err)
	}
	return kc
}

// Store opens a records folder of the test's own over the real keychain.
func Store(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(t.TempDir(), Keychain(t))
	if err != nil {
		t.Fatalf("open records: %v", err)
	}
	return st
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
