package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// memKeychain is an in-memory Keychain for tests that are about the records,
// or that need a keychain failure the real one can't be made to produce. It
// is internal/memkeychain's twin with fault hooks: these in-package tests
// can't import that package, which imports store.
type memKeychain struct {
	mu     sync.Mutex
	m      map[string]string
	setErr error // returned by Set when non-nil
	sets   int
}

func newMemKeychain() *memKeychain { return &memKeychain{m: map[string]string{}} }

func (k *memKeychain) Set(key, secret string) error {
	if err := CheckSecretSize(key, secret); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.setErr != nil {
		return k.setErr
	}
	k.sets++
	k.m[key] = secret
	return nil
}

func (k *memKeychain) Get(key string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[key]
	if !ok {
		return "", &KeychainError{Op: "get", Key: key, Kind: ErrNotFound}
	}
	return v, nil
}

func (k *memKeychain) Delete(key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.m[key]; !ok {
		return &KeychainError{Op: "delete", Key: key, Kind: ErrNotFound}
	}
	delete(k.m, key)
	return nil
}

func (k *memKeychain) keys() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for key := range k.m {
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}

func randomHex(t testing.TB) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

const noSecretServiceMsg = "no Secret Service: run the tests with make test (gnome-keyring, dbus-x11)"

// testKeychain is what testenv.Keychain is to the other packages (which this
// in-package test can't import): an in-memory keychain under -short, else the
// real one.
func testKeychain(t testing.TB) Keychain {
	t.Helper()
	if testing.Short() {
		return newMemKeychain()
	}
	return realKeychain(t)
}

// realPartsOnly is testenv.RealPartsOnly: it skips a test that needs parts
// (the real keychain, a keyring daemon) under -short, and does nothing
// otherwise.
func realPartsOnly(t testing.TB, parts string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s: skipped under -short; make test runs it", parts)
	}
}

// realKeychain is the system keychain under a service name unique to this
// test; every entry it made is removed afterwards. It fails the test when no
// Secret Service answers.
func realKeychain(t testing.TB) *SystemKeychain {
	t.Helper()
	service := "com.kantataconnect.desktop.test-" + randomHex(t)
	kc := NewSystemKeychain(service)
	probe := "probe/" + randomHex(t)
	if err := kc.Set(probe, "probe"); err != nil {
		t.Fatalf("%s: %v", noSecretServiceMsg, err)
	}
	if err := kc.Delete(probe); err != nil {
		t.Fatalf("%s: delete probe: %v", noSecretServiceMsg, err)
	}
	t.Cleanup(func() {
		if err := keyring.DeleteAll(service); err != nil {
			t.Logf("clean up keychain service %s: %v", service, err)
		}
	})
	return kc
}

// openTemp opens a store in a fresh folder.
func openTemp(t testing.TB, kc Keychain) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "kc"), kc)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if n := s.Notice(); n != "" {
		t.Fatalf("fresh store has a notice: %q", n)
	}
	return s
}

// addClient saves a Kantata-default client named name.
func addClient(t testing.TB, s *Store, name, secret string) Client {
	t.Helper()
	c := Client{ClientSettings: DefaultClientSettings()}
	c.Name = name
	c.ClientID = "id-" + name
	saved, err := s.SaveClient(c.ID, c.ClientSettings, secret)
	if err != nil {
		t.Fatalf("SaveClient(%q): %v", name, err)
	}
	return saved
}

func addConnection(t testing.TB, s *Store, name, clientRef string) Connection {
	t.Helper()
	c, err := s.SaveConnection("", name, clientRef)
	if err != nil {
		t.Fatalf("SaveConnection(%q): %v", name, err)
	}
	return c
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// userFacing is how the GUI and CLI find a typed error.
type userFacing interface {
	UserMessage() string
	TechnicalDetail() string
}

func mustUserFacing(t testing.TB, err error) userFacing {
	t.Helper()
	var uf userFacing
	if !errors.As(err, &uf) {
		t.Fatalf("error %v (%T) has no UserMessage/TechnicalDetail", err, err)
	}
	if uf.UserMessage() == "" || uf.TechnicalDetail() == "" {
		t.Fatalf("error %v: empty UserMessage %q or TechnicalDetail %q", err, uf.UserMessage(), uf.TechnicalDetail())
	}
	return uf
}

func ptrTime(t time.Time) *time.Time { return &t }
