package oauth_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// pasted is the address a browser that could not reach the listener ends
// on: the callback URL with the query Kantata sent.
func pasted(f *oauth.Flow, q url.Values) string { return f.RedirectURI() + "?" + q.Encode() }

// stillWaiting fails if the flow has ended.
func stillWaiting(t *testing.T, f *oauth.Flow) {
	t.Helper()
	select {
	case <-f.Done():
		_, err := f.Wait(t.Context())
		t.Fatalf("the sign-in ended (%v); want it still waiting", err)
	default:
	}
}

// TestCompleteWithPastedAddress: the address the browser ended on finishes
// the sign-in as the callback would: the same exchange, with the verifier
// whose challenge went to Kantata, and the listener stops.
func TestCompleteWithPastedAddress(t *testing.T) {
	t.Parallel()
	for name, edit := range map[string]func(string) string{
		"as copied":         func(s string) string { return s },
		"without scheme":    func(s string) string { return strings.TrimPrefix(s, "http://") },
		"with spaces":       func(s string) string { return "  " + s + "\r\n" },
		"in angle quotes":   func(s string) string { return "<" + s + ">" },
		"upgraded to https": func(s string) string { return "https://" + strings.TrimPrefix(s, "http://") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			te := newTokenEndpoint(t, okToken)
			cfg := testConfig(t, te.URL)
			f := start(t, cfg, nil)
			if err := f.Complete(edit(pasted(f, url.Values{"code": {testCode}, "state": {stateOf(t, f)}}))); err != nil {
				t.Fatalf("Complete: %v", err)
			}
			tok, err := wait(t, f)
			if err != nil || tok.AccessToken != testAccess {
				t.Fatalf("Wait = %v, %v; want the token", tok, err)
			}
			form, _, _ := te.last(t)
			if form.Get("code") != testCode || form.Get("redirect_uri") != cfg.RedirectURI() {
				t.Errorf("token request %v: want the pasted code and the callback URL", form)
			}
			// The verifier is the one whose challenge the sign-in sent.
			sum := sha256.Sum256([]byte(form.Get("code_verifier")))
			challenge := base64.RawURLEncoding.EncodeToString(sum[:])
			u, _ := url.Parse(f.URL())
			if got := u.Query().Get("code_challenge"); got != challenge {
				t.Errorf("code_verifier does not match the challenge %q sent to Kantata", got)
			}
			if te.count() != 1 {
				t.Errorf("%d token requests; want 1", te.count())
			}
			portFree(t, cfg.RedirectPort)
			// A paste right after the start can come within one tick of
			// Windows' coarser clock (under Wine): there the wait may read 0.
			browserWait, exchange := f.Timings()
			if browserWait < 0 || (browserWait == 0 && runtime.GOOS != "windows") || exchange <= 0 {
				t.Errorf("timings %v, %v; want both measured", browserWait, exchange)
			}
		})
	}
}

// TestCompleteRefusesWhatIsNotThisSignIn: each refused address gets its own
// kind and plain words, the sign-in goes on waiting, nothing reaches the
// token endpoint, no error quotes the code, and the right address still
// completes it afterwards.
func TestCompleteRefusesWhatIsNotThisSignIn(t *testing.T) {
	t.Parallel()
	const otherCode = "other-code-from-elsewhere-123456"
	cases := []struct {
		name  string
		paste func(f *oauth.Flow, state string) string
		kind  oauth.Kind
		words []string // the message says these; {callback} is the flow's callback URL
	}{
		{"empty", func(*oauth.Flow, string) string { return "   " }, oauth.KindNotCallback, []string{"{callback}?"}},
		{"words", func(*oauth.Flow, string) string { return "I clicked Authorize" }, oauth.KindNotCallback, []string{"address bar"}},
		{"the sign-in address", func(f *oauth.Flow, _ string) string { return f.URL() }, oauth.KindNotCallback, []string{"{callback}?"}},
		{"the client secret", func(*oauth.Flow, string) string { return testSecret }, oauth.KindNotCallback, nil},
		{"cut off before the code", func(f *oauth.Flow, state string) string {
			return f.RedirectURI() + "?state=" + state
		}, oauth.KindNotCallback, nil},
		{"not a URL", func(f *oauth.Flow, state string) string {
			return "http://127.0.0.1:%zz/callback?code=" + otherCode + "&state=" + state
		}, oauth.KindNotCallback, nil},
		{"stale: an earlier sign-in", func(f *oauth.Flow, _ string) string {
			return pasted(f, url.Values{"code": {otherCode}, "state": {"state-of-an-earlier-sign-in"}})
		}, oauth.KindWrongState, []string{"another sign-in", "nothing was sent to Kantata"}},
		{"forged: no state", func(f *oauth.Flow, _ string) string {
			return f.RedirectURI() + "?code=" + otherCode + "&state="
		}, oauth.KindWrongState, nil},
		{"denied for another sign-in", func(f *oauth.Flow, _ string) string {
			return pasted(f, url.Values{"error": {"access_denied"}, "state": {"state-of-another-sign-in"}})
		}, oauth.KindWrongState, nil},
		{"another port", func(f *oauth.Flow, state string) string {
			return "http://127.0.0.1:1/callback?" + url.Values{"code": {otherCode}, "state": {state}}.Encode()
		}, oauth.KindWrongAddress, []string{"127.0.0.1:1,", "{callback}"}},
		{"another host", func(f *oauth.Flow, state string) string {
			return strings.Replace(pasted(f, url.Values{"code": {otherCode}, "state": {state}}), "127.0.0.1", "localhost", 1)
		}, oauth.KindWrongAddress, []string{"localhost:", "{callback}"}},
		{"the code as host", func(f *oauth.Flow, state string) string {
			return "http://" + otherCode + "/callback?" + url.Values{"code": {otherCode}, "state": {state}}.Encode()
		}, oauth.KindWrongAddress, []string{"{callback}"}},
		{"another path", func(f *oauth.Flow, state string) string {
			return strings.Replace(pasted(f, url.Values{"code": {otherCode}, "state": {state}}), "/callback", "/elsewhere", 1)
		}, oauth.KindWrongAddress, []string{"{callback}"}},
		{"another scheme", func(f *oauth.Flow, state string) string {
			return strings.Replace(pasted(f, url.Values{"code": {otherCode}, "state": {state}}), "http:", "ftp:", 1)
		}, oauth.KindWrongAddress, []string{"{callback}"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			te := newTokenEndpoint(t, okToken)
			f := start(t, testConfig(t, te.URL), nil)
			state := stateOf(t, f)
			err := f.Complete(c.paste(f, state))
			e := wantKind(t, err, c.kind)
			for _, w := range c.words {
				w = strings.ReplaceAll(w, "{callback}", f.RedirectURI())
				if !strings.Contains(e.UserMessage(), w) {
					t.Errorf("message %q does not say %q", e.UserMessage(), w)
				}
			}
			assertNoSecrets(t, err, otherCode, testSecret, state)
			stillWaiting(t, f)
			if te.count() != 0 {
				t.Fatal("a refused address reached the token endpoint")
			}
			// The right address still works.
			if err := f.Complete(pasted(f, url.Values{"code": {testCode}, "state": {state}})); err != nil {
				t.Fatalf("Complete with the right address after a refused one: %v", err)
			}
			if _, err := wait(t, f); err != nil {
				t.Fatalf("Wait: %v", err)
			}
		})
	}
}

// TestCompletePastedDenial: the address after Deny ends the sign-in as the
// callback would, explained as a denial, with nothing exchanged.
func TestCompletePastedDenial(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	cfg := testConfig(t, te.URL)
	f := start(t, cfg, nil)
	addr := pasted(f, url.Values{"error": {"access_denied"}, "error_description": {"The user denied access."},
		"state": {stateOf(t, f)}})
	if err := f.Complete(addr); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	_, err := wait(t, f)
	if e := wantKind(t, err, oauth.KindDenied); !strings.Contains(e.UserMessage(), "You chose not to authorize") {
		t.Errorf("message %q", e.UserMessage())
	}
	if te.count() != 0 {
		t.Error("a denial reached the token endpoint")
	}
	portFree(t, cfg.RedirectPort)
}

// TestCompleteUsesTheCodeOnce: after the sign-in took an address, another
// paste, the same again or the browser's callback, is not used, and after
// the end neither.
func TestCompleteUsesTheCodeOnce(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond) // the exchange is under way while the others arrive
		okToken(w, r)
	})
	f := start(t, testConfig(t, te.URL), nil)
	addr := pasted(f, url.Values{"code": {testCode}, "state": {stateOf(t, f)}})
	if err := f.Complete(addr); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	err := f.Complete(addr)
	if e := wantKind(t, err, oauth.KindNotWaiting); !strings.Contains(e.UserMessage(), "already received") {
		t.Errorf("second paste: %q", e.UserMessage())
	}
	assertNoSecrets(t, err, testCode)
	if _, err := wait(t, f); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	wantKind(t, f.Complete(addr), oauth.KindNotWaiting)
	if !errors.Is(f.Complete(addr), oauth.ErrEnded) {
		t.Error("a paste after the end is not ErrEnded")
	}
	if te.count() != 1 {
		t.Errorf("%d token requests; want 1", te.count())
	}
}

// TestCompleteAfterCancel: a canceled sign-in takes nothing.
func TestCompleteAfterCancel(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	f := start(t, testConfig(t, te.URL), nil)
	f.Cancel()
	wantKind(t, f.Complete(pasted(f, url.Values{"code": {testCode}, "state": {stateOf(t, f)}})), oauth.KindNotWaiting)
	_, err := wait(t, f)
	wantKind(t, err, oauth.KindCanceled)
	if te.count() != 0 {
		t.Error("a paste after cancel reached the token endpoint")
	}
}

// TestCompleteRacesTheCallback: a pasted address and the browser's callback
// arriving at the same moment exchange the code once: one is taken, the
// other refused (the browser gets the "already used" page).
func TestCompleteRacesTheCallback(t *testing.T) {
	t.Parallel()
	for i := range 20 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			te := newTokenEndpoint(t, okToken)
			cfg := testConfig(t, te.URL)
			f := start(t, cfg, nil)
			q := url.Values{"code": {testCode}, "state": {stateOf(t, f)}}
			var wg sync.WaitGroup
			var pasteErr error
			var status int
			wg.Add(2)
			go func() { defer wg.Done(); pasteErr = f.Complete(pasted(f, q)) }()
			go func() {
				defer wg.Done()
				resp, err := httpClient.Get(f.RedirectURI() + "?" + q.Encode())
				if err != nil {
					status = -1 // the listener closed first: the paste won
					return
				}
				resp.Body.Close()
				status = resp.StatusCode
			}()
			wg.Wait()
			if _, err := wait(t, f); err != nil {
				t.Fatalf("Wait: %v", err)
			}
			if te.count() != 1 {
				t.Fatalf("%d token requests; want exactly 1", te.count())
			}
			switch {
			case pasteErr == nil && status == http.StatusOK:
				t.Fatal("both the paste and the callback were taken")
			case pasteErr != nil && status != http.StatusOK:
				t.Fatalf("neither was taken: paste %v, callback HTTP %d", pasteErr, status)
			case pasteErr != nil:
				wantKind(t, pasteErr, oauth.KindNotWaiting)
			}
		})
	}
}
