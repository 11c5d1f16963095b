package oauth_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
)

// End-to-end: the stand-in Kantata (fosite) and a real headless Chromium
// clicking Authorize or Deny, the redirect reaching the flow's listener the
// way a user's browser does. One Chromium serves all cases, one tab each.

const e2eSecret = "e2e-client-secret-Zq7&+/="

type e2e struct {
	t   *testing.T
	b   *browsertest.Browser
	s   *fakekantata.Server
	cfg oauth.Config
}

func newE2E(t *testing.T, b *browsertest.Browser) *e2e {
	s := fakekantata.New(t)
	port := testenv.FreePort(t)
	s.AddClient("e2e-client", e2eSecret, oauth.RedirectURI(port))
	return &e2e{t: t, b: b, s: s, cfg: oauth.Config{
		AuthURL:      s.AuthURL(),
		TokenURL:     s.TokenURL(),
		ClientID:     "e2e-client",
		ClientSecret: e2eSecret,
		RedirectPort: port,
	}}
}

func authorize(b *browsertest.Browser, u string) (string, error) { return b.Authorize(u) }
func deny(b *browsertest.Browser, u string) (string, error)      { return b.Deny(u) }
func visit(b *browsertest.Browser, u string) (string, error)     { return b.Visit(u) }

// opener returns an oauth.Opener that, like launching a browser, returns at
// once and runs action in a tab; the channel yields what the action saw.
// (Browser.LastResult is browser-wide, so parallel cases keep their own.)
func (e *e2e) opener(action func(*browsertest.Browser, string) (string, error)) (oauth.Opener, <-chan result) {
	ch := make(chan result, 1)
	return func(u string) error {
		go func() {
			text, err := action(e.b, u)
			ch <- result{text, err}
		}()
		return nil
	}, ch
}

type result struct {
	text string
	err  error
}

// browserResult waits for the browser action under a hang guard.
func browserResult(t *testing.T, ch <-chan result) string {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Logf("browser: %v", r.err)
		}
		return r.text
	case <-time.After(hangGuard):
		t.Fatal("the browser action did not finish")
		return ""
	}
}

// run starts a flow whose opener performs action in the browser, waits for
// it, and returns the outcome and the text the browser ended on.
func (e *e2e) run(action func(*browsertest.Browser, string) (string, error)) (oauth.Token, error, string) {
	e.t.Helper()
	open, results := e.opener(action)
	f, err := oauth.Start(context.Background(), e.cfg, open)
	if err != nil {
		e.t.Fatalf("Start: %v", err)
	}
	tok, err := wait(e.t, f)
	text := browserResult(e.t, results)
	portFree(e.t, e.cfg.RedirectPort)
	return tok, err, text
}

// exchangedCode is the code the flow sent to the token endpoint.
func (e *e2e) exchangedCode() string {
	form, _ := e.s.LastTokenRequest()
	return form.Get("code")
}

func (e *e2e) checkToken(tok oauth.Token) {
	e.t.Helper()
	if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "bearer") {
		e.t.Fatalf("token %v is empty or not bearer", tok)
	}
	// The token is real: the stand-in's users/me accepts it.
	req, _ := http.NewRequest(http.MethodGet, e.s.MeURL(), nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := httpClient.Do(req)
	if err != nil {
		e.t.Fatalf("users/me: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		e.t.Errorf("users/me with the new token: HTTP %d", resp.StatusCode)
	}
}

func TestBrowser(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)

	t.Run("success", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		tok, err, text := e.run(authorize)
		if err != nil {
			t.Fatalf("sign-in failed: %v", err)
		}
		if !strings.Contains(text, oauth.SuccessText) {
			t.Errorf("browser shows %q, want the success page", text)
		}
		e.checkToken(tok)
		q := e.s.LastAuthorizeQuery()
		if q.Get("state") == "" || q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" || q.Has("scope") {
			t.Errorf("authorize query %v: want state and an S256 challenge, no scope", q)
		}
		form, basic := e.s.LastTokenRequest()
		if basic || form.Get("client_secret") != "REDACTED" || form.Get("code_verifier") == "" {
			t.Errorf("token request %v (basic %v): want the secret in the body and a code_verifier", form, basic)
		}
		if strings.Contains(text, e.exchangedCode()) || strings.Contains(text, tok.AccessToken) {
			t.Error("the page shows the code or the token")
		}
	})

	t.Run("basic auth", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		e.cfg.ClientAuth = oauth.ClientAuthBasic
		tok, err, text := e.run(authorize)
		if err != nil {
			t.Fatalf("sign-in failed: %v", err)
		}
		e.checkToken(tok)
		if form, basic := e.s.LastTokenRequest(); !basic || form.Has("client_secret") {
			t.Errorf("token request %v (basic %v): want basic auth only", form, basic)
		}
		if !strings.Contains(text, oauth.SuccessText) {
			t.Errorf("browser shows %q", text)
		}
	})

	t.Run("PKCE off", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		e.cfg.DisablePKCE = true
		tok, err, _ := e.run(authorize)
		if err != nil {
			t.Fatalf("sign-in failed: %v", err)
		}
		e.checkToken(tok)
		if q := e.s.LastAuthorizeQuery(); q.Has("code_challenge") {
			t.Errorf("challenge sent with PKCE off: %v", q)
		}
		if form, _ := e.s.LastTokenRequest(); form.Has("code_verifier") {
			t.Error("code_verifier sent with PKCE off")
		}
	})

	t.Run("PKCE verifier checked", func(t *testing.T) {
		t.Parallel()
		// Swap the verifier on its way out: the stand-in must refuse the
		// code, which proves the real one is sent and checked.
		e := newE2E(t, b)
		e.cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			form.Set("code_verifier", "wrong-verifier-wrong-verifier-wrong-verifier-0000")
			nb := form.Encode()
			r = r.Clone(r.Context())
			r.Body = io.NopCloser(strings.NewReader(nb))
			r.ContentLength = int64(len(nb))
			return http.DefaultTransport.RoundTrip(r)
		})}
		_, err, text := e.run(authorize)
		wantKind(t, err, oauth.KindInvalidGrant)
		if !strings.Contains(text, "Sign-in failed") {
			t.Errorf("browser shows %q", text)
		}
	})

	t.Run("deny", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		_, err, text := e.run(deny)
		oe := wantKind(t, err, oauth.KindDenied)
		if oe.Code != "access_denied" || !strings.HasPrefix(oe.UserMessage(), "You chose not to authorize") {
			t.Errorf("denial: code %q, message %q", oe.Code, oe.UserMessage())
		}
		if !strings.Contains(text, "You chose not to authorize") {
			t.Errorf("browser shows %q", text)
		}
		if e.s.TokenRequests() != 0 {
			t.Error("token endpoint called after a denial")
		}
	})

	t.Run("wrong client secret", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		e.cfg.ClientSecret = "wrong-secret-value-123"
		_, err, text := e.run(authorize)
		wantKind(t, err, oauth.KindInvalidClient)
		code := e.exchangedCode()
		if code == "" {
			t.Fatal("no code reached the token endpoint")
		}
		assertNoSecrets(t, err, e.cfg.ClientSecret, code)
		if !strings.Contains(text, "did not accept the client ID or client secret") {
			t.Errorf("browser shows %q", text)
		}
		if strings.Contains(text, code) || strings.Contains(text, e.cfg.ClientSecret) {
			t.Error("the page shows the code or the secret")
		}
	})

	t.Run("expired code", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		e.s.SetCodeLifespan(-time.Minute)
		_, err, _ := e.run(authorize)
		wantKind(t, err, oauth.KindInvalidGrant)
		assertNoSecrets(t, err, e2eSecret, e.exchangedCode())
	})

	t.Run("redirect URI not registered", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		e.s.AddClient("e2e-client", e2eSecret, oauth.RedirectURI(testenv.FreePort(t))) // another port
		e.cfg.Timeout = 3 * time.Second
		_, err, text := e.run(authorize)
		oe := wantKind(t, err, oauth.KindTimeout)
		if !strings.Contains(oe.UserMessage(), e.cfg.RedirectURI()) {
			t.Errorf("timeout message %q does not name the callback URL", oe.UserMessage())
		}
		if !strings.Contains(text, "invalid_redirect_uri") {
			t.Errorf("browser shows %q, want Kantata's own error page", text)
		}
	})

	t.Run("forged callback ignored", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		f, err := oauth.Start(context.Background(), e.cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Cancel()
		forged := "forged-code-4711"
		text, err := b.Visit(f.RedirectURI() + "?state=forged-state&code=" + forged)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "does not belong to the sign-in in progress") || strings.Contains(text, forged) {
			t.Errorf("forged callback page: %q", text)
		}
		text, err = b.Authorize(f.URL())
		if err != nil {
			t.Fatal(err)
		}
		tok, err := wait(t, f)
		if err != nil {
			t.Fatalf("real callback after a forged one: %v", err)
		}
		e.checkToken(tok)
		if !strings.Contains(text, oauth.SuccessText) {
			t.Errorf("browser shows %q", text)
		}
		if n := e.s.TokenRequests(); n != 1 {
			t.Errorf("%d token requests, want 1", n)
		}
	})

	t.Run("cancel while waiting", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		open, results := e.opener(visit) // consent shown, nobody clicks
		f, err := oauth.Start(context.Background(), e.cfg, open)
		if err != nil {
			t.Fatal(err)
		}
		if text := browserResult(t, results); !strings.Contains(text, "Authorize") {
			t.Fatalf("consent page: %q", text)
		}
		f.Cancel()
		_, err = wait(t, f)
		wantKind(t, err, oauth.KindCanceled)
		// The port is free at once: a new sign-in on it completes.
		tok, err, text := e.run(authorize)
		if err != nil {
			t.Fatalf("sign-in after cancel: %v", err)
		}
		e.checkToken(tok)
		if !strings.Contains(text, oauth.SuccessText) {
			t.Errorf("browser shows %q", text)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		e.cfg.Timeout = 2 * time.Second
		_, err, text := e.run(visit) // consent shown, nobody clicks
		wantKind(t, err, oauth.KindTimeout)
		if !strings.Contains(text, "Authorize") {
			t.Errorf("browser shows %q, want the consent page", text)
		}
	})

	t.Run("port in use", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		ln, err := net.Listen("tcp4", e.cfg.RedirectURI()[len("http://"):strings.LastIndex(e.cfg.RedirectURI(), "/")])
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		opened := false
		_, err = oauth.Start(context.Background(), e.cfg, func(u string) error {
			opened = true
			return nil
		})
		wantKind(t, err, oauth.KindPortInUse)
		if opened {
			t.Error("the browser was opened although the port is taken")
		}
	})

	for _, c := range []struct {
		name string
		mode fakekantata.TokenMode
		kind oauth.Kind
		page string
	}{
		{"token endpoint 500", fakekantata.TokenServerError, oauth.KindServerError, "Kantata had a problem (HTTP 500)"},
		{"token endpoint garbage", fakekantata.TokenGarbage, oauth.KindBadResponse, "did not contain a token"},
		{"token endpoint slow", fakekantata.TokenSlow, oauth.KindExchangeTimeout, "did not answer within"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newE2E(t, b)
			e.s.SetTokenMode(c.mode)
			e.s.SetSlowDelay(time.Minute) // released when the client gives up
			e.cfg.ExchangeTimeout = time.Second
			_, err, text := e.run(authorize)
			wantKind(t, err, c.kind)
			assertNoSecrets(t, err, e2eSecret)
			if !strings.Contains(text, c.page) {
				t.Errorf("browser shows %q, want %q", text, c.page)
			}
			if n := e.s.TokenRequests(); n != 1 {
				t.Errorf("%d token requests, want 1", n)
			}
		})
	}

	t.Run("opener fails", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		openErr := errors.New("xdg-open: no method available for opening")
		f, err := oauth.Start(context.Background(), e.cfg, func(string) error { return openErr })
		if err != nil {
			t.Fatalf("Start with a failing opener: %v", err)
		}
		defer f.Cancel()
		if !errors.Is(f.OpenError(), openErr) {
			t.Errorf("OpenError = %v", f.OpenError())
		}
		// The user pastes the URL into a browser by hand.
		text, err := b.Authorize(f.URL())
		if err != nil {
			t.Fatal(err)
		}
		tok, err := wait(t, f)
		if err != nil {
			t.Fatalf("sign-in with a pasted URL: %v", err)
		}
		e.checkToken(tok)
		if !strings.Contains(text, oauth.SuccessText) {
			t.Errorf("browser shows %q", text)
		}
	})

	t.Run("no secret in any error", func(t *testing.T) {
		// Sweep: the failures above, each checked against every secret the
		// flow handled, including the PKCE verifier and the issued code.
		t.Parallel()
		for _, mode := range []fakekantata.TokenMode{fakekantata.TokenOK, fakekantata.TokenServerError, fakekantata.TokenGarbage} {
			e := newE2E(t, b)
			e.s.SetTokenMode(mode)
			e.cfg.ClientSecret = "another-wrong-secret-999"
			_, err, _ := e.run(authorize)
			if err == nil {
				t.Fatalf("mode %v: sign-in with a wrong secret succeeded", mode)
			}
			form, _ := e.s.LastTokenRequest()
			assertNoSecrets(t, err, e.cfg.ClientSecret, form.Get("code"), form.Get("code_verifier"))
		}
	})
}
