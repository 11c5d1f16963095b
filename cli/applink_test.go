package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/cli"
	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/handover"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// client add --callback app-link saves the kind, names the app's own link
// as the callback URL and lists all three lines to register.
func TestClientAddAppLink(t *testing.T) {
	h := newHarness(t)
	res := h.run("s3cret-value\n", "client", "add", "Linked", "--client-id", "linked-id", "--callback", "app-link")
	if res.code != 0 || !strings.Contains(res.out, "Callback URL to register in Kantata: "+oauth.AppLinkRedirectURI+"\n") {
		t.Fatalf("client add: %v", res)
	}
	for _, line := range oauth.AllCallbackURIs(38917) {
		if !strings.Contains(res.out, "  "+line+"\n") {
			t.Errorf("client add does not list %s:\n%s", line, res.out)
		}
	}
	if c, ok := h.store().ClientByName("Linked"); !ok || c.Callback != store.CallbackAppLink {
		t.Errorf("saved %+v", c)
	}
}

// authorize with an app-link client says it registered the link and what
// the browser may ask, and finishes with the address handed over.
func TestAuthorizeAppLink(t *testing.T) {
	h := newHarness(t)
	clientID, secret, _ := h.addClient("Linked app")
	h.kantata.SetHTTPSOnlyCallbacks(true)
	h.kantata.AddClient(clientID, secret, oauth.AppLinkRedirectURI)
	if res := h.run(secret+"\n", "client", "edit", "Linked app", "--callback", "app-link"); res.code != 0 {
		t.Fatalf("client edit: %v", res)
	}
	if res := h.run("", "connection", "add", "Linked", "--client", "Linked app"); res.code != 0 {
		t.Fatalf("connection add: %v", res)
	}
	addresses := make(chan string, 1)
	h.opener = func(u string) error {
		go func() {
			loc, err := h.kantata.AuthorizeOverHTTP(u)
			if err != nil {
				t.Error(err)
			}
			addresses <- loc.String()
		}()
		return nil
	}
	out, errOut := &watched{}, &watched{}
	env := h.env("", out, errOut)
	env.RegisterLink = func() (bool, error) { return true, nil }
	done := make(chan result, 1)
	go func() { done <- h.runEnv(context.Background(), env, "authorize", "Linked", "--timeout", "1m") }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := handover.Send(ctx, h.dir, <-addresses); err != nil {
		t.Fatalf("Send: %v", err)
	}
	res := <-done
	for _, want := range []string{connect.LinkRegisteredNote, "“Open Kantata Connect?”", "Authorized as Jane Doe"} {
		if res.code != 0 || !strings.Contains(res.out, want) {
			t.Errorf("authorize: want %q: %v", want, res)
		}
	}
}

// HandOver with nobody waiting says so, exits 1 and never prints the
// address.
func TestHandOverNobodyWaiting(t *testing.T) {
	t.Setenv(store.EnvConfigDir, t.TempDir())
	var out, errOut bytes.Buffer
	code := cli.HandOver(oauth.AppLinkRedirectURI+"?code=secret-code-0123456789&state=s", &out, &errOut)
	if code != cli.ExitCheckFailed || !strings.Contains(errOut.String(), cli.NoSignInWaiting) {
		t.Errorf("HandOver: exit %d, %q", code, errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), "secret-code") {
		t.Error("the address was printed")
	}
}
