package oauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// codeServer is a token endpoint for CallbackCode sign-ins: it accepts
// exactly one code, once, with redirect_uri=OOBRedirectURI and a verifier
// that matches the challenge of the flow's authorization URL.
type codeServer struct {
	*tokenEndpoint
	mu        sync.Mutex
	code      string
	challenge string
	used      bool
}

func newCodeServer(t *testing.T, code string) *codeServer {
	cs := &codeServer{code: code}
	cs.tokenEndpoint = newTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case r.PostForm.Get("redirect_uri") != oauth.OOBRedirectURI:
			jsonAnswer(400, `{"error":"invalid_grant","error_description":"redirect_uri mismatch"}`)(w, r)
		case r.PostForm.Get("code") != cs.code || cs.used:
			jsonAnswer(400, `{"error":"invalid_grant","error_description":"The provided authorization grant is invalid"}`)(w, r)
		case base64.RawURLEncoding.EncodeToString(sum[:]) != cs.challenge:
			jsonAnswer(400, `{"error":"invalid_grant","error_description":"PKCE verification failed"}`)(w, r)
		default:
			cs.used = true
			okToken(w, r)
		}
	})
	return cs
}

func startCode(t *testing.T, cs *codeServer) *oauth.Flow {
	t.Helper()
	cfg := testConfig(t, cs.URL)
	cfg.AuthURL = "https://kantata.example/oauth/authorize"
	cfg.Callback = oauth.CallbackCode
	f := start(t, cfg, nil)
	u, err := url.Parse(f.URL())
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("redirect_uri"); got != oauth.OOBRedirectURI {
		t.Fatalf("redirect_uri = %q, want %q", got, oauth.OOBRedirectURI)
	}
	cs.mu.Lock()
	cs.challenge = u.Query().Get("code_challenge")
	cs.mu.Unlock()
	if u.Query().Get("code_challenge_method") != "S256" || cs.challenge == "" {
		t.Fatalf("no S256 challenge in %s", f.URL())
	}
	return f
}

// A sign-in of kind code listens nowhere, takes the code Kantata shows in
// each form a user copies it, refuses what is not a code without asking
// Kantata, and gives a wrong code plain words and another try.
func TestCodeSignIn(t *testing.T) {
	const code = "Zx9_good-code-0123456789abcdefghijklmnopq"
	for _, tc := range []struct {
		name, paste string
	}{
		{"the bare code", code},
		{"with spaces around", "  " + code + "\n"},
		{"as the page labels it", "Authorization code: " + code},
		{"the page's address", "https://kantata.example/oauth/authorize/native?code=" + code},
		{"the page's address without the scheme", "kantata.example/oauth/authorize/native?code=" + code},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cs := newCodeServer(t, code)
			f := startCode(t, cs)
			if f.RedirectURI() != oauth.OOBRedirectURI {
				t.Errorf("RedirectURI = %q", f.RedirectURI())
			}
			if err := f.Complete(tc.paste); err != nil {
				t.Fatalf("Complete(%q) = %v", tc.paste, err)
			}
			tok, err := f.Wait(context.Background())
			if err != nil || tok.AccessToken != testAccess {
				t.Fatalf("Wait = %v, %v", tok, err)
			}
			form, _, _ := cs.last(t)
			if form.Get("redirect_uri") != oauth.OOBRedirectURI || form.Get("code_verifier") == "" {
				t.Errorf("token request %v; want the OOB redirect URI and the PKCE verifier", form)
			}
		})
	}

	t.Run("refused without asking Kantata", func(t *testing.T) {
		t.Parallel()
		cs := newCodeServer(t, code)
		f := startCode(t, cs)
		for _, tc := range []struct {
			paste string
			kind  oauth.Kind
		}{
			{"hello", oauth.KindNotCallback},
			{"two words here", oauth.KindNotCallback},
			{"https://evil.example/oauth/authorize/native?code=" + code, oauth.KindWrongAddress},
			{"https://kantata.example/other?code=" + code, oauth.KindNotCallback},
			{"https://kantata.example/oauth/authorize/native", oauth.KindNotCallback},
		} {
			err := f.Complete(tc.paste)
			if oauth.KindOf(err) != tc.kind {
				t.Errorf("Complete(%q) = %v; want kind %s", tc.paste, err, tc.kind)
			}
			if err != nil && strings.Contains(err.Error()+err.(*oauth.Error).UserMessage(), code) {
				t.Errorf("the refusal quotes the code: %v", err)
			}
		}
		if n := cs.count(); n != 0 {
			t.Errorf("%d token requests for texts that are no code", n)
		}
	})

	t.Run("a wrong code gets another try", func(t *testing.T) {
		t.Parallel()
		cs := newCodeServer(t, code)
		f := startCode(t, cs)
		err := f.Complete("Zx9_wrong-code-000000000000000000000000000")
		if oauth.KindOf(err) != oauth.KindInvalidGrant || !strings.Contains(err.(*oauth.Error).UserMessage(), "Copy the code Kantata shows now") {
			t.Fatalf("a wrong code: %v", err)
		}
		select {
		case <-f.Done():
			t.Fatal("a wrong code ended the sign-in")
		default:
		}
		if err := f.Complete(code); err != nil {
			t.Fatalf("the right code after a wrong one: %v", err)
		}
		if tok, err := f.Wait(context.Background()); err != nil || tok.AccessToken != testAccess {
			t.Fatalf("Wait = %v, %v", tok, err)
		}
		if n := cs.count(); n != 2 {
			t.Errorf("%d token requests, want 2", n)
		}
	})

	t.Run("it times out in words about the code", func(t *testing.T) {
		t.Parallel()
		cs := newCodeServer(t, code)
		cfg := testConfig(t, cs.URL)
		cfg.Callback, cfg.Timeout = oauth.CallbackCode, time.Millisecond
		f := start(t, cfg, nil)
		_, err := f.Wait(context.Background())
		if oauth.KindOf(err) != oauth.KindTimeout || !strings.Contains(err.(*oauth.Error).UserMessage(), "No code was pasted within") {
			t.Errorf("timeout: %v", err)
		}
	})
}

// A sign-in of kind code binds no port: another program may hold the
// loopback port, and two such sign-ins may run at once.
func TestCodeSignInListensNowhere(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := testConfig(t, "http://127.0.0.1:1/token")
	cfg.Callback, cfg.RedirectPort = oauth.CallbackCode, ln.Addr().(*net.TCPAddr).Port
	start(t, cfg, nil)
	start(t, cfg, nil)
}

// A code shown by Kantata carries no state back: PKCE is what binds it to
// the sign-in, so the kind refuses PKCE off.
func TestCodeSignInNeedsPKCE(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, "http://127.0.0.1:1/token")
	cfg.Callback, cfg.DisablePKCE = oauth.CallbackCode, true
	if _, err := oauth.Start(context.Background(), cfg, nil); oauth.KindOf(err) != oauth.KindInvalidConfig {
		t.Errorf("Start with PKCE off: %v", err)
	}
}
