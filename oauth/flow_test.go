package oauth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/safetext"
	"golang.org/x/oauth2"
)

const (
	testClientID = "client-id-123"
	testSecret   = "s3cret-client-value-xyz"
	testCode     = "auth-code-abcdef-987654"
	testAccess   = "access-token-qwerty-555"
	testRefresh  = "refresh-token-asdfgh-777"
)

// tokenEndpoint is an httptest token endpoint that records what it got.
type tokenEndpoint struct {
	*httptest.Server
	mu       sync.Mutex
	forms    []url.Values
	basicIDs []string
	basicPWs []string
}

func newTokenEndpoint(t testing.TB, h func(w http.ResponseWriter, r *http.Request)) *tokenEndpoint {
	te := &tokenEndpoint{}
	te.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, pw, _ := r.BasicAuth()
		te.mu.Lock()
		te.forms = append(te.forms, r.PostForm)
		te.basicIDs = append(te.basicIDs, id)
		te.basicPWs = append(te.basicPWs, pw)
		te.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(te.Close)
	return te
}

func (te *tokenEndpoint) last(t testing.TB) (url.Values, string, string) {
	t.Helper()
	te.mu.Lock()
	defer te.mu.Unlock()
	if len(te.forms) == 0 {
		t.Fatal("the token endpoint got no request")
	}
	n := len(te.forms) - 1
	return te.forms[n], te.basicIDs[n], te.basicPWs[n]
}

func (te *tokenEndpoint) count() int {
	te.mu.Lock()
	defer te.mu.Unlock()
	return len(te.forms)
}

func jsonAnswer(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

var okToken = jsonAnswer(200, `{"access_token":"`+testAccess+`","token_type":"bearer","refresh_token":"`+testRefresh+`","expires_in":3600}`)

func testConfig(t testing.TB, tokenURL string) oauth.Config {
	return oauth.Config{
		AuthURL:      "http://127.0.0.1:1/oauth/authorize", // never visited by these tests
		TokenURL:     tokenURL,
		ClientID:     testClientID,
		ClientSecret: testSecret,
		RedirectPort: testenv.FreePort(t),
		Provider:     testProvider,
	}
}

// testProvider is how the app names Kantata to the engine.
var testProvider = oauth.Provider{Registered: "Kantata (Settings > API > registered applications)",
	TokenURL: "https://app.mavenlink.com/oauth/token"}

func start(t testing.TB, cfg oauth.Config, open oauth.Opener) *oauth.Flow {
	t.Helper()
	f, err := oauth.Start(context.Background(), cfg, open)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(f.Cancel)
	return f
}

func TestRedirectURI(t *testing.T) {
	t.Parallel()
	if got := oauth.RedirectURI(4242); got != "http://127.0.0.1:4242/callback" {
		t.Errorf("RedirectURI(4242) = %q", got)
	}
	if got := (oauth.Config{RedirectPort: 5000}).RedirectURI(); got != "http://127.0.0.1:5000/callback" {
		t.Errorf("Config.RedirectURI = %q", got)
	}
}

func TestAuthorizationURL(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "https://kantata.example/oauth/token")
	cfg.AuthURL = "https://kantata.example/oauth/authorize"
	f := start(t, cfg, nil)
	u, err := url.Parse(f.URL())
	if err != nil {
		t.Fatal(err)
	}
	// The client's endpoint, as given: the engine has no default of its own.
	if got := u.Scheme + "://" + u.Host + u.Path; got != cfg.AuthURL {
		t.Errorf("authorization endpoint %q, want %q", got, cfg.AuthURL)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"client_id": testClientID, "response_type": "code", "redirect_uri": cfg.RedirectURI(),
		"code_challenge_method": "S256",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if q.Has("scope") {
		t.Errorf("scope sent without scopes configured: %q", q.Get("scope"))
	}
	if strings.Contains(f.URL(), testSecret) {
		t.Error("the authorization URL carries the client secret")
	}
	state := q.Get("state")
	if raw, err := base64.RawURLEncoding.DecodeString(state); err != nil || len(raw) < 16 {
		t.Errorf("state %q is not ≥128 random bits (%d bytes, %v)", state, len(raw), err)
	}
	if c := q.Get("code_challenge"); len(c) != 43 {
		t.Errorf("code_challenge %q is not an S256 challenge", c)
	}

	// A fresh state every time.
	cfg2 := cfg
	cfg2.RedirectPort = testenv.FreePort(t)
	cfg2.Scopes = []string{"read", "write"}
	cfg2.DisablePKCE = true
	f2 := start(t, cfg2, nil)
	q2, _ := url.ParseQuery(strings.SplitN(f2.URL(), "?", 2)[1])
	if q2.Get("state") == state {
		t.Error("two flows share a state")
	}
	if got := q2.Get("scope"); got != "read write" {
		t.Errorf("scope = %q, want %q", got, "read write")
	}
	if q2.Has("code_challenge") || q2.Has("code_challenge_method") {
		t.Error("PKCE challenge sent although disabled")
	}
}

func TestInvalidConfig(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]func(*oauth.Config){
		"no client ID":        func(c *oauth.Config) { c.ClientID = "" },
		"blank client ID":     func(c *oauth.Config) { c.ClientID = "  " },
		"no auth URL":         func(c *oauth.Config) { c.AuthURL = "" },
		"no token URL":        func(c *oauth.Config) { c.TokenURL = "" },
		"relative auth URL":   func(c *oauth.Config) { c.AuthURL = "/oauth/authorize" },
		"ftp token URL":       func(c *oauth.Config) { c.TokenURL = "ftp://example.com/token" },
		"remote http token":   func(c *oauth.Config) { c.TokenURL = "http://example.com/oauth/token" },
		"no port":             func(c *oauth.Config) { c.RedirectPort = 0 },
		"negative port":       func(c *oauth.Config) { c.RedirectPort = -1 },
		"port too big":        func(c *oauth.Config) { c.RedirectPort = 70000 },
		"unknown client auth": func(c *oauth.Config) { c.ClientAuth = "jwt" },
		"negative timeout":    func(c *oauth.Config) { c.Timeout = -time.Second },
	} {
		cfg := testConfig(t, "https://example.com/token")
		change(&cfg)
		opened := false
		_, err := oauth.Start(context.Background(), cfg, func(string) error { opened = true; return nil })
		t.Run(name, func(t *testing.T) {
			wantKind(t, err, oauth.KindInvalidConfig)
			if opened {
				t.Error("opener called for an invalid config")
			}
		})
	}
}

func TestSuccessWithBodyAuth(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	cfg := testConfig(t, te.URL)
	var opened []string
	f := start(t, cfg, func(u string) error { opened = append(opened, u); return nil })
	if len(opened) != 1 || opened[0] != f.URL() {
		t.Fatalf("opener got %q, want the authorization URL once", opened)
	}
	if f.OpenError() != nil {
		t.Errorf("OpenError = %v", f.OpenError())
	}

	resp, body := callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
	if resp.StatusCode != 200 || !strings.Contains(body, "You&#39;re connected") && !strings.Contains(body, "You're connected") {
		t.Errorf("callback page: %d %q", resp.StatusCode, body)
	}
	if strings.Contains(body, testCode) || strings.Contains(body, testAccess) {
		t.Error("the success page shows the code or the token")
	}
	checkPageHeaders(t, resp)

	tok, err := wait(t, f)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if tok.AccessToken != testAccess || tok.RefreshToken != testRefresh || tok.TokenType != "bearer" || tok.Expiry.IsZero() {
		t.Errorf("token %#v has wrong fields", tok)
	}

	form, basicID, _ := te.last(t)
	for k, want := range map[string]string{
		"grant_type": "authorization_code", "code": testCode, "redirect_uri": cfg.RedirectURI(),
		"client_id": testClientID, "client_secret": testSecret,
	} {
		if got := form.Get(k); got != want {
			t.Errorf("token request %s = %q, want %q", k, got, want)
		}
	}
	if v := form.Get("code_verifier"); len(v) < 43 {
		t.Errorf("code_verifier %q missing or short", v)
	}
	if basicID != "" {
		t.Error("body auth also sent a basic-auth header")
	}
	portFree(t, cfg.RedirectPort)

	// Wait again: same outcome.
	tok2, err2 := f.Wait(context.Background())
	if err2 != nil || tok2 != tok {
		t.Errorf("second Wait = %v, %v", tok2, err2)
	}
	if err := f.Reopen(); !errors.Is(err, oauth.ErrEnded) {
		t.Errorf("Reopen after the end = %v, want ErrEnded", err)
	}
}

func TestSuccessWithBasicAuth(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	cfg := testConfig(t, te.URL)
	cfg.ClientAuth = oauth.ClientAuthBasic
	cfg.DisablePKCE = true
	f := start(t, cfg, nil)
	callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
	if _, err := wait(t, f); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	form, id, pw := te.last(t)
	if id != testClientID || pw != testSecret {
		t.Errorf("basic auth %q:%q, want the client ID and secret", id, pw)
	}
	if form.Has("client_secret") {
		t.Error("basic auth also sent client_secret in the body")
	}
	if form.Has("code_verifier") {
		t.Error("code_verifier sent although PKCE is disabled")
	}
}

// TestTokenEndpointFailures maps each way the token endpoint can fail to its
// kind, and checks no secret leaks into any error text.
func TestTokenEndpointFailures(t *testing.T) {
	t.Parallel()
	// A hostile endpoint that echoes the request body back in every field.
	echo := func(status int, ctype string, format string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.WriteHeader(status)
			fmt.Fprintf(w, format, r.PostForm.Encode())
		}
	}
	cases := []struct {
		name string
		h    func(http.ResponseWriter, *http.Request)
		auth oauth.ClientAuth
		kind oauth.Kind
		msg  string // part of the user message
	}{
		{"invalid_client", jsonAnswer(401, `{"error":"invalid_client","error_description":"Client authentication failed"}`), "", oauth.KindInvalidClient, "client ID or client secret"},
		{"401 without body", jsonAnswer(401, ``), "", oauth.KindInvalidClient, "Settings > API"},
		{"invalid_grant", jsonAnswer(400, `{"error":"invalid_grant"}`), "", oauth.KindInvalidGrant, "expired"},
		{"redirect_uri_mismatch", jsonAnswer(400, `{"error":"redirect_uri_mismatch"}`), "", oauth.KindRedirectMismatch, "http://127.0.0.1:"},
		{"invalid_request", jsonAnswer(400, `{"error":"invalid_request"}`), "", oauth.KindRedirectMismatch, "/callback"},
		{"unsupported_grant_type", jsonAnswer(400, `{"error":"unsupported_grant_type","error_description":"nope"}`), "", oauth.KindTokenError, "unsupported_grant_type"},
		{"error code with 200", jsonAnswer(200, `{"error":"unauthorized_client"}`), "", oauth.KindTokenError, "unauthorized_client"},
		{"500 html", echo(500, "text/html", "<h1>oops %s</h1>"), "", oauth.KindServerError, "HTTP 500"},
		{"503 empty", jsonAnswer(503, ``), "", oauth.KindServerError, "Wait a few minutes"},
		{"server_error code", jsonAnswer(400, `{"error":"server_error"}`), "", oauth.KindServerError, "Wait a few minutes"},
		{"200 html", echo(200, "text/html", "<html>login %s</html>"), "", oauth.KindBadResponse, "access token URL"},
		{"200 json without token", jsonAnswer(200, `{"token_type":"bearer"}`), "", oauth.KindBadResponse, "access token URL"},
		{"200 form without token", echo(200, "application/x-www-form-urlencoded", "x=%s"), "", oauth.KindBadResponse, "access token URL"},
		{"400 html", echo(400, "text/html", "<p>%s</p>"), "", oauth.KindBadResponse, "could not be read"},
		{"echo in description", echo(400, "application/json", `{"error":"invalid_client","error_description":%q}`), "", oauth.KindInvalidClient, "client secret"},
		{"echo in description, basic", echo(400, "application/json", `{"error":"invalid_grant","error_description":%q}`), oauth.ClientAuthBasic, oauth.KindInvalidGrant, "expired"},
		{"echo as form error", echo(400, "application/x-www-form-urlencoded", "error=invalid_client&error_description=%s"), "", oauth.KindInvalidClient, "client secret"},
		{"token with error code", jsonAnswer(200, `{"error":"weird","access_token":"`+testAccess+`"}`), "", oauth.KindTokenError, "weird"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			te := newTokenEndpoint(t, c.h)
			cfg := testConfig(t, te.URL)
			cfg.ClientAuth = c.auth
			f := start(t, cfg, nil)
			resp, body := callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
			_, err := wait(t, f)
			e := wantKind(t, err, c.kind)
			if !strings.Contains(e.UserMessage(), c.msg) {
				t.Errorf("UserMessage %q lacks %q", e.UserMessage(), c.msg)
			}
			if c.kind != oauth.KindBadResponse || strings.Contains(c.name, "400") {
				// Callers can still reach the server's answer, scrubbed.
				var re *oauth2.RetrieveError
				if !errors.As(err, &re) {
					t.Errorf("%v does not wrap *oauth2.RetrieveError", err)
				}
			}
			form, _, _ := te.last(t)
			assertNoSecrets(t, err, testSecret, testCode, testAccess, form.Get("code_verifier"),
				base64.StdEncoding.EncodeToString([]byte(testClientID+":"+testSecret)))
			// The browser shows the failure, never the code or the secret.
			if resp.StatusCode != 200 || !strings.Contains(body, "Sign-in failed") {
				t.Errorf("callback page %d %q does not show the failure", resp.StatusCode, body)
			}
			for _, s := range []string{testCode, testSecret, testAccess} {
				if strings.Contains(body, s) {
					t.Errorf("callback page shows %q", s)
				}
			}
			checkPageHeaders(t, resp)
		})
	}
}

func TestTokenEndpointUnreachable(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, fmt.Sprintf("http://127.0.0.1:%d/oauth/token", testenv.FreePort(t)))
	f := start(t, cfg, nil)
	callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
	_, err := wait(t, f)
	e := wantKind(t, err, oauth.KindNetwork)
	if !strings.Contains(e.UserMessage(), "could not reach Kantata") {
		t.Errorf("UserMessage %q", e.UserMessage())
	}
	assertNoSecrets(t, err, testSecret, testCode)
}

func TestTokenEndpointTooSlow(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	te := newTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	cfg := testConfig(t, te.URL)
	cfg.ExchangeTimeout = 200 * time.Millisecond
	f := start(t, cfg, nil)
	_, body := callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
	_, err := wait(t, f)
	e := wantKind(t, err, oauth.KindExchangeTimeout)
	if !strings.Contains(body, "did not answer") {
		t.Errorf("page %q does not say Kantata did not answer", body)
	}
	assertNoSecrets(t, err, testSecret, testCode)
	_ = e

	// An HTTP client's own timeout counts the same.
	cfg2 := testConfig(t, te.URL)
	cfg2.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}
	f2 := start(t, cfg2, nil)
	callback(t, f2, url.Values{"state": {stateOf(t, f2)}, "code": {testCode}})
	_, err = wait(t, f2)
	wantKind(t, err, oauth.KindExchangeTimeout)
}

func TestHTTPClientUsed(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	var used bool
	var mu sync.Mutex
	cfg := testConfig(t, te.URL)
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		used = true
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	f := start(t, cfg, nil)
	callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
	if _, err := wait(t, f); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !used {
		t.Error("Config.HTTPClient was not used for the exchange")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestCallbackErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		q    url.Values
		kind oauth.Kind
		msg  string
	}{
		{"denied", url.Values{"error": {"access_denied"}, "error_description": {"The user denied access."}}, oauth.KindDenied, "You chose not to authorize"},
		{"invalid_scope", url.Values{"error": {"invalid_scope"}}, oauth.KindAuthorizationError, "scopes"},
		{"other", url.Values{"error": {"mystery"}, "error_description": {"<b>bold</b> & more"}}, oauth.KindAuthorizationError, "<b>bold</b> & more (mystery)"},
		{"no code", url.Values{}, oauth.KindAuthorizationError, "without an authorization code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			te := newTokenEndpoint(t, okToken)
			cfg := testConfig(t, te.URL)
			f := start(t, cfg, nil)
			c.q.Set("state", stateOf(t, f))
			resp, body := callback(t, f, c.q)
			_, err := wait(t, f)
			e := wantKind(t, err, c.kind)
			if !strings.Contains(e.UserMessage(), c.msg) {
				t.Errorf("UserMessage %q lacks %q", e.UserMessage(), c.msg)
			}
			if c.q.Has("error") && (e.Code != c.q.Get("error") || e.Description != c.q.Get("error_description")) {
				t.Errorf("Code/Description = %q/%q", e.Code, e.Description)
			}
			if te.count() != 0 {
				t.Error("the token endpoint was called after an error callback")
			}
			if strings.Contains(body, "<b>") {
				t.Error("the page echoes error_description unescaped")
			}
			if c.kind == oauth.KindDenied && !strings.Contains(body, "You chose not to authorize") {
				t.Errorf("denial page %q", body)
			}
			checkPageHeaders(t, resp)
			portFree(t, cfg.RedirectPort)
		})
	}
}

// TestStrayRequestsIgnored: wrong state, no state, other paths and methods
// get error pages and do not end the flow; the real callback then succeeds.
func TestStrayRequestsIgnored(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	cfg := testConfig(t, te.URL)
	f := start(t, cfg, nil)
	base := fmt.Sprintf("http://127.0.0.1:%d", cfg.RedirectPort)
	forgedCode := "forged-code-zzz-111"
	for _, c := range []struct {
		url    string
		status int
	}{
		{base + "/callback?state=wrong&code=" + forgedCode, 400},
		{base + "/callback?code=" + forgedCode, 400},
		{base + "/callback?state=&error=access_denied", 400},
		{base + "/callback?state=" + stateOf(t, f)[:10] + "&code=" + forgedCode, 400},
		{base + "/other?state=" + stateOf(t, f) + "&code=" + forgedCode, 404},
		{base + "/favicon.ico", 404},
		{base + "/", 404},
	} {
		resp, body := get(t, c.url)
		if resp.StatusCode != c.status {
			t.Errorf("GET %s: status %d, want %d", c.url, resp.StatusCode, c.status)
		}
		if strings.Contains(body, forgedCode) {
			t.Errorf("GET %s: page echoes the code", c.url)
		}
		checkPageHeaders(t, resp)
	}
	resp, err := httpClient.Post(base+"/callback?state="+stateOf(t, f)+"&code="+forgedCode, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST callback: status %d", resp.StatusCode)
	}
	select {
	case <-f.Done():
		_, err := f.Wait(context.Background())
		t.Fatalf("a stray request ended the flow: %v", err)
	default:
	}
	if te.count() != 0 {
		t.Fatal("a stray request reached the token endpoint")
	}

	_, body := callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
	if _, err := wait(t, f); err != nil {
		t.Fatalf("Wait after stray requests: %v", err)
	}
	if !strings.Contains(body, "connected") {
		t.Errorf("page %q", body)
	}
	if form, _, _ := te.last(t); form.Get("code") != testCode {
		t.Errorf("exchanged code %q", form.Get("code"))
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	for name, stop := range map[string]func(f *oauth.Flow, cancelCtx context.CancelFunc) context.Context{
		"Cancel": func(f *oauth.Flow, _ context.CancelFunc) context.Context {
			go f.Cancel()
			return context.Background()
		},
		"Wait ctx": func(f *oauth.Flow, _ context.CancelFunc) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			go cancel()
			return ctx
		},
		"Start ctx": func(f *oauth.Flow, cancelStart context.CancelFunc) context.Context {
			go cancelStart()
			return context.Background()
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t, te.URL)
			startCtx, cancelStart := context.WithCancel(context.Background())
			defer cancelStart()
			f, err := oauth.Start(startCtx, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			waitCtx := stop(f, cancelStart)
			_, err = f.Wait(waitCtx)
			wantKind(t, err, oauth.KindCanceled)
			f.Cancel() // again, after the end: harmless
			// The port is free for a new sign-in at once.
			f2, err := oauth.Start(context.Background(), cfg, nil)
			if err != nil {
				t.Fatalf("Start again on the same port: %v", err)
			}
			f2.Cancel()
			wait(t, f2)
			portFree(t, cfg.RedirectPort)
		})
	}
}

func TestCancelDuringExchange(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	te := newTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
	})
	cfg := testConfig(t, te.URL)
	f := start(t, cfg, nil)
	pageCh := make(chan string, 1)
	go func() {
		resp, err := httpClient.Get(f.RedirectURI() + "?" + url.Values{"state": {stateOf(t, f)}, "code": {testCode}}.Encode())
		if err != nil {
			pageCh <- err.Error()
			return
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		pageCh <- b.String()
	}()
	<-entered
	f.Cancel()
	_, err := wait(t, f)
	wantKind(t, err, oauth.KindCanceled)
	if page := <-pageCh; !strings.Contains(page, "canceled") {
		t.Errorf("page after cancel: %q", page)
	}
	portFree(t, cfg.RedirectPort)
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "https://example.com/token")
	cfg.Timeout = 100 * time.Millisecond
	f := start(t, cfg, nil)
	_, err := wait(t, f)
	e := wantKind(t, err, oauth.KindTimeout)
	if !strings.Contains(e.UserMessage(), cfg.RedirectURI()) || !strings.Contains(e.UserMessage(), "No answer came from your browser within") {
		t.Errorf("UserMessage %q", e.UserMessage())
	}
	portFree(t, cfg.RedirectPort)
}

func TestPortInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	called := false
	cfg := testConfig(t, "https://example.com/token")
	cfg.RedirectPort = port
	_, err = oauth.Start(context.Background(), cfg, func(string) error { called = true; return nil })
	e := wantKind(t, err, oauth.KindPortInUse)
	want := fmt.Sprintf("Port %d is in use by another program. Close the other program", port)
	if !strings.Contains(e.UserMessage(), want) || !strings.Contains(e.UserMessage(), "register the new callback URL in Kantata") {
		t.Errorf("UserMessage %q", e.UserMessage())
	}
	if called {
		t.Error("the browser was opened although the port is taken")
	}
	// The failed Start did not keep the port reserved in this process.
	ln.Close()
	f := start(t, cfg, nil)
	f.Cancel()
	wait(t, f)
}

func TestAlreadyWaiting(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "https://example.com/token")
	f := start(t, cfg, nil)
	called := false
	_, err := oauth.Start(context.Background(), cfg, func(string) error { called = true; return nil })
	e := wantKind(t, err, oauth.KindAlreadyWaiting)
	if !strings.Contains(e.UserMessage(), "A sign-in is already waiting") || !strings.Contains(e.UserMessage(), "inish or cancel it first") {
		t.Errorf("UserMessage %q", e.UserMessage())
	}
	if called {
		t.Error("opener called for the second sign-in")
	}
	f.Cancel()
	wait(t, f)
	f2 := start(t, cfg, nil)
	f2.Cancel()
	wait(t, f2)
}

func TestOpenerFails(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	cfg := testConfig(t, te.URL)
	calls := 0
	openErr := errors.New("no browser here")
	f := start(t, cfg, func(string) error { calls++; return openErr })
	if !errors.Is(f.OpenError(), openErr) {
		t.Errorf("OpenError = %v", f.OpenError())
	}
	if f.URL() == "" {
		t.Fatal("no URL to copy")
	}
	if err := f.Reopen(); !errors.Is(err, openErr) || calls != 2 {
		t.Errorf("Reopen = %v after %d calls", err, calls)
	}
	// The user copies the URL by hand; the flow still completes.
	callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
	if _, err := wait(t, f); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestReopenWithoutOpener(t *testing.T) {
	t.Parallel()
	f := start(t, testConfig(t, "https://example.com/token"), nil)
	if err := f.Reopen(); err == nil {
		t.Error("Reopen without an opener succeeded")
	}
	f.Cancel()
	wait(t, f)
}

func TestRunCanceledBeforeStart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := oauth.Run(ctx, testConfig(t, "https://example.com/token"), nil)
	wantKind(t, err, oauth.KindCanceled)
}

func TestTokenRedacted(t *testing.T) {
	t.Parallel()
	tok := oauth.Token{AccessToken: testAccess, RefreshToken: testRefresh, TokenType: "bearer", Expiry: time.Now()}
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok), fmt.Sprintf("%v", &tok),
		fmt.Sprintf("%+v", struct{ T oauth.Token }{tok})} {
		if strings.Contains(s, testAccess) || strings.Contains(s, testRefresh) {
			t.Errorf("printed token shows a secret: %q", s)
		}
		if !strings.Contains(s, "bearer") {
			t.Errorf("printed token lacks the type: %q", s)
		}
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	if k := oauth.KindOf(errors.New("x")); k != "" {
		t.Errorf("KindOf(plain) = %q", k)
	}
	wrapped := fmt.Errorf("sign in: %w", &oauth.Error{Kind: oauth.KindDenied})
	if k := oauth.KindOf(wrapped); k != oauth.KindDenied {
		t.Errorf("KindOf(wrapped) = %q", k)
	}
	inner := errors.New("inner")
	e := &oauth.Error{Kind: oauth.KindNetwork, Detail: "d", Err: inner}
	if !errors.Is(e, inner) || !strings.Contains(e.Error(), "d") {
		t.Errorf("Unwrap/Error wrong: %v", e)
	}
}

// checkPageHeaders checks the headers every page the callback serves needs.
func checkPageHeaders(t testing.TB, resp *http.Response) {
	t.Helper()
	for k, want := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"Cache-Control":           "no-store",
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %s = %q, want %q", resp.Request.URL.Path, k, got, want)
		}
	}
}

// Text from the authorization server (error and error_description in the
// callback) and from the token endpoint reaches the message, the detail and
// the records: it is made safe where it enters, so no escape sequence, bidi
// control or zero-width character survives, and the server's words remain.
func TestServerTextCleaned(t *testing.T) {
	t.Parallel()
	const desc = "Bad \x1b]0;pwned\x07request \x1b[2J\u202eesrever\u202c \x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\ \u009b31m zero\u200bwidth"
	descJSON, _ := json.Marshal(desc)
	cases := []struct {
		name     string
		callback url.Values // nil: a code, and the token endpoint answers h
		h        func(http.ResponseWriter, *http.Request)
		kind     oauth.Kind
	}{
		{"callback error_description", url.Values{"error": {"mystery\u202e\x1b[31m"}, "error_description": {desc}}, okToken, oauth.KindAuthorizationError},
		{"callback access_denied", url.Values{"error": {"access_denied"}, "error_description": {desc}}, okToken, oauth.KindDenied},
		{"token endpoint JSON error", nil, jsonAnswer(400, `{"error":"weird\u202e\u001b[31m","error_description":`+string(descJSON)+`}`), oauth.KindTokenError},
		{"token endpoint invalid_client", nil, jsonAnswer(401, `{"error":"invalid_client","error_description":`+string(descJSON)+`}`), oauth.KindInvalidClient},
		{"token endpoint form error", nil, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			w.WriteHeader(400)
			fmt.Fprint(w, url.Values{"error": {"weird\u202e"}, "error_description": {desc}}.Encode())
		}, oauth.KindTokenError},
		{"token endpoint HTML body", nil, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(400)
			fmt.Fprint(w, "<h1>"+desc+"</h1>")
		}, oauth.KindBadResponse},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			te := newTokenEndpoint(t, c.h)
			f := start(t, testConfig(t, te.URL), nil)
			q := c.callback
			if q == nil {
				q = url.Values{"code": {testCode}}
			}
			q.Set("state", stateOf(t, f))
			callback(t, f, q)
			_, err := wait(t, f)
			e := wantKind(t, err, c.kind)
			texts := map[string]string{"Error()": err.Error(), "UserMessage": e.UserMessage(),
				"TechnicalDetail": e.TechnicalDetail(), "Code": e.Code, "Description": e.Description}
			for what, s := range texts {
				if i := safetext.Find(s); i >= 0 {
					t.Errorf("%s holds %q at byte %d: %q", what, []rune(s[i:])[0], i, s)
				}
			}
			if c.kind != oauth.KindDenied && !strings.Contains(e.TechnicalDetail(), "request") && !strings.Contains(e.TechnicalDetail(), "Bad") {
				t.Errorf("the detail lost the server's words: %q", e.TechnicalDetail())
			}
		})
	}
}

// Deadline says when the wait ends: the timeout given, or the default of
// the callback kind, counted from Start.
func TestDeadline(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		kind    oauth.Callback
		want    time.Duration
	}{
		{"given", time.Hour, oauth.CallbackLoopback, time.Hour},
		{"loopback's default", 0, oauth.CallbackLoopback, oauth.DefaultTimeout},
		{"code's default", 0, oauth.CallbackCode, oauth.DefaultCodeTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, "https://example.com/token")
			cfg.Timeout, cfg.Callback = tc.timeout, tc.kind
			before := time.Now()
			f := start(t, cfg, nil)
			after := time.Now()
			if d := f.Deadline(); d.Before(before.Add(tc.want)) || d.After(after.Add(tc.want)) {
				t.Errorf("Deadline %v, want %v after Start (%v–%v)", d, tc.want, before, after)
			}
		})
	}
}
