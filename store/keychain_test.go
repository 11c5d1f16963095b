package store

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// The real GNOME Keyring: set, get, overwrite, delete, not found.
func TestSystemKeychainRoundTrip(t *testing.T) {
	realPartsOnly(t, "the real keychain")
	kc := realKeychain(t)
	key := "connection/" + randomHex(t) + "/access-token"

	if _, err := kc.Get(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before Set: err = %v, want ErrNotFound", err)
	}
	if err := kc.Set(key, "first-secret"); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if got, err := kc.Get(key); err != nil || got != "first-secret" {
		t.Fatalf("Get = %q, %v; want first-secret", got, err)
	}
	if err := kc.Set(key, "second-secret ünïcode"); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	if got, err := kc.Get(key); err != nil || got != "second-secret ünïcode" {
		t.Fatalf("Get after overwrite = %q, %v", got, err)
	}
	// Another key of the same service is its own entry.
	other := key + "-other"
	if err := kc.Set(other, "other"); err != nil {
		t.Fatal(err)
	}
	if err := kc.Delete(key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := kc.Get(key)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	var ke *KeychainError
	if !errors.As(err, &ke) || ke.Op != "get" || ke.Key != key {
		t.Fatalf("not-found error = %#v, want *KeychainError for get %q", err, key)
	}
	mustUserFacing(t, err)
	if err := kc.Delete(key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: err = %v, want ErrNotFound", err)
	}
	if got, err := kc.Get(other); err != nil || got != "other" {
		t.Fatalf("other entry = %q, %v", got, err)
	}
	// A secret at the size limit fits; one byte more is refused before the
	// keychain sees it.
	big := strings.Repeat("s", MaxSecretBytes)
	if err := kc.Set(other, big); err != nil {
		t.Fatalf("Set %d bytes: %v", len(big), err)
	}
	if got, _ := kc.Get(other); got != big {
		t.Fatalf("Get of %d-byte secret returned %d bytes", len(big), len(got))
	}
	if err := kc.Set(other, big+"s"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Set %d bytes: err = %v, want ErrTooLarge", len(big)+1, err)
	}
	if got, _ := kc.Get(other); got != big {
		t.Fatal("a refused Set changed the stored secret")
	}
}

// blockingBackend never answers until released, like a keychain waiting on
// an unlock prompt nobody sees.
type blockingBackend struct{ release chan struct{} }

func (b blockingBackend) Set(_, _, _ string) error        { <-b.release; return nil }
func (b blockingBackend) Get(_, _ string) (string, error) { <-b.release; return "late", nil }
func (b blockingBackend) Delete(_, _ string) error        { <-b.release; return nil }

func TestSystemKeychainTimesOut(t *testing.T) {
	b := blockingBackend{release: make(chan struct{})}
	defer close(b.release)
	kc := &SystemKeychain{Service: "test", Timeout: 30 * time.Millisecond, backend: b}
	for name, call := range map[string]func() error{
		"set":    func() error { return kc.Set("k", "v") },
		"get":    func() error { _, err := kc.Get("k"); return err },
		"delete": func() error { return kc.Delete("k") },
	} {
		err := call()
		if !errors.Is(err, ErrKeychainTimeout) {
			t.Fatalf("%s: err = %v, want ErrKeychainTimeout", name, err)
		}
		uf := mustUserFacing(t, err)
		if !strings.Contains(uf.UserMessage(), "unlock") {
			t.Errorf("%s: timeout message %q doesn't say to unlock the keychain", name, uf.UserMessage())
		}
	}
	if NewSystemKeychain("x").Timeout != DefaultKeychainTimeout || DefaultKeychainTimeout != 10*time.Second {
		t.Fatal("the default keychain timeout must be 10s")
	}
}

// errBackend fails every call with err.
type errBackend struct{ err error }

func (b errBackend) Set(_, _, _ string) error        { return b.err }
func (b errBackend) Get(_, _ string) (string, error) { return "", b.err }
func (b errBackend) Delete(_, _ string) error        { return b.err }

// keychainErrorCases are errors go-keyring v0.2.8 returns (read from its
// source: keyring.go, keyring_unix.go, secret_service/secret_service.go,
// keyring_windows.go, keyring_darwin.go) and what they must map to.
var keychainErrorCases = []struct {
	name string
	err  error
	want error // nil: unknown, matches no sentinel
}{
	{"not found", keyring.ErrNotFound, ErrNotFound},
	{"too big", keyring.ErrSetDataTooBig, ErrTooLarge},
	{"no secret service", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown",
		Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}, ErrNoKeychain},
	{"no secret service (pointer)", dbus.NewError("org.freedesktop.DBus.Error.ServiceUnknown", nil), ErrNoKeychain},
	{"no session bus", errors.New("dbus: couldn't determine address of session bus"), ErrNoKeychain},
	{"no reply", dbus.Error{Name: "org.freedesktop.DBus.Error.NoReply",
		Body: []any{"Did not receive a reply."}}, ErrKeychainTimeout},
	{"prompt dismissed", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrKeychainLocked},
	{"locked collection", dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked",
		Body: []any{"Cannot create an item in a locked collection"}}, ErrKeychainLocked},
	{"access denied", dbus.Error{Name: "org.freedesktop.DBus.Error.AccessDenied"}, ErrKeychainLocked},
	{"no such collection", dbus.Error{Name: "org.freedesktop.Secret.Error.NoSuchObject",
		Body: []any{"The collection does not exist"}}, ErrNoKeychain},
	{"macOS locked", errors.New("security: SecKeychainItemCopyContent: User interaction is not allowed."), ErrKeychainLocked},
	{"windows no session", errors.New("A specified logon session does not exist. It may already have been terminated."), ErrNoKeychain},
	{"unknown", errors.New("something odd"), nil},
}

var allKinds = []error{ErrNotFound, ErrNoKeychain, ErrKeychainLocked, ErrTooLarge, ErrKeychainTimeout}

func checkKind(t *testing.T, label string, err, want error) {
	t.Helper()
	for _, k := range allKinds {
		if got := errors.Is(err, k); got != (k == want) {
			t.Errorf("%s: errors.Is(%v, %v) = %v", label, err, k, got)
		}
	}
	var ke *KeychainError
	if !errors.As(err, &ke) {
		t.Fatalf("%s: %T is not a *KeychainError", label, err)
	}
	mustUserFacing(t, err)
}

func TestSystemKeychainErrorKinds(t *testing.T) {
	for _, tc := range keychainErrorCases {
		kc := &SystemKeychain{Service: "test", Timeout: time.Second, backend: errBackend{tc.err}}
		checkKind(t, tc.name+"/set", kc.Set("k", "v"), tc.want)
		_, err := kc.Get("k")
		checkKind(t, tc.name+"/get", err, tc.want)
		checkKind(t, tc.name+"/delete", kc.Delete("k"), tc.want)
		if name := dbusErrorName(tc.err); name != "" {
			var uf userFacing
			errors.As(err, &uf)
			if !strings.Contains(uf.TechnicalDetail(), name) {
				t.Errorf("%s: technical detail %q lacks the D-Bus error name %s", tc.name, uf.TechnicalDetail(), name)
			}
		}
	}
	// Each kind says something different and actionable.
	seen := map[string]error{}
	for _, k := range allKinds {
		msg := (&KeychainError{Op: "get", Key: "k", Kind: k}).UserMessage()
		if prev, dup := seen[msg]; dup {
			t.Errorf("%v and %v share the message %q", prev, k, msg)
		}
		seen[msg] = k
	}
	if runtime.GOOS == "linux" {
		msg := (&KeychainError{Kind: ErrNoKeychain}).UserMessage()
		for _, want := range []string{"gnome-keyring", "KeePassXC", "Secret Service"} {
			if !strings.Contains(msg, want) {
				t.Errorf("no-keychain message %q doesn't mention %s", msg, want)
			}
		}
	}
}

// go-keyring's own mock replaces its global provider, so it runs in a child
// process where no real-keychain test shares the provider.
func TestGoKeyringMockErrorMapping(t *testing.T) {
	if os.Getenv("STORE_TEST_ROLE") == "mock-keyring" {
		keyring.MockInit()
		kc := NewSystemKeychain("com.kantataconnect.desktop.mock")
		if err := kc.Set("a", "secret-a"); err != nil {
			t.Fatal(err)
		}
		if got, err := kc.Get("a"); err != nil || got != "secret-a" {
			t.Fatalf("mock Get = %q, %v", got, err)
		}
		if err := kc.Delete("a"); err != nil {
			t.Fatal(err)
		}
		_, err := kc.Get("a")
		checkKind(t, "mock not found", err, ErrNotFound)

		for _, tc := range keychainErrorCases {
			keyring.MockInitWithError(tc.err)
			checkKind(t, "MockInitWithError "+tc.name+"/set", kc.Set("k", "v"), tc.want)
			_, err := kc.Get("k")
			checkKind(t, "MockInitWithError "+tc.name+"/get", err, tc.want)
			checkKind(t, "MockInitWithError "+tc.name+"/delete", kc.Delete("k"), tc.want)
		}

		// Through the Store: a client whose secret the keychain refuses is
		// not saved.
		keyring.MockInitWithError(dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown"})
		s := openTemp(t, kc)
		c := Client{ClientSettings: DefaultClientSettings()}
		c.Name, c.ClientID = "Acme", "acme-id"
		if _, err := s.SaveClient(c.ID, c.ClientSettings, "s3cret"); !errors.Is(err, ErrNoKeychain) {
			t.Fatalf("SaveClient with no keychain: err = %v, want ErrNoKeychain", err)
		}
		if len(s.Clients()) != 0 {
			t.Fatal("client saved although its secret wasn't")
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGoKeyringMockErrorMapping$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "STORE_TEST_ROLE=mock-keyring")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestGoKeyringMockErrorMapping") {
		t.Fatalf("child process with go-keyring's mock failed: %v\n%s", err, out)
	}
}

func TestKeychainErrorNeverHoldsTheSecret(t *testing.T) {
	secret := "TOP-" + strings.Repeat("x", MaxSecretBytes)
	kc := &SystemKeychain{Service: "test", Timeout: time.Second, backend: errBackend{errors.New("unused")}}
	err := kc.Set("client/1/secret", secret)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	uf := mustUserFacing(t, err)
	for _, s := range []string{err.Error(), uf.UserMessage(), uf.TechnicalDetail(), fmt.Sprintf("%+v %#v", err, err)} {
		if strings.Contains(s, "TOP-") {
			t.Fatalf("error text contains the secret: %q", s)
		}
	}
}
