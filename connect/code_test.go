package connect_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/connecttest"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// A client of kind code signs in against a Kantata that takes only https
// callbacks: the code read off Kantata's page, pasted, gets a token with the
// out-of-band redirect URI and the PKCE verifier; a wrong code first gets
// plain words and another try.
func TestCodeSignIn(t *testing.T) {
	f := connecttest.NewWith(t, nil, store.CallbackCode)
	ctx := context.Background()
	a, err := f.Svc.StartAuthorize(ctx, f.Conn.ID, connect.AuthorizeOptions{NoBrowser: true})
	if err != nil {
		t.Fatal(err)
	}
	if !a.ShowsCode() || a.RedirectURI() != oauth.OOBRedirectURI {
		t.Fatalf("ShowsCode %v, RedirectURI %q", a.ShowsCode(), a.RedirectURI())
	}
	if left := time.Until(a.Deadline()); left < 9*time.Minute {
		t.Errorf("a code sign-in waits %v; want the 10 minutes a code lasts", left.Round(time.Minute))
	}
	_, code, err := f.Kantata.ShownCode(a.URL())
	if err != nil {
		t.Fatal(err)
	}
	err = a.Complete(strings.ToUpper(code[:1]) + strings.ToLower(code[:1]) + code[2:] + "x")
	if oauth.KindOf(err) != oauth.KindInvalidGrant {
		t.Fatalf("a mistyped code: %v; want invalid_grant and another try", err)
	}
	if err := a.Complete("Authorization code: " + code); err != nil {
		t.Fatalf("the code as the page shows it: %v", err)
	}
	conn, err := a.Wait(ctx)
	if err != nil || conn.Status != store.StatusAuthorized || conn.Identity == nil || conn.Identity.FullName != "Jane Doe" {
		t.Fatalf("after the code: %+v, %v", conn, err)
	}
	form, _ := f.Kantata.LastTokenRequest()
	if form.Get("redirect_uri") != oauth.OOBRedirectURI || form.Get("code_verifier") == "" {
		t.Errorf("the token request: %v", form)
	}
	if _, err := f.Svc.Test(ctx, f.Conn.ID); err != nil {
		t.Errorf("test after a code sign-in: %v", err)
	}
}

// A personal token authorizes a connection after users/me accepts it; a
// refused one stores nothing and leaves the connection as it was.
func TestAuthorizeWithToken(t *testing.T) {
	f := connecttest.New(t, nil)
	ctx := context.Background()
	client, _ := f.Store.Client(f.Conn.ClientRef)

	for _, bad := range []string{"", "not a token", "wrong-token-0123456789abcdef"} {
		_, err := f.Svc.AuthorizeWithToken(ctx, f.Conn.ID, bad)
		var refused *connect.TokenRefusedError
		if !errors.As(err, &refused) || !strings.Contains(refused.UserMessage(), "nothing was stored") {
			t.Errorf("token %q: %v", bad, err)
		}
		if _, err := f.Store.Token(f.Conn.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token %q: something was stored (err %v)", bad, err)
		}
		if c, _ := f.Store.Connection(f.Conn.ID); c.Status != store.StatusNeverAuthorized {
			t.Errorf("token %q changed the connection: %s", bad, c.Status)
		}
	}

	tok := f.Kantata.PersonalToken(t, client.ClientID)
	conn, err := f.Svc.AuthorizeWithToken(ctx, f.Conn.ID, "  "+tok+"\n")
	if err != nil || conn.Status != store.StatusAuthorized || conn.AuthorizedWith != store.AuthorizedWithPersonalToken ||
		conn.Identity == nil || conn.Identity.FullName != "Jane Doe" || conn.Projects == nil || conn.Projects.Visible == nil {
		t.Fatalf("AuthorizeWithToken = %+v, %v", conn, err)
	}
	if saved, err := f.Store.Token(f.Conn.ID); err != nil || saved.AccessToken != tok {
		t.Errorf("the token kept: %v", err)
	}
	if conn, err := f.Svc.Test(ctx, f.Conn.ID); err != nil || conn.AuthorizedWith != store.AuthorizedWithPersonalToken {
		t.Errorf("test of a personal-token connection: %+v, %v", conn, err)
	}
}

// Deny on a connection never authorized is a choice, not a failure: it
// stays "not authorized yet", with the reason as a note.
func TestDenyFirstSignInStaysNotAuthorized(t *testing.T) {
	f := connecttest.New(t, nil)
	ctx := context.Background()
	a, err := f.Svc.StartAuthorize(ctx, f.Conn.ID, connect.AuthorizeOptions{NoBrowser: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	denyOverHTTP(t, a.URL())
	conn, err := a.Wait(ctx)
	if oauth.KindOf(err) != oauth.KindDenied {
		t.Fatalf("err = %v; want denied", err)
	}
	if conn.Status != store.StatusNeverAuthorized || !strings.Contains(conn.LastError, "chose not to authorize") ||
		connect.StatusText(conn) != "Not authorized yet" {
		t.Errorf("after Deny: status %s (%q), note %q", conn.Status, connect.StatusText(conn), conn.LastError)
	}
}
