package oauth_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
)

// blocked starts a flow whose browser, real Chromium at the stand-in
// Kantata, cannot reach the listener (as on another computer): it clicks
// Authorize or Deny, and the request to the callback fails in the browser.
// It returns the flow, still waiting, and the address the browser ended on.
func (e *e2e) blocked(action func(*browsertest.Browser, string) (string, error)) (*oauth.Flow, string) {
	e.t.Helper()
	open, results := e.opener(action)
	f, err := oauth.Start(context.Background(), e.cfg, open)
	if err != nil {
		e.t.Fatalf("Start: %v", err)
	}
	e.t.Cleanup(f.Cancel)
	addr := browserResult(e.t, results)
	if !strings.HasPrefix(addr, f.RedirectURI()+"?") {
		e.t.Fatalf("the browser ended on %q; want an address at %s", addr, f.RedirectURI())
	}
	stillWaiting(e.t, f) // the browser never reached the listener
	return f, addr
}

// TestBrowserPaste: the browser can't reach the app; the address it ended
// on, pasted, finishes the sign-in with the stand-in Kantata (fosite), which
// checks the code, the client secret and the PKCE verifier.
func TestBrowserPaste(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	authorizeBlocked := (*browsertest.Browser).AuthorizeBlocked

	t.Run("pasted address completes", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		f, addr := e.blocked(authorizeBlocked)
		if err := f.Complete(addr); err != nil {
			t.Fatalf("Complete: %v", err)
		}
		tok, err := wait(t, f)
		if err != nil {
			t.Fatalf("sign-in with the pasted address: %v", err)
		}
		e.checkToken(tok)
		u, _ := url.Parse(addr)
		if form, _ := e.s.LastTokenRequest(); form.Get("code") != u.Query().Get("code") || form.Get("code_verifier") == "" {
			t.Errorf("token request %v: want the pasted code and the verifier", form)
		}
		if n := e.s.TokenRequests(); n != 1 {
			t.Errorf("%d token requests, want 1", n)
		}
		portFree(t, e.cfg.RedirectPort) // the listener stopped
		// The code is used once.
		wantKind(t, f.Complete(addr), oauth.KindNotWaiting)
		if n := e.s.TokenRequests(); n != 1 {
			t.Errorf("%d token requests after pasting again, want 1", n)
		}
	})

	t.Run("pasted denial", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		f, addr := e.blocked((*browsertest.Browser).DenyBlocked)
		if err := f.Complete(addr); err != nil {
			t.Fatalf("Complete: %v", err)
		}
		_, err := wait(t, f)
		if oe := wantKind(t, err, oauth.KindDenied); !strings.HasPrefix(oe.UserMessage(), "You chose not to authorize") {
			t.Errorf("denial message %q", oe.UserMessage())
		}
		if e.s.TokenRequests() != 0 {
			t.Error("token endpoint called after a denial")
		}
		portFree(t, e.cfg.RedirectPort)
	})

	t.Run("stale address from an earlier sign-in", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		earlier, stale := e.blocked(authorizeBlocked)
		earlier.Cancel()
		wait(t, earlier)
		f, addr := e.blocked(authorizeBlocked)
		err := f.Complete(stale)
		wantKind(t, err, oauth.KindWrongState)
		u, _ := url.Parse(stale)
		assertNoSecrets(t, err, u.Query().Get("code"), e2eSecret)
		stillWaiting(t, f)
		if n := e.s.TokenRequests(); n != 0 {
			t.Fatalf("%d token requests for a stale address, want 0", n)
		}
		if err := f.Complete(addr); err != nil {
			t.Fatalf("Complete with this sign-in's address: %v", err)
		}
		if _, err := wait(t, f); err != nil {
			t.Fatalf("sign-in after a stale address: %v", err)
		}
	})

	t.Run("forged addresses", func(t *testing.T) {
		t.Parallel()
		e := newE2E(t, b)
		f, addr := e.blocked(authorizeBlocked)
		u, _ := url.Parse(addr)
		code, state := u.Query().Get("code"), u.Query().Get("state")
		with := func(edit func(q url.Values)) string {
			q := u.Query()
			edit(q)
			v := *u
			v.RawQuery = q.Encode()
			return v.String()
		}
		otherPort := strings.Replace(addr, u.Host, "127.0.0.1:1", 1)
		for _, c := range []struct {
			name, paste string
			kind        oauth.Kind
		}{
			{"another state", with(func(q url.Values) { q.Set("state", "forged-state") }), oauth.KindWrongState},
			{"no state", with(func(q url.Values) { q.Del("state") }), oauth.KindNotCallback},
			{"another port", otherPort, oauth.KindWrongAddress},
			{"another host", strings.Replace(addr, "127.0.0.1", "attacker.example", 1), oauth.KindWrongAddress},
		} {
			err := f.Complete(c.paste)
			wantKind(t, err, c.kind)
			assertNoSecrets(t, err, code, state, e2eSecret)
			if c.kind == oauth.KindWrongAddress && !strings.Contains(err.(*oauth.Error).UserMessage(), f.RedirectURI()) {
				t.Errorf("%s: message %q does not show the callback URL", c.name, err.(*oauth.Error).UserMessage())
			}
		}
		stillWaiting(t, f)
		if n := e.s.TokenRequests(); n != 0 {
			t.Fatalf("%d token requests for forged addresses, want 0", n)
		}
		if err := f.Complete(addr); err != nil {
			t.Fatalf("Complete with the real address: %v", err)
		}
		if _, err := wait(t, f); err != nil {
			t.Fatalf("sign-in after forged addresses: %v", err)
		}
	})

	t.Run("another sign-in's code with this state", func(t *testing.T) {
		// Past the state check, the PKCE verifier still binds a code to the
		// sign-in that asked for it: Kantata refuses the other's code.
		t.Parallel()
		e := newE2E(t, b)
		other, otherAddr := e.blocked(authorizeBlocked)
		other.Cancel()
		wait(t, other)
		f, addr := e.blocked(authorizeBlocked)
		ou, _ := url.Parse(otherAddr)
		u, _ := url.Parse(addr)
		q := u.Query()
		q.Set("code", ou.Query().Get("code"))
		u.RawQuery = q.Encode()
		if err := f.Complete(u.String()); err != nil {
			t.Fatalf("Complete: %v", err)
		}
		_, err := wait(t, f)
		wantKind(t, err, oauth.KindInvalidGrant)
		assertNoSecrets(t, err, ou.Query().Get("code"), q.Get("state"), e2eSecret)
	})
}
