package connect_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/diagnose"
	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/connecttest"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// startBlocked starts a sign-in whose browser, real Chromium, cannot reach
// this computer's callback listener, and returns it with the address the
// browser ended on.
func startBlocked(t *testing.T, f *connecttest.Fixture, action func(*browsertest.Browser, string) (string, error)) (*connect.Authorization, string) {
	t.Helper()
	f.Svc.Opener = f.Browser.Opener(action)
	a, err := f.Svc.StartAuthorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Cancel)
	addr, err := f.Browser.LastResult()
	if err != nil || !strings.HasPrefix(addr, a.RedirectURI()+"?") {
		t.Fatalf("the browser ended on %q (%v); want an address at %s", addr, err, a.RedirectURI())
	}
	return a, addr
}

// noCodeKept fails if the code of a pasted address is in the records file
// or the diagnostics report.
func noCodeKept(t *testing.T, f *connecttest.Fixture, addr string) {
	t.Helper()
	u, _ := url.Parse(addr)
	code := u.Query().Get("code")
	if code == "" {
		return
	}
	records, err := os.ReadFile(f.Store.Path())
	if err != nil {
		t.Fatal(err)
	}
	report, err := diagnose.Report(context.Background(), f.Store, f.Conn.ID, diagnose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"the records file": string(records), "the diagnostics report": report} {
		if strings.Contains(text, code) || strings.Contains(text, url.QueryEscape(code)) {
			t.Errorf("%s holds the pasted code", what)
		}
	}
}

// TestAuthorizeWithPastedAddress: the sign-in of a saved connection, with a
// browser that cannot reach this computer, finishes with the pasted address
// and is recorded like any other; refused addresses record nothing.
func TestAuthorizeWithPastedAddress(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)

	t.Run("authorized", func(t *testing.T) {
		f := newFixture(t, b)
		a, addr := startBlocked(t, f, (*browsertest.Browser).AuthorizeBlocked)

		// A stale address, from an earlier sign-in: refused, nothing kept.
		u, _ := url.Parse(addr)
		q := u.Query()
		q.Set("state", "state-of-an-earlier-sign-in")
		u.RawQuery = q.Encode()
		err := a.Complete(u.String())
		if oauth.KindOf(err) != oauth.KindWrongState {
			t.Fatalf("stale address: %v; want it refused as another sign-in's", err)
		}
		if msg, detail := connect.Explain(err); strings.Contains(msg+detail, q.Get("code")) {
			t.Error("the refusal quotes the code")
		}
		if conn, _ := f.Store.Connection(f.Conn.ID); conn.Status != store.StatusNeverAuthorized || conn.LastError != "" {
			t.Errorf("after a refused address: status %q, last error %q; want nothing recorded", conn.Status, conn.LastError)
		}

		if err := a.Complete(addr); err != nil {
			t.Fatalf("Complete: %v", err)
		}
		conn, err := a.Wait(context.Background())
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if conn.Status != store.StatusAuthorized || connect.IdentityText(conn) != "Jane Doe <jane@example.com>" {
			t.Fatalf("after the pasted address: status %q, identity %+v", conn.Status, conn.Identity)
		}
		if tok, err := f.Store.Token(conn.ID); err != nil || tok.AccessToken == "" {
			t.Fatalf("no token in the keychain: %v", err)
		}
		if conn.LastSignInTimings == nil || conn.LastSignInTimings.TokenExchange <= 0 {
			t.Errorf("sign-in timings %+v; want the exchange measured", conn.LastSignInTimings)
		}
		if l, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(testPort(t, a))); err != nil {
			t.Errorf("the callback port is still held: %v", err)
		} else {
			l.Close()
		}
		noCodeKept(t, f, addr)
	})

	t.Run("denied", func(t *testing.T) {
		f := newFixture(t, b)
		a, addr := startBlocked(t, f, (*browsertest.Browser).DenyBlocked)
		if err := a.Complete(addr); err != nil {
			t.Fatalf("Complete: %v", err)
		}
		conn, err := a.Wait(context.Background())
		if oauth.KindOf(err) != oauth.KindDenied {
			t.Fatalf("Wait: %v; want the denial", err)
		}
		if conn.Status != store.StatusNeverAuthorized || !strings.Contains(conn.LastError, "You chose not to authorize") {
			t.Errorf("after a pasted denial: status %q, last error %q", conn.Status, conn.LastError)
		}
		if f.Kantata.TokenRequests() != 0 {
			t.Error("the token endpoint was called after a denial")
		}
	})
}

// testPort is the callback port of a sign-in.
func testPort(t *testing.T, a *connect.Authorization) int {
	t.Helper()
	u, err := url.Parse(a.RedirectURI())
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}
