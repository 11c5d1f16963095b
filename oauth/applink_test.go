package oauth_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// TestIsAppLink: both forms an address of the app's own link arrives in,
// and nothing looser.
func TestIsAppLink(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, s string
		want    bool
	}{
		{"as Kantata sends it", "com.kantataconnect.desktop:/callback?code=abc&state=xyz", true},
		{"normalized", "com.kantataconnect.desktop://callback/?code=abc&state=xyz", true},
		{"scheme in capitals", "COM.KantataConnect.Desktop:/callback?code=abc", true},
		{"no query", "com.kantataconnect.desktop:/callback", true},
		{"normalized, no query", "com.kantataconnect.desktop://callback/", true},
		{"other scheme", "com.example.desktop:/callback?code=abc", false},
		{"https", "https://callback/?code=abc", false},
		{"scheme as prefix", "com.kantataconnect.desktopx:/callback?code=abc", false},
		{"other path", "com.kantataconnect.desktop:/callbacks?code=abc", false},
		{"path below", "com.kantataconnect.desktop:/callback/x?code=abc", false},
		{"no slash", "com.kantataconnect.desktop:callback?code=abc", false},
		{"three slashes", "com.kantataconnect.desktop:///callback?code=abc", false},
		{"other host", "com.kantataconnect.desktop://evil/?code=abc", false},
		{"other host, callback path", "com.kantataconnect.desktop://evil/callback?code=abc", false},
		{"user info", "com.kantataconnect.desktop://user@callback/?code=abc", false},
		{"port", "com.kantataconnect.desktop://callback:80/?code=abc", false},
		{"normalized without slash", "com.kantataconnect.desktop://callback?code=abc", false},
		{"fragment", "com.kantataconnect.desktop:/callback?code=abc#x", false},
		{"leading space", " com.kantataconnect.desktop:/callback?code=abc", false},
		{"an option", "--help", false},
		{"empty", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := oauth.IsAppLink(c.s); got != c.want {
				t.Errorf("IsAppLink(%q) = %v, want %v", c.s, got, c.want)
			}
		})
	}
}

// startAppLink starts an app-link sign-in against te.
func startAppLink(t *testing.T, te *tokenEndpoint) *oauth.Flow {
	t.Helper()
	cfg := testConfig(t, te.URL)
	cfg.Callback = oauth.CallbackAppLink
	return start(t, cfg, nil)
}

// TestAppLinkSignIn: the address the OS hands over finishes the sign-in
// with the state checked and the PKCE verifier sent, redirect_uri being
// the app's own link in both requests; no port is bound.
func TestAppLinkSignIn(t *testing.T) {
	t.Parallel()
	for name, prefix := range map[string]string{
		"as Kantata sends it": oauth.AppLinkRedirectURI,
		"normalized":          "com.kantataconnect.desktop://callback/",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			te := newTokenEndpoint(t, okToken)
			f := startAppLink(t, te)
			u, _ := url.Parse(f.URL())
			if got := u.Query().Get("redirect_uri"); got != oauth.AppLinkRedirectURI {
				t.Errorf("authorization URL's redirect_uri = %q, want %q", got, oauth.AppLinkRedirectURI)
			}
			if f.RedirectURI() != oauth.AppLinkRedirectURI {
				t.Errorf("RedirectURI() = %q", f.RedirectURI())
			}
			q := url.Values{"code": {testCode}, "state": {stateOf(t, f)}}
			if err := f.Complete(prefix + "?" + q.Encode()); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			tok, err := wait(t, f)
			if err != nil || tok.AccessToken != testAccess {
				t.Fatalf("Wait = %v, %v; want the token", tok, err)
			}
			form, _, _ := te.last(t)
			if form.Get("redirect_uri") != oauth.AppLinkRedirectURI || form.Get("code") != testCode {
				t.Errorf("token request %v: want the code and the app's own link", form)
			}
			sum := sha256.Sum256([]byte(form.Get("code_verifier")))
			if got := u.Query().Get("code_challenge"); got != base64.RawURLEncoding.EncodeToString(sum[:]) {
				t.Errorf("code_verifier does not match the challenge %q", got)
			}
		})
	}
}

// TestAppLinkRefusals: a forged state, another kind of address or one
// without a code changes nothing: the sign-in goes on waiting, no token
// request is made and no error quotes the code.
func TestAppLinkRefusals(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	f := startAppLink(t, te)
	good := url.Values{"code": {testCode}, "state": {stateOf(t, f)}}
	forged := url.Values{"code": {testCode}, "state": {strings.Repeat("A", 43)}}
	for _, c := range []struct {
		name, s string
		kind    oauth.Kind
	}{
		{"forged state", oauth.AppLinkRedirectURI + "?" + forged.Encode(), oauth.KindWrongState},
		{"no state", oauth.AppLinkRedirectURI + "?code=" + testCode, oauth.KindNotCallback},
		{"loopback address", "http://127.0.0.1:1/callback?" + good.Encode(), oauth.KindNotCallback},
		{"other host", "com.kantataconnect.desktop://evil/?" + good.Encode(), oauth.KindNotCallback},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := f.Complete(c.s)
			wantKind(t, err, c.kind)
			assertNoSecrets(t, err, testCode)
			stillWaiting(t, f)
		})
	}
	if te.count() != 0 {
		t.Errorf("%d token requests; want none", te.count())
	}
}

// TestAppLinkListensNowhere: an app-link sign-in binds no port, so the
// client's port stays free.
func TestAppLinkListensNowhere(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	cfg := testConfig(t, te.URL)
	cfg.Callback = oauth.CallbackAppLink
	start(t, cfg, nil)
	portFree(t, cfg.RedirectPort)
	if d := oauth.DefaultTimeoutFor(oauth.CallbackAppLink); d != oauth.DefaultTimeout {
		t.Errorf("DefaultTimeoutFor(app-link) = %v, want %v", d, oauth.DefaultTimeout)
	}
}

// TestAppLinkTimeout: the timeout's words name the app's own link.
func TestAppLinkTimeout(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	cfg := testConfig(t, te.URL)
	cfg.Callback = oauth.CallbackAppLink
	cfg.Timeout = 50 * time.Millisecond
	f := start(t, cfg, nil)
	_, err := wait(t, f)
	e := wantKind(t, err, oauth.KindTimeout)
	if !strings.Contains(e.UserMessage(), oauth.AppLinkRedirectURI) || !strings.Contains(e.UserMessage(), "own link") {
		t.Errorf("timeout message %q: want the app's own link named", e.UserMessage())
	}
}
