package store

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/frontwords"
)

// TestMessagesNameNoFront builds the typed errors of this package, each kind
// and each field's validation.
func TestMessagesNameNoFront(t *testing.T) {
	s := openTemp(t, newMemKeychain())
	client := addClient(t, s, "Client", "secret-"+randomHex(t))
	addConnection(t, s, "Taken", client.ID)
	errs := map[string]error{
		"read-only":       ErrReadOnly,
		"secret required": ErrSecretRequired,
		"read-only file":  &ReadOnlyError{Path: "/x/records.json", FileVersion: 9, KnownVersion: 1},
		"in use by one":   &InUseError{ClientName: "C", Connections: []string{"A"}},
		"in use by two":   &InUseError{ClientName: "C", Connections: []string{"A", "B"}},
		"not found":       &NotFoundError{Kind: "connection", ID: "x"},
		"file read-only":  &FileError{Op: "write", Path: "/x", Err: syscall.EROFS},
		"file disk full":  &FileError{Op: "write", Path: "/x", Err: syscall.ENOSPC},
		"file other":      &FileError{Op: "read", Path: "/x", Err: syscall.EIO},
		"lock timeout":    &LockError{Path: "/x.lock", Err: errLockTimeout},
		"lock other":      &LockError{Path: "/x.lock", Err: syscall.EACCES},
	}
	for _, kind := range []error{ErrNoKeychain, ErrKeychainLocked, ErrNotFound, ErrTooLarge, ErrKeychainTimeout, nil} {
		name := "keychain other"
		if kind != nil {
			name = "keychain " + kind.Error()
		}
		errs[name] = &KeychainError{Op: "get", Key: "k", Kind: kind}
	}
	bad := func(name string, err error) {
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		errs[name] = err
	}
	for name, c := range map[string]ClientSettings{
		"client name":      {},
		"client id":        {Name: "N"},
		"client id spaces": {Name: "N", ClientID: "a b"},
		"client URL":       {Name: "N", ClientID: "id", TokenURL: "ftp://x"},
		"client port":      {Name: "N", ClientID: "id", RedirectPort: -1},
		"client auth":      {Name: "N", ClientID: "id", ClientAuth: "header"},
		"client name line": {Name: "a\nb", ClientID: "id"},
		"client name bidi": {Name: "a\u202eb", ClientID: "id"},
		"client name long": {Name: strings.Repeat("n", MaxNameRunes+1), ClientID: "id"},
		"client name used": {Name: "client", ClientID: "id"},
	} {
		_, err := s.SaveClient("", c, "secret")
		bad(name, err)
	}
	for name, c := range map[string]Connection{
		"connection name used": {Name: "taken", ClientRef: client.ID},
		"connection no client": {Name: "N"},
		"connection gone":      {Name: "N", ClientRef: "gone"},
	} {
		_, err := s.SaveConnection("", c.Name, c.ClientRef)
		bad(name, err)
	}
	taken, _ := s.ConnectionByName("taken")
	_, err := s.RecordOutcome(taken.ID, func(c *Connection) { c.Status = "odd" })
	bad("connection status", err)
	bad("no access token", s.SaveToken("x", Token{}))

	for name, err := range errs {
		t.Run(name, func(t *testing.T) {
			msg := mustUserFacing(t, err).UserMessage()
			frontwords.Check(t, "message", msg)
		})
	}
	var ve *ValidationError
	if !errors.As(errs["connection status"], &ve) || ve.Field != "status" {
		t.Errorf("an unknown status gave %v; want the status's validation error", errs["connection status"])
	}
}
