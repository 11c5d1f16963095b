// Package memkeychain is an in-memory store.Keychain for tests: what
// testenv.Keychain gives under go test -short, so the fast loop needs no
// D-Bus session and no keyring daemon. make test runs the same tests on the
// real keychain.
//
// It behaves like the real one where the tests can tell: a secret over
// store.MaxSecretBytes is refused by the same store.CheckSecretSize the
// system keychain applies, and Get or Delete of a missing key fails with a
// *store.KeychainError matching store.ErrNotFound. It never blocks, so the
// system keychain's timeout has nothing to bound here.
//
// Like package browsertest it is a normal package so other packages' tests
// can import it; nothing outside tests should.
package memkeychain

import (
	"sort"
	"sync"

	"github.com/kantata-connect/kantata-connect/store"
)

// Keychain keeps secrets in a map. The zero value is ready to use and it is
// safe for concurrent use. Each Keychain is a namespace of its own, as a
// service name of its own is in the real keychain.
type Keychain struct {
	mu sync.Mutex
	m  map[string]string
}

var _ store.Keychain = (*Keychain)(nil)

// New returns an empty keychain.
func New() *Keychain { return &Keychain{} }

// Set keeps secret under key, replacing what was there.
func (k *Keychain) Set(key, secret string) error {
	if err := store.CheckSecretSize(key, secret); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]string{}
	}
	k.m[key] = secret
	return nil
}

// Get returns the secret under key.
func (k *Keychain) Get(key string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	secret, ok := k.m[key]
	if !ok {
		return "", &store.KeychainError{Op: "get", Key: key, Kind: store.ErrNotFound}
	}
	return secret, nil
}

// Delete removes the secret under key; a missing key is ErrNotFound, as in
// the real keychain.
func (k *Keychain) Delete(key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.m[key]; !ok {
		return &store.KeychainError{Op: "delete", Key: key, Kind: store.ErrNotFound}
	}
	delete(k.m, key)
	return nil
}

// Keys lists the keys held, sorted, in a slice of the caller's own: for
// tests that check what was left behind.
func (k *Keychain) Keys() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	keys := make([]string, 0, len(k.m))
	for key := range k.m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}
