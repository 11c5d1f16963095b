package store

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	dbus "github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// Keychain keeps secrets by key. Implementations return errors that match the
// sentinels below (ErrNotFound for a missing key).
type Keychain interface {
	Set(key, secret string) error
	Get(key string) (string, error)
	Delete(key string) error
}

// MaxSecretBytes is the largest secret accepted: under Windows' 2560-byte
// limit and macOS's ~3000 bytes for service, account and secret together.
const MaxSecretBytes = 2000

// DefaultKeychainTimeout bounds each keychain call: an unlock prompt nobody
// answers must not freeze the app.
const DefaultKeychainTimeout = 10 * time.Second

// Sentinels for the kinds of keychain failure. Errors from SystemKeychain are
// *KeychainError values that match one of them with errors.Is.
var (
	ErrNotFound        = errors.New("not found")
	ErrNoKeychain      = errors.New("no keychain available")
	ErrKeychainLocked  = errors.New("keychain locked or access denied")
	ErrTooLarge        = errors.New("secret too large")
	ErrKeychainTimeout = errors.New("keychain timed out")
)

// KeychainError is a failed keychain call. It never holds a secret: only the
// operation, the key and the backend's error.
type KeychainError struct {
	Op      string // "set", "get", "delete"
	Key     string
	Kind    error // one of the sentinels, or nil when the cause is unknown
	Err     error // the backend's error, if any
	Timeout time.Duration
}

func (e *KeychainError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "keychain %s %q", e.Op, e.Key)
	if e.Kind != nil {
		b.WriteString(": " + e.Kind.Error())
	}
	if e.Err != nil && (e.Kind == nil || e.Err.Error() != e.Kind.Error()) {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *KeychainError) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func (e *KeychainError) UserMessage() string {
	switch e.Kind {
	case ErrNoKeychain:
		if runtime.GOOS == "linux" || strings.HasSuffix(runtime.GOOS, "bsd") {
			return "No keychain is available. Kantata Connect keeps secrets in the system keychain (the Secret Service). Install and start GNOME Keyring (package gnome-keyring), or turn on KeePassXC's Secret Service integration, then try again."
		}
		return "The system keychain isn't available. Kantata Connect keeps secrets there; check that you are signed in to your desktop session and try again."
	case ErrKeychainLocked:
		return "The keychain is locked, or Kantata Connect was not allowed to use it. Unlock your keychain (it may ask for your login password), allow access, and try again."
	case ErrNotFound:
		return "The secret isn't in the keychain; it may have been removed. Enter the client secret again, or authorize the connection again."
	case ErrTooLarge:
		where := "the keychain"
		if runtime.GOOS == "windows" {
			// Its own limit is 2,560 bytes; MaxSecretBytes is below it.
			where = "the Windows Credential Manager"
		}
		return fmt.Sprintf("This secret is too long to keep in %s (at most %d bytes). Check that you pasted only the secret.", where, MaxSecretBytes)
	case ErrKeychainTimeout:
		d := e.Timeout
		if d <= 0 {
			d = DefaultKeychainTimeout
		}
		return fmt.Sprintf("The keychain didn't answer within %s. If it is asking for your password, unlock it, then try again.", d.Round(time.Second))
	}
	return "Kantata Connect couldn't use the system keychain. The technical detail says what it reported."
}

func (e *KeychainError) TechnicalDetail() string {
	detail := e.Error()
	if name := dbusErrorName(e.Err); name != "" {
		detail += " (D-Bus error " + name + ")"
	}
	return detail
}

// backend is what go-keyring offers; tests inject blocking or failing ones.
type backend interface {
	Set(service, user, password string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

type goKeyring struct{}

func (goKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (goKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

// SystemKeychain is the OS keychain (macOS Keychain, Windows Credential
// Manager, Secret Service on Linux) through go-keyring, with a timeout on
// every call.
type SystemKeychain struct {
	Service string        // keychain service name: the app ID
	Timeout time.Duration // per call; <= 0 means DefaultKeychainTimeout

	backend backend
}

// NewSystemKeychain returns the OS keychain under service (the app ID,
// "com.kantataconnect.desktop").
func NewSystemKeychain(service string) *SystemKeychain {
	return &SystemKeychain{Service: service, Timeout: DefaultKeychainTimeout, backend: goKeyring{}}
}

func (k *SystemKeychain) Set(key, secret string) error {
	if err := CheckSecretSize(key, secret); err != nil {
		return err
	}
	_, err := k.call("set", key, func(b backend) (string, error) { return "", b.Set(k.Service, key, secret) })
	return err
}

func (k *SystemKeychain) Get(key string) (string, error) {
	return k.call("get", key, func(b backend) (string, error) { return b.Get(k.Service, key) })
}

func (k *SystemKeychain) Delete(key string) error {
	_, err := k.call("delete", key, func(b backend) (string, error) { return "", b.Delete(k.Service, key) })
	return err
}

// call runs fn in a goroutine because go-keyring takes no context: a call
// stuck on an unlock prompt is abandoned (its goroutine finishes whenever the
// keychain answers) and the caller gets a timeout error. An abandoned Set may
// still land later; callers treat a timeout as "unknown", not "not written".
func (k *SystemKeychain) call(op, key string, fn func(backend) (string, error)) (string, error) {
	b := k.backend
	if b == nil {
		b = goKeyring{}
	}
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultKeychainTimeout
	}
	type result struct {
		val string
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned call must not block forever
	go func() {
		v, err := fn(b)
		done <- result{v, err}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			return "", &KeychainError{Op: op, Key: key, Kind: classify(r.err), Err: r.err, Timeout: timeout}
		}
		return r.val, nil
	case <-timer.C:
		return "", &KeychainError{Op: op, Key: key, Kind: ErrKeychainTimeout, Timeout: timeout}
	}
}

// CheckSecretSize refuses a secret over MaxSecretBytes with an ErrTooLarge
// *KeychainError, before any keychain sees it. SystemKeychain.Set applies it;
// every other Keychain (the tests' in-memory one) must too, so that a secret
// refused by the real keychain is refused everywhere.
func CheckSecretSize(key, secret string) error {
	if len(secret) > MaxSecretBytes {
		return &KeychainError{Op: "set", Key: key, Kind: ErrTooLarge,
			Err: fmt.Errorf("secret is %d bytes, limit %d", len(secret), MaxSecretBytes)}
	}
	return nil
}

// dbusErrorName returns the D-Bus error name inside err, or "".
func dbusErrorName(err error) string {
	if err == nil {
		return ""
	}
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dp *dbus.Error
	if errors.As(err, &dp) && dp != nil {
		return dp.Name
	}
	return ""
}

// classify maps a backend error to one of the sentinels (nil if unknown). The
// cases come from go-keyring v0.2.8's providers: Secret Service over godbus on
// Linux, wincred on Windows, /usr/bin/security on macOS.
func classify(err error) error {
	switch {
	case errors.Is(err, keyring.ErrNotFound), errors.Is(err, ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig), errors.Is(err, ErrTooLarge):
		return ErrTooLarge
	case errors.Is(err, ErrNoKeychain):
		return ErrNoKeychain
	case errors.Is(err, ErrKeychainLocked):
		return ErrKeychainLocked
	case errors.Is(err, ErrKeychainTimeout):
		return ErrKeychainTimeout
	}
	switch name := dbusErrorName(err); {
	case name == "":
	case name == "org.freedesktop.DBus.Error.ServiceUnknown",
		name == "org.freedesktop.DBus.Error.NameHasNoOwner",
		name == "org.freedesktop.DBus.Error.Disconnected",
		name == "org.freedesktop.DBus.Error.NoServer",
		name == "org.freedesktop.DBus.Error.FileNotFound",
		name == "org.freedesktop.DBus.Error.UnknownMethod",
		name == "org.freedesktop.DBus.Error.UnknownObject",
		name == "org.freedesktop.Secret.Error.NoSuchObject",
		strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn."):
		return ErrNoKeychain
	case name == "org.freedesktop.DBus.Error.NoReply",
		name == "org.freedesktop.DBus.Error.Timeout",
		name == "org.freedesktop.DBus.Error.TimedOut":
		return ErrKeychainTimeout
	case name == "org.freedesktop.Secret.Error.IsLocked",
		name == "org.freedesktop.DBus.Error.AccessDenied",
		name == "org.freedesktop.DBus.Error.AuthFailed",
		name == "org.gnome.keyring.Error.Denied":
		return ErrKeychainLocked
	}
	msg := strings.ToLower(err.Error())
	for _, p := range []struct {
		substr string
		kind   error
	}{
		// go-keyring's Unlock reports a dismissed unlock prompt this way.
		{"failed to unlock correct collection", ErrKeychainLocked},
		{"prompt dismissed", ErrKeychainLocked},
		{"locked", ErrKeychainLocked},
		{"access is denied", ErrKeychainLocked},
		{"permission denied", ErrKeychainLocked},
		{"user interaction is not allowed", ErrKeychainLocked},
		{"user canceled", ErrKeychainLocked},
		{"user cancelled", ErrKeychainLocked}, // the system's own spelling
		// godbus could not reach a session bus at all.
		{"couldn't determine address of session bus", ErrNoKeychain},
		{"dbus-launch", ErrNoKeychain},
		{"dbus: ", ErrNoKeychain},
		{"org.freedesktop.secrets", ErrNoKeychain},
		{"connection refused", ErrNoKeychain},
		{"no such file or directory", ErrNoKeychain},
		{"logon session does not exist", ErrNoKeychain},
		{"timed out", ErrKeychainTimeout},
		{"timeout", ErrKeychainTimeout},
		{"could not be found", ErrNotFound},
		{"element not found", ErrNotFound},
	} {
		if strings.Contains(msg, p.substr) {
			return p.kind
		}
	}
	return nil
}

// noKeychain stands in when Open is given a nil Keychain: it
// refuses every call so no secret is kept anywhere but a real keychain.
type noKeychain struct{}

func (noKeychain) Set(key, _ string) error {
	return &KeychainError{Op: "set", Key: key, Kind: ErrNoKeychain}
}
func (noKeychain) Get(key string) (string, error) {
	return "", &KeychainError{Op: "get", Key: key, Kind: ErrNoKeychain}
}
func (noKeychain) Delete(key string) error {
	return &KeychainError{Op: "delete", Key: key, Kind: ErrNoKeychain}
}
