package oauth_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// bystander is a server on another loopback address (127.0.0.2) that must
// get nothing: it records every request that reaches it, and answers with a
// token so a sign-in that follows a redirect to it would succeed.
type bystander struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []string
}

func newBystander(t testing.TB) *bystander {
	t.Helper()
	rec := &bystander{}
	rec.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, fmt.Sprintf("%s %s %v %s", r.Method, r.URL, r.Header, b))
		rec.mu.Unlock()
		okToken(w, r)
	}))
	ln, err := net.Listen("tcp4", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2: %v", err)
	}
	rec.Listener.Close()
	rec.Listener = ln
	rec.Start()
	t.Cleanup(rec.Close)
	return rec
}

func (rec *bystander) got() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.reqs...)
}

// TestTokenRequestFollowsNoRedirect: a token endpoint that answers with a
// redirect gets the form (client secret, code, PKCE verifier) once, and the
// address it points at gets nothing, whatever the status, the scheme and
// the client authentication. The sign-in fails with its own kind, naming
// where the endpoint tried to send it.
func TestTokenRequestFollowsNoRedirect(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		status   int
		tls      bool // the token endpoint is https, with the caller's own client trusting it
		auth     oauth.ClientAuth
		sameHost bool // a relative Location: another path on the token endpoint itself
	}{
		{name: "307 to another host", status: http.StatusTemporaryRedirect},
		{name: "308 to another host", status: http.StatusPermanentRedirect},
		{name: "307 to another host, basic auth", status: http.StatusTemporaryRedirect, auth: oauth.ClientAuthBasic},
		{name: "308 from https to http on another host, caller's client", status: http.StatusPermanentRedirect, tls: true},
		{name: "302 to another host", status: http.StatusFound},
		{name: "301 to another host", status: http.StatusMovedPermanently},
		{name: "307 to another path on the same host", status: http.StatusTemporaryRedirect, sameHost: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := newBystander(t)
			var mu sync.Mutex
			var forms []url.Values
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.ParseForm()
				mu.Lock()
				forms = append(forms, r.PostForm)
				mu.Unlock()
				if r.URL.Path != "/oauth/token" {
					okToken(w, r)
					return
				}
				// A hostile endpoint also echoes the code into the Location.
				loc := rec.URL + "/oauth/token?from=" + url.QueryEscape(r.PostForm.Get("code"))
				if c.sameHost {
					loc = "/elsewhere/token?from=" + url.QueryEscape(r.PostForm.Get("code"))
				}
				w.Header().Set("Location", loc)
				w.WriteHeader(c.status)
			})
			var te *httptest.Server
			if c.tls {
				te = httptest.NewTLSServer(h)
			} else {
				te = httptest.NewServer(h)
			}
			t.Cleanup(te.Close)

			cfg := testConfig(t, te.URL+"/oauth/token")
			cfg.ClientAuth = c.auth
			var callerClient *http.Client
			if c.tls {
				callerClient = te.Client()
				cfg.HTTPClient = callerClient
			}
			f := start(t, cfg, nil)
			resp, body := callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
			_, err := wait(t, f)

			if got := rec.got(); len(got) != 0 {
				t.Errorf("the address the redirect pointed at got %d requests: %q", len(got), got)
			}
			mu.Lock()
			n := len(forms)
			var verifier string
			if n > 0 {
				verifier = forms[0].Get("code_verifier")
			}
			mu.Unlock()
			if n != 1 {
				t.Errorf("the token endpoint got %d requests, want 1", n)
			}
			if callerClient != nil && callerClient.CheckRedirect != nil {
				t.Error("the caller's HTTP client was changed")
			}

			e := wantKind(t, err, oauth.KindRedirected)
			wantHost := "127.0.0.2"
			if c.sameHost {
				wantHost = "/elsewhere/token"
			}
			for _, want := range []string{wantHost, "access token URL"} {
				if !strings.Contains(e.UserMessage(), want) {
					t.Errorf("UserMessage %q lacks %q", e.UserMessage(), want)
				}
			}
			for _, want := range []string{fmt.Sprint(c.status), "Location", wantHost} {
				if !strings.Contains(e.TechnicalDetail(), want) {
					t.Errorf("TechnicalDetail %q lacks %q", e.TechnicalDetail(), want)
				}
			}
			assertNoSecrets(t, err, testSecret, testCode, verifier)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Sign-in failed") {
				t.Errorf("callback page %d %q does not show the failure", resp.StatusCode, body)
			}
		})
	}
}
