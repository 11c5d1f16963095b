package gui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/kantata-connect/kantata-connect/handover"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// The client dialog offers the app's own link as a third kind: the URL to
// register follows it, it is saved as app-link and shown so again.
func TestClientDialogAppLink(t *testing.T) {
	h := newHarness(t, nil)
	h.kantata.SetHTTPSOnlyCallbacks(true)
	test.Tap(h.u.panel.addClient)
	d := shownDialog[*clientDialog](h.u.win)
	test.Type(d.name, "Linked")
	test.Type(d.clientID, "linked-id")
	test.Type(d.secret, testSecret)
	d.view.SetSelected(viewHTTP)
	d.authURL.SetText(h.kantata.AuthURL())
	d.tokenURL.SetText(h.kantata.TokenURL())
	d.apiURL.SetText(h.kantata.APIBaseURL())
	d.callback.SetSelected(callbackAppLinkLabel)
	if d.callbackURL.Text != oauth.AppLinkRedirectURI {
		t.Fatalf("callback URL %q for the app's own link", d.callbackURL.Text)
	}
	if err := h.kantata.RegisterClient("linked-id", testSecret, d.callbackURL.Text); err != nil {
		t.Fatal(err)
	}
	test.Tap(d.saveButton)
	h.wait()
	c, ok := h.store.ClientByName("Linked")
	if !ok || c.Callback != store.CallbackAppLink {
		t.Fatalf("saved %+v; want kind app-link", c)
	}
	h.u.panel.client.SetSelected(c.Name)
	if h.u.panel.callbackURL.Text != oauth.AppLinkRedirectURI || h.u.panel.switchCallback.Text != switchToLoopback {
		t.Errorf("the how-to shows %q and offers %q", h.u.panel.callbackURL.Text, h.u.panel.switchCallback.Text)
	}
	test.Tap(h.u.panel.editClient)
	if got := shownDialog[*clientDialog](h.u.win).callback.Selected; got != callbackAppLinkLabel {
		t.Errorf("editing shows the kind %q", got)
	}
}

// A sign-in of kind app-link says the browser may ask to open the app, and
// the address handed over on the records folder finishes it.
func TestSignInWithAppLink(t *testing.T) {
	var h *harness
	addresses := make(chan string, 1)
	h = newHarness(t, func(u string) error {
		go func() {
			loc, err := h.kantata.AuthorizeOverHTTP(u)
			if err != nil {
				t.Error(err)
				return
			}
			addresses <- loc.String()
		}()
		return nil
	})
	c := h.addClient("Linked", "linked-xxxx")
	if _, err := h.store.SetClientCallback(c.ID, store.CallbackAppLink); err != nil {
		t.Fatal(err)
	}
	h.kantata.AddClient("linked-xxxx", testSecret, oauth.AppLinkRedirectURI)
	h.u.refresh()
	test.Type(h.u.panel.name, "Kantata production")
	d := h.startSignIn()
	if !strings.Contains(d.steps.Text, "“Open Kantata Connect?”") || d.heading.Text != "Waiting for Kantata's answer…" {
		t.Errorf("the dialog for the app's own link: heading %q, steps %q", d.heading.Text, d.steps.Text)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := handover.Send(ctx, filepath.Dir(h.store.Path()), <-addresses); err != nil {
		t.Fatalf("Send: %v", err)
	}
	// Wait for every result to reach the window: the store is written before
	// the status line is, so stopping at the store's state races the label.
	h.wait()
	if conn, _ := h.store.ConnectionByName("Kantata production"); conn.Status != store.StatusAuthorized {
		t.Errorf("stored status %q", conn.Status)
	}
	if !strings.HasPrefix(h.u.panel.status.Text, "Authorized as Jane Doe") {
		t.Errorf("status %q", h.u.panel.status.Text)
	}
}
