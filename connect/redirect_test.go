package connect_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/connecttest"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// movedTo is a server that answers every request with a 307 to target: an
// address that looks like Kantata's but sends the request elsewhere.
func movedTo(t *testing.T, target string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(s.Close)
	return s
}

// setClient changes the fixture's client settings.
func setClient(t *testing.T, f *connecttest.Fixture, change func(*store.ClientSettings)) {
	t.Helper()
	client, ok := f.Store.Client(f.Conn.ClientRef)
	if !ok {
		t.Fatal("the fixture's client is gone")
	}
	settings := client.ClientSettings
	change(&settings)
	if _, err := f.Store.SaveClient(client.ID, settings, secret); err != nil {
		t.Fatal(err)
	}
}

// A whole sign-in against the stand-in Kantata, with the client's access
// token URL at a server that redirects to the stand-in's real token endpoint:
// the stand-in's token endpoint gets nothing, and the connection keeps why, in
// words that name where the sign-in was sent and the setting to check. The
// next step is to fix the setting, not to sign in again.
func TestAuthorizeStopsAtARedirectingTokenEndpoint(t *testing.T) {
	f := newFixture(t, nil)
	moved := movedTo(t, f.Kantata.TokenURL())
	setClient(t, f, func(c *store.ClientSettings) { c.TokenURL = moved.URL + "/oauth/token" })
	ctx := context.Background()

	a, err := f.Svc.StartAuthorize(ctx, f.Conn.ID, connect.AuthorizeOptions{NoBrowser: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	_, page := authorizeOverHTTP(t, a.URL())
	conn, err := a.Wait(ctx)
	if oauth.KindOf(err) != oauth.KindRedirected {
		t.Fatalf("err = %v; want the redirected kind", err)
	}
	if n := f.Kantata.TokenRequests(); n != 0 {
		t.Errorf("the token endpoint the redirect pointed at got %d requests", n)
	}
	if !strings.Contains(page, "Sign-in failed") {
		t.Errorf("the browser page does not show the failure: %s", page)
	}
	standIn, _ := url.Parse(f.Kantata.URL)
	saved, _ := f.Store.Connection(f.Conn.ID)
	if conn.Status != store.StatusFailed || saved.Status != store.StatusFailed {
		t.Errorf("status %q (saved %q); want failed", conn.Status, saved.Status)
	}
	if !strings.Contains(saved.LastError, standIn.Host) || !strings.Contains(saved.LastError, "access token URL") {
		t.Errorf("last_error %q does not name %s and the access token URL", saved.LastError, standIn.Host)
	}
	if !strings.Contains(saved.LastErrorDetail, "307") || !strings.Contains(saved.LastErrorDetail, "Location") {
		t.Errorf("last_error_detail %q lacks the status and the Location", saved.LastErrorDetail)
	}
	if next := connect.NextStepOf(err); next != connect.NextNone {
		t.Errorf("NextStepOf = %v; want %v", next, connect.NextNone)
	}
	if _, err := f.Store.Token(f.Conn.ID); err == nil {
		t.Error("a token was kept")
	}
	assertNoSecret(t, err, secret)
	data, err := os.ReadFile(f.Store.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) {
		t.Error("the records file holds the client secret")
	}
}

// A connection test whose API address redirects to the stand-in's real API:
// the stand-in's API gets nothing, the connection keeps why, and the next
// step is to fix the setting.
func TestTestStopsAtARedirectingAPI(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	// The API address is the redirecting one from the start: a token goes
	// only to the endpoints it was issued with (issue 19).
	moved := movedTo(t, f.Kantata.MeURL())
	setClient(t, f, func(c *store.ClientSettings) { c.APIBaseURL = moved.URL })
	a, err := f.Svc.StartAuthorize(ctx, f.Conn.ID, connect.AuthorizeOptions{NoBrowser: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	approveOverHTTP(t, a.URL())
	if _, err := a.Wait(ctx); err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	tok, err := f.Store.Token(f.Conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	before := f.Kantata.MeRequests()

	conn, err := f.Svc.Test(ctx, f.Conn.ID)
	if kantata.KindOf(err) != kantata.KindRedirected {
		t.Fatalf("err = %v; want the redirected kind", err)
	}
	if n := f.Kantata.MeRequests() - before; n != 0 {
		t.Errorf("the API the redirect pointed at got %d requests", n)
	}
	standIn, _ := url.Parse(f.Kantata.URL)
	if conn.Status != store.StatusFailed || !strings.Contains(conn.LastError, standIn.Host) ||
		!strings.Contains(conn.LastErrorDetail, "Location") {
		t.Errorf("status %q, last_error %q, detail %q; want failed, naming %s, with the Location",
			conn.Status, conn.LastError, conn.LastErrorDetail, standIn.Host)
	}
	if next := connect.NextStepOf(err); next != connect.NextNone {
		t.Errorf("NextStepOf = %v; want %v", next, connect.NextNone)
	}
	assertNoSecret(t, err, tok.AccessToken)
}
