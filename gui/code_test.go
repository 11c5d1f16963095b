package gui

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// addCodeClient adds a client through the dialog as a user would, choosing
// "Kantata shows a code" in the HTTP view, at a stand-in that takes only
// https callbacks, as Kantata's Doorkeeper does by default.
func (h *harness) addCodeClient(name, clientID string) store.Client {
	h.t.Helper()
	h.kantata.SetHTTPSOnlyCallbacks(true)
	test.Tap(h.u.panel.addClient)
	d := shownDialog[*clientDialog](h.u.win)
	test.Type(d.name, name)
	test.Type(d.clientID, clientID)
	test.Type(d.secret, testSecret)
	d.view.SetSelected(viewHTTP)
	d.authURL.SetText(h.kantata.AuthURL())
	d.tokenURL.SetText(h.kantata.TokenURL())
	d.apiURL.SetText(h.kantata.APIBaseURL())
	d.callback.SetSelected(callbackCodeLabel)
	if d.callbackURL.Text != oauth.OOBRedirectURI {
		h.t.Fatalf("the dialog shows the callback URL %q for a code client", d.callbackURL.Text)
	}
	if err := h.kantata.RegisterClient(clientID, testSecret, d.callbackURL.Text); err != nil {
		h.t.Fatal(err)
	}
	test.Tap(d.saveButton)
	h.wait()
	c, ok := h.store.ClientByName(name)
	if !ok || c.Callback != store.CallbackCode {
		h.t.Fatalf("client %q was not saved as a code client: %+v", name, c)
	}
	return c
}

// The client dialog's callback kind: the URL to register follows it, and a
// code without PKCE is refused beside the setting with Save disabled.
func TestClientDialogCallbackKind(t *testing.T) {
	h := newHarness(t, nil)
	test.Tap(h.u.panel.addClient)
	d := shownDialog[*clientDialog](h.u.win)
	test.Type(d.name, "Kantata")
	test.Type(d.clientID, "id")
	test.Type(d.secret, "s3cret")
	d.view.SetSelected(viewHTTP)
	d.callback.SetSelected(callbackCodeLabel)
	if d.callbackURL.Text != oauth.OOBRedirectURI {
		t.Errorf("callback URL %q for a code client", d.callbackURL.Text)
	}
	d.pkce.SetChecked(false)
	if !d.callbackProblem.Visible() || !strings.Contains(d.callbackProblem.Text, "needs PKCE") || !d.saveButton.Disabled() {
		t.Errorf("a code without PKCE: %q (shown %v), Save disabled %v", d.callbackProblem.Text, d.callbackProblem.Visible(), d.saveButton.Disabled())
	}
	d.pkce.SetChecked(true)
	if d.callbackProblem.Visible() || d.saveButton.Disabled() {
		t.Error("PKCE back on: the problem stays")
	}
	d.callback.SetSelected(callbackLoopbackLabel)
	if !strings.HasPrefix(d.callbackURL.Text, "http://127.0.0.1:38917/callback") {
		t.Errorf("callback URL %q back on loopback", d.callbackURL.Text)
	}
}

// A client of kind code signs in from the window: real Chromium at a
// stand-in that takes only https callbacks clicks Authorize, the code the
// page shows is pasted into the dialog — after a wrong one, refused in plain
// words while the sign-in waits on.
func TestSignInWithShownCode(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	type shown struct{ page, code string }
	codes := make(chan shown, 1)
	h := newHarness(t, func(u string) error {
		go func() {
			page, code, err := b.AuthorizeShownCode(u)
			if err != nil {
				t.Error(err)
			}
			codes <- shown{page, code}
		}()
		return nil
	})
	h.addCodeClient("Production app", "prod-"+testenv.RandomHex(t))
	test.Type(h.u.panel.name, "Kantata production")
	d := h.startSignIn()
	if d.heading.Text != "Waiting for the code Kantata shows…" || !strings.Contains(d.pasteNote.Text, "Paste the code Kantata shows") ||
		strings.Contains(d.steps.Text, "come back here") || d.timeLeft.Text != "Time left: 10:00" && !strings.HasPrefix(d.timeLeft.Text, "Time left: 9:5") {
		t.Errorf("the dialog for a code: heading %q, note %q, steps %q, %q", d.heading.Text, d.pasteNote.Text, d.steps.Text, d.timeLeft.Text)
	}
	got := <-codes
	h.pasteAndContinue(d, "Zz"+got.code[2:])
	h.refused(d, "Kantata did not accept that code")
	h.pasteAndContinue(d, got.code)
	h.wait()
	conn, _ := h.store.ConnectionByName("Kantata production")
	if conn.Status != store.StatusAuthorized || conn.Identity == nil || conn.Identity.FullName != "Jane Doe" {
		t.Fatalf("after pasting the code: %+v", conn)
	}
	if !strings.HasPrefix(h.u.panel.status.Text, "Authorized as Jane Doe") {
		t.Errorf("status %q", h.u.panel.status.Text)
	}
}

// The how-to says what to do when Kantata refuses the callback URL, and
// switches the selected client's kind in one click, with no secret to type.
func TestHowToSwitchesTheCallbackKind(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-id")
	p := h.u.panel
	p.client.SetSelected(c.Name)
	if !showsSubstring(p.help, "Redirect URI must be an HTTPS/SSL URI") || !showsSubstring(p.help, "register both lines") {
		t.Errorf("the how-to: %q", texts(p.help))
	}
	if got := p.bothCallbackLines(); got != c.RedirectURI()+"\n"+oauth.OOBRedirectURI {
		t.Errorf("both lines = %q", got)
	}
	if p.switchCallback.Text != switchToCode || p.switchCallback.Disabled() {
		t.Fatalf("switch %q (disabled %v)", p.switchCallback.Text, p.switchCallback.Disabled())
	}
	test.Tap(p.switchCallback)
	h.wait()
	saved, _ := h.store.Client(c.ID)
	if saved.Callback != store.CallbackCode || p.callbackURL.Text != oauth.OOBRedirectURI || p.switchCallback.Text != switchToLoopback {
		t.Errorf("after the switch: kind %q, step 6 shows %q, button %q", saved.Callback, p.callbackURL.Text, p.switchCallback.Text)
	}
	if !showsSubstring(topOverlay(h.u.win), oauth.OOBRedirectURI) {
		t.Errorf("the notice: %q", texts(topOverlay(h.u.win)))
	}
}

// "Use a token from Kantata instead": a personal token authorizes the
// connection after Kantata accepts it; a bad one stores nothing and says why
// under the masked field.
func TestUseATokenFromKantata(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
	test.Type(h.u.panel.name, "Kantata production")
	if h.u.panel.useToken.Disabled() {
		t.Fatal("Use a token is disabled on a valid form")
	}
	test.Tap(h.u.panel.useToken)
	h.wait()
	td := findTokenDialog(t, topOverlay(h.u.win))
	if !td.token.Password {
		t.Error("the token field is not masked")
	}
	td.token.SetText("wrong-token-0123456789abcdef")
	test.Tap(td.use)
	h.wait()
	if !td.problem.Visible() || !strings.Contains(td.problem.Text, "Kantata did not accept that token, so nothing was stored") {
		t.Errorf("a refused token: %q (shown %v)", td.problem.Text, td.problem.Visible())
	}
	conn, _ := h.store.ConnectionByName("Kantata production")
	if _, err := h.store.Token(conn.ID); !errors.Is(err, store.ErrNotFound) || conn.Status != store.StatusNeverAuthorized {
		t.Fatalf("a refused token was kept (err %v, status %s)", err, conn.Status)
	}
	td.token.SetText(h.kantata.PersonalToken(t, c.ClientID))
	test.Tap(td.use)
	h.wait()
	conn, _ = h.store.ConnectionByName("Kantata production")
	if conn.Status != store.StatusAuthorized || conn.AuthorizedWith != store.AuthorizedWithPersonalToken {
		t.Fatalf("after a good token: %+v", conn)
	}
	if !strings.Contains(h.u.panel.status.Text, "Authorized as Jane Doe <jane@example.com> (personal token)") {
		t.Errorf("status %q", h.u.panel.status.Text)
	}
	if td.token.Text != "" || topOverlay(h.u.win) != nil {
		t.Errorf("the dialog stays, or keeps the token in its field")
	}
}

// findTokenDialog finds the token dialog's parts on the overlay shown: the
// masked field, its button and the line for a refusal.
func findTokenDialog(t *testing.T, top fyne.CanvasObject) *tokenDialog {
	t.Helper()
	td := &tokenDialog{}
	for _, o := range test.LaidOutObjects(top) {
		switch w := o.(type) {
		case *escEntry:
			if w.Password {
				td.token = w
			}
		case *escButton:
			if w.Text == "Use this token" {
				td.use = w
			}
		case *widget.Label:
			if w.Importance == widget.DangerImportance {
				td.problem = w
			}
		}
	}
	if td.token == nil || td.use == nil || td.problem == nil {
		t.Fatalf("no token dialog on top: %q", texts(top))
	}
	return td
}
