package memkeychain_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/memkeychain"
	"github.com/kantata-connect/kantata-connect/store"
)

func TestBehavesLikeTheRealKeychain(t *testing.T) {
	var kc store.Keychain = memkeychain.New()

	if err := kc.Set("a", "one"); err != nil {
		t.Fatal(err)
	}
	if err := kc.Set("a", "two"); err != nil {
		t.Fatal(err)
	}
	if got, err := kc.Get("a"); err != nil || got != "two" {
		t.Fatalf("Get after overwrite = %q, %v", got, err)
	}
	if err := kc.Delete("a"); err != nil {
		t.Fatal(err)
	}

	// Missing keys fail as the system keychain's do: a typed error the app
	// turns into a user message, matching ErrNotFound.
	_, getErr := kc.Get("a")
	for op, err := range map[string]error{"get": getErr, "delete": kc.Delete("a")} {
		var ke *store.KeychainError
		if !errors.Is(err, store.ErrNotFound) || !errors.As(err, &ke) || ke.Op != op || ke.Key != "a" {
			t.Errorf("%s of a missing key: %v (%T), want a *store.KeychainError matching ErrNotFound", op, err, err)
		}
	}

	// The size limit is the store's own check, not a copy of it.
	big := strings.Repeat("x", store.MaxSecretBytes+1)
	err := kc.Set("big", big)
	if want := store.CheckSecretSize("big", big); err == nil || err.Error() != want.Error() || !errors.Is(err, store.ErrTooLarge) {
		t.Errorf("Set of %d bytes: %v, want %v", len(big), err, want)
	}
	if _, err := kc.Get("big"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused secret was kept: %v", err)
	}
	if err := kc.Set("max", big[1:]); err != nil {
		t.Errorf("Set of exactly MaxSecretBytes: %v", err)
	}
}

func TestEachKeychainIsItsOwnAndZeroValueWorks(t *testing.T) {
	var a memkeychain.Keychain
	b := memkeychain.New()
	if err := a.Set("k", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get("k"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a second keychain sees the first one's secret: %v", err)
	}
	keys := a.Keys()
	keys[0] = "changed"
	if got := a.Keys(); !slices.Equal(got, []string{"k"}) {
		t.Errorf("Keys = %q after changing a returned slice", got)
	}
}

// Run with -race (make test does): the fake must be as safe for concurrent
// use as the real keychain.
func TestConcurrentUse(t *testing.T) {
	kc := memkeychain.New()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				key := fmt.Sprintf("k%d-%d", i, j)
				if err := kc.Set(key, key); err != nil {
					t.Error(err)
					return
				}
				if got, err := kc.Get(key); err != nil || got != key {
					t.Errorf("Get(%s) = %q, %v", key, got, err)
					return
				}
				_ = kc.Keys()
				if j%2 == 0 {
					if err := kc.Delete(key); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if n := len(kc.Keys()); n != 8*50 {
		t.Errorf("%d keys left, want %d", n, 8*50)
	}
}
