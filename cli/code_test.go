package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/store"
)

// addCodeClient saves a client of kind code at a stand-in that, like
// Kantata's Doorkeeper by default, takes only https callbacks: the loopback
// URL is refused at registration, the out-of-band one accepted.
func (h *harness) addCodeClient(name string) (clientID string) {
	h.t.Helper()
	h.kantata.SetHTTPSOnlyCallbacks(true)
	clientID, secret := "client-"+testenv.RandomHex(h.t), "s3cr3t-"+testenv.RandomHex(h.t)+testenv.RandomHex(h.t)
	h.secret(secret)
	if err := h.kantata.RegisterClient(clientID, secret, "http://127.0.0.1:38917/callback"); err == nil ||
		!strings.Contains(err.Error(), fakekantata.ErrHTTPSRedirectURI) {
		h.t.Fatalf("the stand-in took an http callback in its https-only mode: %v", err)
	}
	h.kantata.AddClient(clientID, secret, "urn:ietf:wg:oauth:2.0:oob")
	res := h.run(secret+"\n", "client", "add", name, "--client-id", clientID, "--callback", "code",
		"--auth-url", h.kantata.AuthURL(), "--token-url", h.kantata.TokenURL(), "--api-url", h.kantata.APIBaseURL())
	if res.code != 0 {
		h.t.Fatalf("client add --callback code: %v", res)
	}
	mustContain(h.t, "client add", res.out, "Callback URL to register in Kantata: urn:ietf:wg:oauth:2.0:oob")
	return clientID
}

// A client of kind code signs in with real Chromium against a Kantata that
// refuses http callbacks: the code read off the page Chromium ended on, on
// authorize's standard input, as the bare code or as the page's address; a
// wrong code first gets plain words and another try.
func TestCodeSignInWithBrowser(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	for _, tc := range []struct {
		name  string
		paste func(page, code string) string
	}{
		{"the bare code", func(_, code string) string { return code }},
		{"the page's address", func(page, _ string) string { return page }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var page, code string
			shown := make(chan error, 1)
			h.opener = func(u string) error {
				go func() {
					var err error
					page, code, err = b.AuthorizeShownCode(u)
					shown <- err
				}()
				return nil
			}
			h.addCodeClient("Acme")
			h.run("", "connection", "add", "Prod", "--client", "Acme")
			stdin, paste := io.Pipe()
			defer paste.Close()
			r := h.startWith(context.Background(), stdin, true, "authorize", "Prod")
			r.out.waitFor(t, "Waiting for the code (up to 10 minutes, until ")
			r.errOut.waitFor(t, "Paste the code Kantata shows and press Enter: ")
			if err := <-shown; err != nil {
				t.Fatalf("Chromium: %v", err)
			}
			h.secret(code)
			if strings.Contains(r.out.String(), "/callback") {
				t.Errorf("a code sign-in speaks of the loopback callback:\n%s", r.out)
			}
			io.WriteString(paste, "Zz"+code[2:]+"\n")
			r.errOut.waitFor(t, "Kantata did not accept that code: it may be mistyped")
			io.WriteString(paste, tc.paste(page, code)+"\n")
			res := r.wait(t)
			if res.code != 0 {
				t.Fatalf("authorize with the code: %v", res)
			}
			mustContain(t, "authorize", res.out, "Authorized as Jane Doe <jane@example.com>\n")
			if form, _ := h.kantata.LastTokenRequest(); form.Get("redirect_uri") != "urn:ietf:wg:oauth:2.0:oob" || form.Get("code_verifier") == "" {
				t.Errorf("the token request: %v", form)
			}
			if res := h.run("", "test", "Prod"); res.code != 0 {
				t.Errorf("test after a code sign-in: %v", res)
			}
		})
	}
}

// With nothing more on standard input, a code sign-in can't finish: it ends
// at once in plain words (exit 2) instead of waiting out its 10 minutes.
func TestCodeSignInWithoutInputEnds(t *testing.T) {
	h := newHarness(t)
	h.addCodeClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")
	res := h.run("not a code\n", "authorize", "Prod", "--no-browser")
	if res.code != 2 {
		t.Fatalf("authorize with no code on standard input: %v; want exit 2", res)
	}
	mustContain(t, "authorize", res.errOut, "That is not the code Kantata shows.", "No code that Kantata accepted came on standard input")
	if c, _ := h.store().ConnectionByName("Prod"); c.Status != store.StatusNeverAuthorized {
		t.Errorf("the connection changed: %s", c.Status)
	}
}

// authorize --with-token: the personal token Kantata's application page
// shows, read from standard input, checked with users/me, then kept; a bad
// one stores nothing; never from an argument.
func TestAuthorizeWithToken(t *testing.T) {
	h := newHarness(t)
	clientID, _, _ := h.addClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")
	conn, _ := h.store().ConnectionByName("Prod")

	res := h.run("wrong-token-0123456789abcdef\n", "authorize", "Prod", "--with-token")
	if res.code != 1 {
		t.Errorf("a refused token: %v; want exit 1", res)
	}
	mustContain(t, "a refused token", res.errOut, "Kantata did not accept that token, so nothing was stored.")
	if res := h.run("", "authorize", "Prod", "--with-token"); res.code != 2 || !strings.Contains(res.errOut, "no token was given") {
		t.Errorf("no token: %v", res)
	}
	if _, err := h.store().Token(conn.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused token was kept (err %v)", err)
	}

	tok := h.kantata.PersonalToken(t, clientID)
	h.secret(tok)
	if res := h.run("", "authorize", "Prod", "--with-token", tok); res.code != 2 {
		t.Errorf("a token as an argument: %v; want a usage error", res)
	}
	res = h.run(tok+"\r\n", "authorize", "Prod", "--with-token")
	if res.code != 0 {
		t.Fatalf("authorize --with-token: %v", res)
	}
	mustContain(t, "authorize --with-token", res.out, "Authorized as Jane Doe <jane@example.com> with a personal token.", "Sees 42 projects.")
	mustContain(t, "list", h.run("", "list").out, "Authorized as Jane Doe (personal token)")
	var list struct {
		Connections []struct {
			AuthorizedWith *string `json:"authorized_with"`
		} `json:"connections"`
	}
	if err := json.Unmarshal([]byte(h.run("", "list", "--json").out), &list); err != nil || len(list.Connections) != 1 ||
		list.Connections[0].AuthorizedWith == nil || *list.Connections[0].AuthorizedWith != "personal_token" {
		t.Errorf("list --json: %+v (%v)", list, err)
	}
	mustContain(t, "diagnose", h.run("", "diagnose", "Prod").out, "personal token")
	if res := h.run("", "test", "Prod"); res.code != 0 {
		t.Errorf("test with a personal token: %v", res)
	}
}

// When Kantata skips its Authorize page (the user authorized the app
// before), the sign-in finishes at once, and nothing asked anyone to click
// a button that never came.
func TestSignInWhenKantataSkipsTheAuthorizePage(t *testing.T) {
	h := newHarness(t)
	h.kantata.SetRememberGrant(true)
	h.addClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")
	// The browser loads the sign-in page and follows where it leads; nobody
	// clicks anything.
	follow := func(u string) error {
		go func() {
			if resp, err := (&http.Client{Timeout: time.Minute}).Get(u); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	h.opener = follow
	if res := h.run("", "authorize", "Prod", "--timeout", "2s"); res.code == 0 {
		t.Fatalf("the first sign-in finished with no one clicking Authorize: %v", res)
	}
	h.opener = func(u string) error {
		go func() {
			loc, err := h.kantata.AuthorizeOverHTTP(u)
			if err == nil {
				_ = follow(loc.String())
			}
		}()
		return nil
	}
	if res := h.run("", "authorize", "Prod"); res.code != 0 {
		t.Fatalf("the first sign-in: %v", res)
	}
	h.opener = follow // nobody clicks: Kantata redirects at once
	res := h.run("", "authorize", "Prod")
	if res.code != 0 {
		t.Fatalf("a later sign-in Kantata no longer asks about: %v", res)
	}
	if strings.Contains(res.out+res.errOut, "and click Authorize") {
		t.Errorf("the sign-in asked for a click on a page that never came:\n%s", res.out)
	}
	mustContain(t, "authorize", res.out, "if Kantata asks whether to authorize Kantata Connect, click Authorize", "Authorized as Jane Doe")
}
