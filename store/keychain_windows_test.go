//go:build windows

package store

import (
	"errors"
	"strings"
	"testing"
)

// The Windows Credential Manager (go-keyring's wincred backend; under Wine in
// make test) keeps a value of at most 2,560 bytes. The app refuses more than
// MaxSecretBytes (2,000) before the keychain is asked; a value over the
// Credential Manager's own limit, were one to reach it, gets the same plain
// message, naming the Credential Manager, not the backend's text.
func TestCredentialManagerSizeLimit(t *testing.T) {
	realPartsOnly(t, "the real keychain")
	kc := realKeychain(t)
	key := "client/" + randomHex(t) + "/secret"

	// The app's limit fits, whole, with letters outside ASCII.
	big := strings.Repeat("é", MaxSecretBytes/2)
	if err := kc.Set(key, big); err != nil {
		t.Fatalf("Set %d bytes: %v", len(big), err)
	}
	if got, err := kc.Get(key); err != nil || got != big {
		t.Fatalf("Get of a %d-byte secret: %d bytes, %v", len(big), len(got), err)
	}

	// The Credential Manager's own limit, past the app's check.
	raw := func(secret string) error {
		_, err := kc.call("set", key, func(b backend) (string, error) { return "", b.Set(kc.Service, key, secret) })
		return err
	}
	if err := raw(strings.Repeat("s", 2560)); err != nil {
		t.Errorf("the Credential Manager refused 2,560 bytes, its documented limit: %v", err)
	}
	err := raw(strings.Repeat("s", 2561))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("2,561 bytes: err = %v, want ErrTooLarge", err)
	}
	msg := mustUserFacing(t, err).UserMessage()
	if !strings.Contains(msg, "too long") || !strings.Contains(msg, "Windows Credential Manager") || strings.Contains(msg, "data passed to Set") {
		t.Errorf("message for a value over the Credential Manager's limit: %q", msg)
	}

	// Through the app's own check: refused before the keychain is asked,
	// the stored value untouched.
	if err := kc.Set(key, strings.Repeat("s", 2561)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Set of 2,561 bytes: err = %v, want ErrTooLarge", err)
	}
	if err := kc.Delete(key); err != nil {
		t.Fatal(err)
	}
}
