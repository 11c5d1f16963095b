package connect_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// The most common setup mistake: the callback URL registered in Kantata is
// not the app's. Kantata shows its own error page and never sends the
// browser back; the hint comes while waiting, and the timeout names the
// callback URL.
func TestCallbackHintBeforeTimeoutWhenCallbackNotRegistered(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	f := newFixture(t, b)
	client, _ := f.Store.Client(f.Conn.ClientRef)
	f.Kantata.AddClient(client.ClientID, secret, "http://127.0.0.1:1/callback") // registered: another URL

	opts := connect.AuthorizeOptions{HintAfter: 200 * time.Millisecond, Timeout: 3 * time.Second}
	a, err := f.Svc.StartAuthorize(context.Background(), f.Conn.ID, opts)
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { _, err := a.Wait(context.Background()); waited <- err }()

	select {
	case <-a.HintDue():
	case err := <-waited:
		t.Fatalf("the sign-in ended (%v) before the hint was due", err)
	case <-time.After(hangGuard):
		t.Fatalf("no hint within %v", hangGuard)
	}
	hint := connect.CallbackHint(a.RedirectURI())
	for _, want := range []string{client.RedirectURI(), "error page", "callback URL", "Settings > API"} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint %q does not say %q", hint, want)
		}
	}

	var werr error
	select {
	case werr = <-waited:
	case <-time.After(hangGuard):
		t.Fatalf("the sign-in did not time out within %v", hangGuard)
	}
	if oauth.KindOf(werr) != oauth.KindTimeout {
		t.Fatalf("err = %v; want a timeout", werr)
	}
	msg, _ := connect.Explain(werr)
	if !strings.Contains(msg, client.RedirectURI()) || !strings.Contains(msg, "callback URL") {
		t.Errorf("timeout message %q does not name the callback URL as the likely cause", msg)
	}
	// The browser really was on Kantata's error page, not at an Authorize button.
	if page, err := b.LastResult(); err == nil || !strings.Contains(page, "invalid_redirect_uri") {
		t.Errorf("browser ended on %q (%v); want Kantata's error page", page, err)
	}
	if saved, _ := f.Store.Connection(f.Conn.ID); saved.Status != store.StatusFailed || !strings.Contains(saved.LastError, client.RedirectURI()) {
		t.Errorf("saved after the timeout: status %q, error %q; want failed, naming the callback URL", saved.Status, saved.LastError)
	}
}

// No hint when the sign-in ends first: approved over plain HTTP (far faster
// than hintAfter), and canceled at once.
func TestNoCallbackHintWhenTheSignInEndsFirst(t *testing.T) {
	const hintAfter = 2 * time.Second
	f := newFixture(t, nil)

	start := time.Now()
	a, err := f.Svc.StartAuthorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{NoBrowser: true, HintAfter: hintAfter, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	approveOverHTTP(t, a.URL())
	conn, err := a.Wait(context.Background())
	if err != nil || conn.Status != store.StatusAuthorized {
		t.Fatalf("sign-in: %v, status %q", err, conn.Status)
	}
	if took := time.Since(start); took >= hintAfter {
		t.Fatalf("the sign-in took %v, not less than the %v this test needs; the machine is overloaded", took, hintAfter)
	}
	canceled, err := f.Svc.StartAuthorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{NoBrowser: true, HintAfter: 50 * time.Millisecond, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	canceled.Cancel()
	if _, err := canceled.Wait(context.Background()); oauth.KindOf(err) != oauth.KindCanceled {
		t.Fatalf("err = %v; want canceled", err)
	}
	never, err := f.Svc.StartAuthorize(context.Background(), f.Conn.ID, connect.AuthorizeOptions{NoBrowser: true, HintAfter: -1, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := never.Wait(context.Background()); oauth.KindOf(err) != oauth.KindTimeout {
		t.Fatalf("err = %v; want a timeout", err)
	}

	// Past every hint time: none fired.
	time.Sleep(time.Until(start.Add(hintAfter + 300*time.Millisecond)))
	for name, a := range map[string]*connect.Authorization{"approved": a, "canceled": canceled, "negative HintAfter": never} {
		select {
		case <-a.HintDue():
			t.Errorf("%s sign-in: the hint became due after it ended", name)
		default:
		}
	}
}

var consentInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// approveOverHTTP clicks Authorize the way a browser would, in plain HTTP:
// GET the sign-in page, post its form, follow the redirect to the callback.
func approveOverHTTP(t *testing.T, signInURL string) {
	t.Helper()
	if status, page := authorizeOverHTTP(t, signInURL); !strings.Contains(page, oauth.SuccessText) {
		t.Fatalf("the callback answered HTTP %d: %s", status, page)
	}
}

// denyOverHTTP clicks Deny the way a browser would.
func denyOverHTTP(t *testing.T, signInURL string) {
	t.Helper()
	decideOverHTTP(t, signInURL, "deny")
}

// authorizeOverHTTP is approveOverHTTP that returns the callback's answer,
// whatever the outcome.
func authorizeOverHTTP(t *testing.T, signInURL string) (status int, page string) {
	t.Helper()
	return decideOverHTTP(t, signInURL, "authorize")
}

func decideOverHTTP(t *testing.T, signInURL, decision string) (status int, page string) {
	t.Helper()
	c := &http.Client{Timeout: 20 * time.Second} // hang guard
	resp, err := c.Get(signInURL)
	if err != nil {
		t.Fatal(err)
	}
	consent, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{}
	for _, m := range consentInput.FindAllStringSubmatch(string(consent), -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	form.Set("decision", decision)
	u, _ := url.Parse(signInURL)
	resp, err = c.PostForm(u.Scheme+"://"+u.Host+u.Path, form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(body)
}
