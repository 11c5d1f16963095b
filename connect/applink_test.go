package connect_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/handover"
	"github.com/kantata-connect/kantata-connect/internal/connecttest"
	"github.com/kantata-connect/kantata-connect/store"
)

func startAppLink(t *testing.T, f *connecttest.Fixture, connID string) *connect.Authorization {
	t.Helper()
	a, err := f.Svc.StartAuthorize(context.Background(), connID, connect.AuthorizeOptions{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Cancel)
	return a
}

// redirect clicks Authorize at the stand-in and returns the app-link
// address it redirects to.
func redirect(t *testing.T, f *connecttest.Fixture, a *connect.Authorization) string {
	t.Helper()
	loc, err := f.Kantata.AuthorizeOverHTTP(a.URL())
	if err != nil || !strings.HasPrefix(loc.String(), handover.RedirectURI+"?") {
		t.Fatalf("Authorize led to %v (%v); want the app's own link", loc, err)
	}
	return loc.String()
}

func send(t *testing.T, f *connecttest.Fixture, address string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return handover.Send(ctx, filepath.Dir(f.Store.Path()), address)
}

// TestAppLinkHandOver: an app-link sign-in registers the link, takes the
// address handed over on its records folder, and stops listening when it
// ends.
func TestAppLinkHandOver(t *testing.T) {
	f := connecttest.NewWith(t, nil, store.CallbackAppLink)
	f.Svc.RegisterLink = func() (bool, error) { return true, nil }
	a := startAppLink(t, f, f.Conn.ID)
	if !a.WaitsForAppLink() || !a.LinkRegistration().Registered || a.AppLinkProblem() != nil {
		t.Fatalf("waits %v, registration %+v, problem %v", a.WaitsForAppLink(), a.LinkRegistration(), a.AppLinkProblem())
	}
	if err := send(t, f, redirect(t, f, a)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	conn, err := a.Wait(context.Background())
	if err != nil || conn.Status != store.StatusAuthorized {
		t.Fatalf("Wait = %v, %v; want authorized", conn.Status, err)
	}
	waitNobody(t, f)
}

// waitNobody waits until the records folder's listener is gone.
func waitNobody(t *testing.T, f *connecttest.Fixture) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		err := send(t, f, handover.RedirectURI+"?code=late-code-0123456789&state=x")
		if errors.Is(err, handover.ErrNobodyWaiting) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the sign-in ended, Send = %v; want ErrNobodyWaiting", err)
		}
	}
}

// TestAppLinkInUse: a second app-link sign-in on the same records folder
// hears that another holds the link, in plain words, and still takes a
// pasted address; an address for it handed over goes to the first, which
// refuses it.
func TestAppLinkInUse(t *testing.T) {
	f := connecttest.NewWith(t, nil, store.CallbackAppLink)
	second, err := f.Store.SaveConnection("", "Second", f.Conn.ClientRef)
	if err != nil {
		t.Fatal(err)
	}
	first := startAppLink(t, f, f.Conn.ID)
	a := startAppLink(t, f, second.ID)
	var inUse connect.AppLinkInUseError
	if err := a.AppLinkProblem(); !errors.As(err, &inUse) || !errors.Is(err, handover.ErrInUse) {
		t.Fatalf("AppLinkProblem = %v; want AppLinkInUseError", err)
	}
	if msg, _ := connect.Explain(a.AppLinkProblem()); !strings.Contains(msg, "Another sign-in") || !strings.Contains(msg, "start this one again") {
		t.Errorf("message %q: want it to say another sign-in waits, and what to do", msg)
	}
	address := redirect(t, f, a)
	if err := send(t, f, address); !errors.Is(err, handover.ErrRefused) {
		t.Errorf("Send of the second sign-in's address = %v; want the first to refuse it", err)
	}
	if err := a.Complete(address); err != nil {
		t.Fatalf("pasted: %v", err)
	}
	if conn, err := a.Wait(context.Background()); err != nil || conn.Status != store.StatusAuthorized {
		t.Fatalf("Wait = %v, %v; want authorized", conn.Status, err)
	}
	first.Cancel()
}

// TestAppLinkRegistrationFails: a link that can't be registered is said,
// and the sign-in waits all the same.
func TestAppLinkRegistrationFails(t *testing.T) {
	f := connecttest.NewWith(t, nil, store.CallbackAppLink)
	f.Svc.RegisterLink = func() (bool, error) { return false, errors.New("xdg-mime is not installed") }
	a := startAppLink(t, f, f.Conn.ID)
	if reg := a.LinkRegistration(); reg.Err == nil || reg.Registered {
		t.Fatalf("registration %+v; want its error", reg)
	}
	if text := connect.LinkNotRegistered(a.LinkRegistration().Err); !strings.Contains(text, "xdg-mime is not installed") {
		t.Errorf("LinkNotRegistered = %q", text)
	}
	if err := send(t, f, redirect(t, f, a)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if _, err := a.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}
