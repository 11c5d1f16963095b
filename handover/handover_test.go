package handover_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/handover"
)

// hangGuard bounds each wait; no test asserts on elapsed time.
const hangGuard = 30 * time.Second

const address = handover.RedirectURI + "?code=the-code-0123456789&state=the-state"

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), hangGuard)
	t.Cleanup(cancel)
	return c
}

// listen listens on dir, taking every address handed over; they arrive on
// the channel returned.
func listen(t *testing.T, dir string) (*handover.Listener, <-chan string) {
	t.Helper()
	got := make(chan string, 8)
	l, err := handover.Listen(dir, func(address string) error {
		got <- address
		return nil
	})
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l, got
}

// TestHandOver: the address reaches the listener as sent, and the sender
// hears that it was taken; both forms of the app's own link pass.
func TestHandOver(t *testing.T) {
	t.Parallel()
	for name, addr := range map[string]string{
		"as Kantata sends it": address,
		"normalized":          "com.kantataconnect.desktop://callback/?code=c&state=s",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_, got := listen(t, dir)
			if err := handover.Send(ctx(t), dir, addr); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if a := <-got; a != addr {
				t.Errorf("received %q, want %q", a, addr)
			}
		})
	}
}

// TestOneListenerPerFolder: a second listener on the same folder gets
// ErrInUse; once the first closes, the folder is free again, and another
// folder is free all along.
func TestOneListenerPerFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, _ := listen(t, dir)
	if _, err := handover.Listen(dir, func(string) error { return nil }); !errors.Is(err, handover.ErrInUse) {
		t.Fatalf("second Listen = %v, want ErrInUse", err)
	}
	listen(t, t.TempDir())
	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	listen(t, dir)
}

// TestNobodyWaiting: with no listener, or one closed, Send says nobody
// waits.
func TestNobodyWaiting(t *testing.T) {
	t.Parallel()
	t.Run("never listened", func(t *testing.T) {
		t.Parallel()
		if err := handover.Send(ctx(t), t.TempDir(), address); !errors.Is(err, handover.ErrNobodyWaiting) {
			t.Errorf("Send = %v, want ErrNobodyWaiting", err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		l, _ := listen(t, dir)
		l.Close()
		if err := handover.Send(ctx(t), dir, address); !errors.Is(err, handover.ErrNobodyWaiting) {
			t.Errorf("Send = %v, want ErrNobodyWaiting", err)
		}
	})
	t.Run("sign-in ended", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		l, err := handover.Listen(dir, func(string) error { return handover.ErrNobodyWaiting })
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if err := handover.Send(ctx(t), dir, address); !errors.Is(err, handover.ErrNobodyWaiting) {
			t.Errorf("Send = %v, want ErrNobodyWaiting", err)
		}
	})
}

// TestRefused: what the waiting side does not take, the sender hears
// refused, and the listener never sees what is not an app link or too long.
func TestRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, addr string }{
		{"forged state", address},
		{"not an app link", "https://evil.example/callback?code=c&state=s"},
		{"oversized", address + "&pad=" + strings.Repeat("x", handover.MaxAddress)},
		{"two lines", address + "\n" + address},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			seen := make(chan string, 2)
			l, err := handover.Listen(dir, func(a string) error {
				seen <- a
				return errors.New("another sign-in's state")
			})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if err := handover.Send(ctx(t), dir, c.addr); !errors.Is(err, handover.ErrRefused) {
				t.Errorf("Send = %v, want ErrRefused", err)
			}
			if err != nil && strings.Contains(err.Error(), "code") {
				t.Errorf("error %q may quote the address", err)
			}
			l.Close()
			close(seen)
			if a, ok := <-seen; ok && c.name != "forged state" {
				t.Errorf("listener saw %q; want it refused before", a)
			}
		})
	}
}
