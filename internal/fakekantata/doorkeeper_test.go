package fakekantata

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The behaviours measured against a real Doorkeeper 5.5 in production
// (PRODUCT.md, "Kantata's server software: Doorkeeper, measured").

var nativeCode = regexp.MustCompile(`<code id="authorization_code">([^<]+)</code>`)

// Registration refuses http callbacks, the loopback one included, with
// Doorkeeper's words; the out-of-band URI and https ones are accepted.
func TestHTTPSOnlyCallbacks(t *testing.T) {
	s := New(t)
	s.SetHTTPSOnlyCallbacks(true)
	err := s.RegisterClient("c", "s", "http://127.0.0.1:38917/callback")
	if err == nil || !strings.Contains(err.Error(), ErrHTTPSRedirectURI) {
		t.Errorf("an http loopback callback: %v", err)
	}
	if err := s.RegisterClient("c", "s", OOBRedirectURI, "https://127.0.0.1:38917/callback", "com.kantataconnect.desktop:/callback"); err != nil {
		t.Errorf("what Doorkeeper accepts: %v", err)
	}
}

// With the out-of-band redirect URI, Authorize leads to Doorkeeper's code
// page with the code and no state; the code and the PKCE verifier get a
// token with the same redirect URI.
func TestOutOfBandCode(t *testing.T) {
	const verifier = "verifier-0123456789-0123456789-0123456789-0123456789"
	s := New(t)
	s.SetHTTPSOnlyCallbacks(true)
	s.AddClient(testClientID, testSecret, OOBRedirectURI)
	p := url.Values{"client_id": {testClientID}, "response_type": {"code"}, "redirect_uri": {OOBRedirectURI},
		"state": {testState}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
	loc, err := s.AuthorizeOverHTTP(authorizeURL(s, p))
	if err != nil {
		t.Fatal(err)
	}
	if loc.Path != NativeCodePath || loc.Query().Get("code") == "" || loc.Query().Has("state") {
		t.Fatalf("Authorize led to %s; want %s?code=… without the state", loc, NativeCodePath)
	}
	resp, page := get(t, httpClient(), s.URL+loc.RequestURI())
	m := nativeCode.FindStringSubmatch(page)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "OAuth authorization required") || m == nil || m[1] != loc.Query().Get("code") {
		t.Fatalf("the code page (HTTP %d):\n%s", resp.StatusCode, page)
	}
	f := codeForm(m[1], OOBRedirectURI)
	f.Set("code_verifier", verifier)
	wantToken(t, exchange(t, s, f, testClientID, testSecret, false))
}

// With the app's own link (a private-use scheme, RFC 8252 section 7.1)
// under the https-only default, Authorize redirects to
// com.kantataconnect.desktop:/callback?code=…&state=… (state echoed), and
// the code and the PKCE verifier get a token with the same redirect URI.
func TestPrivateUseScheme(t *testing.T) {
	const verifier = "verifier-0123456789-0123456789-0123456789-0123456789"
	const appLink = "com.kantataconnect.desktop:/callback"
	s := New(t)
	s.SetHTTPSOnlyCallbacks(true)
	s.AddClient(testClientID, testSecret, appLink)
	p := url.Values{"client_id": {testClientID}, "response_type": {"code"}, "redirect_uri": {appLink},
		"state": {testState}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
	loc, err := s.AuthorizeOverHTTP(authorizeURL(s, p))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.String(); !strings.HasPrefix(got, appLink+"?") || loc.Query().Get("code") == "" || loc.Query().Get("state") != testState {
		t.Fatalf("Authorize led to %s; want %s?code=…&state=%s", got, appLink, testState)
	}
	f := codeForm(loc.Query().Get("code"), appLink)
	f.Set("code_verifier", verifier)
	wantToken(t, exchange(t, s, f, testClientID, testSecret, false))
}

// Once the user holds a live token for the application, a later sign-in
// skips the Authorize page and redirects at once; revoking ends that.
func TestRememberedGrantSkipsTheAuthorizePage(t *testing.T) {
	s, cb := setup(t)
	s.SetRememberGrant(true)
	code := authorize(t, s, cb, baseParams(cb))
	wantToken(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false))

	resp, _ := get(t, noRedirectClient(), authorizeURL(s, baseParams(cb)))
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound || err != nil ||
		loc.Query().Get("code") == "" || loc.Query().Get("state") != testState {
		t.Fatalf("a second sign-in: HTTP %d to %v; want a redirect with a code at once", resp.StatusCode, loc)
	}
	s.RevokeAll()
	if resp, body := get(t, noRedirectClient(), authorizeURL(s, baseParams(cb))); resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="authorize"`) {
		t.Errorf("after revoking: HTTP %d; want the Authorize page", resp.StatusCode)
	}
}

// A revoked token is refused as Doorkeeper's guard does: 401, empty body,
// the reason in WWW-Authenticate.
func TestDoorkeeper401(t *testing.T) {
	s, cb := setup(t)
	s.SetDoorkeeper401(true)
	tok := s.IssueToken(t, testClientID, testSecret, cb.URL)
	s.RevokeAll()
	req, _ := http.NewRequest(http.MethodGet, s.MeURL(), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	want := `Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token was revoked"`
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != want || resp.ContentLength > 0 {
		t.Errorf("HTTP %d, WWW-Authenticate %q, length %d", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), resp.ContentLength)
	}
}

// The personal token works as a Bearer token like any other.
func TestPersonalToken(t *testing.T) {
	s, _ := setup(t)
	tok := s.PersonalToken(t, testClientID)
	req, _ := http.NewRequest(http.MethodGet, s.MeURL(), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("users/me with a personal token: HTTP %d", resp.StatusCode)
	}
}
