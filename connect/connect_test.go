package connect_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/connecttest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/safetext"
	"github.com/kantata-connect/kantata-connect/store"
)

const secret = connecttest.Secret

func newFixture(t *testing.T, b *browsertest.Browser) *connecttest.Fixture {
	return connecttest.New(t, b)
}

func TestAuthorizeTestRevoke(t *testing.T) {
	testenv.Chromium(t)
	f := newFixture(t, browsertest.New(t))
	ctx := context.Background()

	var shownURL string
	conn, err := f.Svc.Authorize(ctx, f.Conn.ID, connect.AuthorizeOptions{Timeout: time.Minute}, func(a *connect.Authorization) {
		shownURL = a.URL()
	})
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	if !strings.HasPrefix(shownURL, f.Kantata.AuthURL()) {
		t.Errorf("sign-in URL %q does not start at the stand-in's authorize endpoint", shownURL)
	}
	if page, err := f.Browser.LastResult(); err != nil || !strings.Contains(page, "You're connected") {
		t.Errorf("browser page = %q, %v; want the success page", page, err)
	}
	if conn.Status != store.StatusAuthorized || conn.Identity == nil || conn.Identity.FullName != "Jane Doe" {
		t.Fatalf("after sign-in: status %q identity %+v; want authorized as Jane Doe", conn.Status, conn.Identity)
	}
	if got := connect.StatusText(conn); got != "Authorized as Jane Doe" {
		t.Errorf("StatusText = %q", got)
	}
	if conn.LastAuthorizedAt == nil || conn.LastTestedAt == nil {
		t.Error("sign-in and test times were not kept")
	}
	tok, err := f.Store.Token(conn.ID)
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token not in the keychain: %v", err)
	}

	// The records file holds no secret: not the client secret, not the token.
	data, err := os.ReadFile(f.Store.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, tok.AccessToken} {
		if strings.Contains(string(data), s) {
			t.Fatalf("records file %s contains a secret", filepath.Base(f.Store.Path()))
		}
	}

	f.Kantata.SetUser("777", "Sam Support", "sam@example.com")
	if conn, err = f.Svc.Test(ctx, conn.ID); err != nil {
		t.Fatalf("Test: %v", err)
	}
	if conn.Status != store.StatusAuthorized {
		t.Errorf("status after a good test = %q", conn.Status)
	}

	f.Kantata.RevokeAll()
	conn, err = f.Svc.Test(ctx, conn.ID)
	if err == nil {
		t.Fatal("Test after revocation succeeded")
	}
	if conn.Status != store.StatusNeedsReauth || connect.StatusText(conn) != "Needs re-authorization" {
		t.Errorf("after revocation: status %q (%q); want needs re-authorization", conn.Status, connect.StatusText(conn))
	}
	msg, _ := connect.Explain(err)
	if !strings.Contains(msg, "revoked") {
		t.Errorf("message %q does not say the authorization may be revoked", msg)
	}
	if next := connect.NextStepOf(err); next != connect.NextSignInAgain {
		t.Errorf("NextStepOf after revocation = %v; want %v", next, connect.NextSignInAgain)
	}
	assertNoSecret(t, err, secret, tok.AccessToken)
}

func TestAuthorizeDeniedKeepsReasonWithConnection(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	f := newFixture(t, b)
	f.Svc.Opener = b.Opener((*browsertest.Browser).Deny)

	conn, err := f.Svc.Authorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{Timeout: time.Minute}, nil)
	if oauth.KindOf(err) != oauth.KindDenied {
		t.Fatalf("err = %v; want the denied kind", err)
	}
	// A choice, not a failure: still not authorized, with the reason.
	if conn.Status != store.StatusNeverAuthorized || connect.StatusText(conn) != "Not authorized yet" {
		t.Errorf("status %q (%q); want not authorized yet", conn.Status, connect.StatusText(conn))
	}
	if saved, _ := f.Store.Connection(f.Conn.ID); saved.LastError == "" || saved.LastErrorDetail == "" {
		t.Errorf("the saved connection lost the reason: %+v", saved)
	}
	if _, err := f.Store.Token(f.Conn.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a denied sign-in left a token (err %v)", err)
	}
}

// A new sign-in of a working connection that doesn't finish takes nothing
// away: denied or canceled, the connection stays authorized as the same user
// with the same token, and the error says so.
func TestFailedReauthorizationKeepsTheWorkingOne(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	f := newFixture(t, b)
	working, err := f.Svc.Authorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{Timeout: time.Minute}, nil)
	if err != nil || working.Status != store.StatusAuthorized {
		t.Fatalf("first sign-in: %+v, %v", working, err)
	}
	tok, _ := f.Store.Token(f.Conn.ID)

	for _, tc := range []struct {
		name string
		kind oauth.Kind
		run  func() (store.Connection, error)
	}{
		{"denied", oauth.KindDenied, func() (store.Connection, error) {
			f.Svc.Opener = b.Opener((*browsertest.Browser).Deny)
			return f.Svc.Authorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{Timeout: time.Minute}, nil)
		}},
		{"canceled", oauth.KindCanceled, func() (store.Connection, error) {
			f.Svc.Opener = func(string) error { return nil }
			a, err := f.Svc.StartAuthorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{Timeout: time.Minute})
			if err != nil {
				return store.Connection{}, err
			}
			a.Cancel()
			return a.Wait(context.Background())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := tc.run()
			if oauth.KindOf(err) != tc.kind {
				t.Fatalf("err = %v; want the %s kind", err, tc.kind)
			}
			msg, _ := connect.Explain(err)
			if !strings.Contains(msg, "“Production” still works as Jane Doe <jane@example.com>") {
				t.Errorf("message %q does not say the connection still works", msg)
			}
			saved, _ := f.Store.Connection(f.Conn.ID)
			for what, c := range map[string]store.Connection{"returned": conn, "saved": saved} {
				if c.Status != store.StatusAuthorized || connect.IdentityText(c) != "Jane Doe <jane@example.com>" || c.LastError != "" {
					t.Errorf("%s connection: %s as %q, last error %q; want still authorized as Jane Doe", what, c.Status, connect.IdentityText(c), c.LastError)
				}
			}
			if now, _ := f.Store.Token(f.Conn.ID); now != tok {
				t.Error("the working token was replaced or removed")
			}
		})
	}
}

func TestCancelLeavesConnectionAsItWas(t *testing.T) {
	f := newFixture(t, nil)
	f.Svc.Opener = func(string) error { return nil } // the user never answers

	a, err := f.Svc.StartAuthorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	a.Cancel()
	conn, err := a.Wait(context.Background())
	if oauth.KindOf(err) != oauth.KindCanceled {
		t.Fatalf("err = %v; want canceled", err)
	}
	if conn.Status != store.StatusNeverAuthorized {
		t.Errorf("status after cancel = %q; want unchanged", conn.Status)
	}
	// The port is free again at once: a new sign-in starts.
	again, err := f.Svc.StartAuthorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{NoBrowser: true, Timeout: time.Minute})
	if err != nil {
		t.Fatalf("second sign-in after cancel: %v", err)
	}
	again.Cancel()
	_, _ = again.Wait(context.Background())
}

func TestSignedInButIdentityCheckFailsStaysAuthorized(t *testing.T) {
	testenv.Chromium(t)
	f := newFixture(t, browsertest.New(t))
	f.Kantata.SetMeMode(fakekantata.MeServerError)

	conn, err := f.Svc.Authorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{Timeout: time.Minute}, nil)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	if conn.Status != store.StatusAuthorized || conn.Identity != nil || conn.LastError == "" {
		t.Errorf("got status %q identity %+v note %q; want authorized, no identity, a note why", conn.Status, conn.Identity, conn.LastError)
	}
}

func TestTestBeforeAuthorizeSaysWhatToDo(t *testing.T) {
	f := newFixture(t, nil)
	_, err := f.Svc.Test(context.Background(), f.Conn.ID)
	if !errors.Is(err, connect.ErrNotAuthorized) {
		t.Fatalf("err = %v; want ErrNotAuthorized", err)
	}
	if msg, _ := connect.Explain(err); !strings.Contains(msg, "“Production” is not authorized yet") {
		t.Errorf("message %q does not say the connection is not authorized", msg)
	}
	if next := connect.NextStepOf(err); next != connect.NextSignInFirst {
		t.Errorf("NextStepOf = %v; want %v, so each front says how to sign in", next, connect.NextSignInFirst)
	}
	if f.Kantata.MeRequests() != 0 {
		t.Error("a connection without a token was checked with Kantata")
	}
}

func TestExplainPlainErrors(t *testing.T) {
	msg, detail := connect.Explain(errors.New("disk on fire"))
	if !strings.Contains(msg, "disk on fire") || detail != "disk on fire" {
		t.Errorf("Explain = %q, %q", msg, detail)
	}
	if m, d := connect.Explain(nil); m != "" || d != "" {
		t.Errorf("Explain(nil) = %q, %q", m, d)
	}
}

func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	msg, detail := connect.Explain(err)
	for _, s := range secrets {
		if strings.Contains(err.Error()+msg+detail, s) {
			t.Errorf("an error text contains a secret")
		}
	}
}

func TestTestOnReadOnlyRecordsStillReportsWho(t *testing.T) {
	testenv.Chromium(t)
	f := newFixture(t, browsertest.New(t))
	ctx := context.Background()
	if _, err := f.Svc.Authorize(ctx, f.Conn.ID, connect.AuthorizeOptions{Timeout: time.Minute}, nil); err != nil {
		t.Fatal(err)
	}
	// A newer app rewrote the records: this one may read them but not write.
	data, err := os.ReadFile(f.Store.Path())
	if err != nil {
		t.Fatal(err)
	}
	now := fmt.Sprintf(`"schema_version": %d`, store.SchemaVersion)
	newer := strings.Replace(string(data), now, `"schema_version": 99`, 1)
	if newer == string(data) {
		t.Fatalf("records file has no %s to bump:\n%s", now, data)
	}
	if err := os.WriteFile(f.Store.Path(), []byte(newer), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.Reload(); err != nil || !f.Store.ReadOnly() {
		t.Fatalf("store not read-only after a newer file (err %v)", err)
	}

	f.Kantata.RevokeAll()
	conn, err := f.Svc.Test(ctx, f.Conn.ID)
	if !errors.Is(err, store.ErrReadOnly) || !kantata.IsRejected(err) {
		t.Fatalf("err = %v; want both the rejection and why it was not kept", err)
	}
	if conn.Name != "Production" || conn.Status != store.StatusNeedsReauth || conn.LastError == "" {
		t.Errorf("got %+v; want the test's outcome although it could not be kept", conn)
	}
}

// The endpoint rules hold when a client is used, not only when it is saved:
// a records file edited to send the token over plain http to another host
// gets no request out.
func TestClientRulesHoldWhenUsed(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.Kantata.IssueToken(t, mustClient(t, f).ClientID, secret, mustClient(t, f).RedirectURI())
	if err := f.Store.SaveToken(f.Conn.ID, store.Token{AccessToken: tok}); err != nil {
		t.Fatal(err)
	}
	before := f.Kantata.Requests() // issuing the token took some
	data, err := os.ReadFile(f.Store.Path())
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), `"api_base_url": "`+f.Kantata.APIBaseURL()+`"`, `"api_base_url": "http://api.collector.example"`, 1)
	if edited == string(data) {
		t.Fatal("no API URL to edit in the records file")
	}
	if err := os.WriteFile(f.Store.Path(), []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, run := range map[string]func() error{
		"test": func() error { _, err := f.Svc.Test(context.Background(), f.Conn.ID); return err },
		"authorize": func() error {
			_, err := f.Svc.StartAuthorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{NoBrowser: true})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := run()
			var v *store.ValidationError
			if !errors.As(err, &v) || v.Field != store.FieldAPIBaseURL {
				t.Fatalf("err = %v; want the API base URL refused", err)
			}
		})
	}
	if n := f.Kantata.Requests() - before; n != 0 {
		t.Errorf("%d requests went out for a client the rules refuse", n)
	}
}

func mustClient(t *testing.T, f *connecttest.Fixture) store.Client {
	t.Helper()
	c, ok := f.Store.Client(f.Conn.ClientRef)
	if !ok {
		t.Fatal("the fixture's client is gone")
	}
	return c
}

// Explain is where every error becomes the words shown and kept with a
// connection: whatever an error's text holds (a Go network error quoting a
// server's certificate, a wrapped name), what comes out is safe to show,
// line by line.
func TestExplainMakesTextSafe(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		lines int // of the detail
	}{
		{"plain error with a title change", errors.New("read \x1b]0;pwned\x07 failed"), 1},
		{"plain error with an OSC 8 link", fmt.Errorf("open: %w", errors.New("\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\")), 1},
		{"joined errors keep their lines", errors.Join(errors.New("first \u202eevil\u202c"), errors.New("second\u009b31m")), 2},
		{"typed error with an unsafe detail", &kantata.Error{Kind: kantata.KindNetwork, Message: "Could not reach \x1b[2JKantata.",
			Detail: "GET /api/v1/users/me.json", Err: errors.New("x509: certificate is valid for Jane\u200bDoe\x1b[8m, not kantata")}, 2},
		{"wrapped typed error", fmt.Errorf("test %q: %w", "Prod", &oauth.Error{Kind: oauth.KindTokenError, Message: "Kantata refused: \u2066x\u2069",
			Detail: "POST token: \x1b[31mred"}), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, detail := connect.Explain(tc.err)
			for what, s := range map[string]string{"message": strings.ReplaceAll(msg, "\n", " "), "detail": strings.ReplaceAll(detail, "\n", " ")} {
				if i := safetext.Find(s); i >= 0 {
					t.Errorf("the %s holds %q at byte %d: %q", what, []rune(s[i:])[0], i, s)
				}
			}
			if n := strings.Count(detail, "\n") + 1; n != tc.lines {
				t.Errorf("the detail has %d lines, want %d: %q", n, tc.lines, detail)
			}
		})
	}
}
