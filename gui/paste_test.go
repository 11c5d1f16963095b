package gui

import (
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/store"
)

const pasteNote = "Browser on another computer, or it couldn't reach this app? Paste the address it ended on:"

// startSignIn saves the form's connection and starts its sign-in, and
// returns the dialog once the sign-in waits.
func (h *harness) startSignIn() *signInDialog {
	h.t.Helper()
	test.Tap(h.u.panel.saveAuthorize)
	h.runUntil(func() bool {
		return shownDialog[*signInDialog](h.u.win) != nil && shownDialog[*signInDialog](h.u.win).auth != nil && !shownDialog[*signInDialog](h.u.win).paste.Disabled()
	})
	d := shownDialog[*signInDialog](h.u.win)
	if d == nil || d.auth == nil {
		h.t.Fatal("the sign-in never started")
	}
	return d
}

// pasteAndContinue pastes text into the dialog's entry and clicks Continue,
// then plays the UI thread until the dialog has answered.
func (h *harness) pasteAndContinue(d *signInDialog, text string) {
	h.t.Helper()
	d.paste.SetText(text)
	if d.pasteOK.Disabled() {
		h.t.Fatal("Continue is disabled with an address in the entry")
	}
	test.Tap(d.pasteOK)
	h.runUntil(func() bool { return d.pasteError.Visible() || d.heading.Text == "Finishing the sign-in…" })
}

// refused fails unless the dialog shows a refusal saying want, with the
// entry ready for another try and the sign-in still waiting.
func (h *harness) refused(d *signInDialog, want string) {
	h.t.Helper()
	if !d.pasteError.Visible() || !strings.Contains(d.pasteError.Text, want) {
		h.t.Fatalf("after pasting: %q (shown %v); want a refusal saying %q", d.pasteError.Text, d.pasteError.Visible(), want)
	}
	if d.paste.Disabled() || d.pasteOK.Disabled() || topOverlay(h.u.win) == nil {
		h.t.Fatal("after a refused address the dialog does not wait for another")
	}
}

// The paste entry is there from the start, Continue only with text in it;
// what is not the address gets the reason under the entry and the sign-in
// goes on; the callback hint points at the entry. No browser is needed.
func TestPasteOfferedAndRefusalsShown(t *testing.T) {
	h := newHarness(t, func(string) error { return nil }) // the browser never comes back
	h.u.hintAfter = 50 * time.Millisecond
	h.addClient("Production app", "prod-id")
	test.Type(h.u.panel.name, "Kantata production")
	d := h.startSignIn()
	top := topOverlay(h.u.win)
	if !containsText(top, pasteNote) || d.hintBox.Visible() {
		t.Fatalf("the sign-in dialog does not offer pasting from the start: %q", texts(top))
	}
	callback := "http://127.0.0.1:" + strconv.Itoa(h.port) + "/callback"
	if d.paste.PlaceHolder != callback+"?code=…" {
		t.Errorf("placeholder %q; want what the address looks like", d.paste.PlaceHolder)
	}
	if !d.pasteOK.Disabled() {
		t.Error("Continue is enabled with nothing pasted")
	}

	test.Type(d.paste, "I clicked Authorize")
	d.paste.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Return continues too
	h.runUntil(func() bool { return d.pasteError.Visible() })
	h.refused(d, "That is not the address the browser ended on.")
	test.Type(d.paste, "x")
	if d.pasteError.Visible() {
		t.Error("the refusal stays while the address is edited")
	}

	h.pasteAndContinue(d, "http://127.0.0.1:1/callback?code=some-code-123456&state=x")
	h.refused(d, "That address is for 127.0.0.1:1, but this sign-in waits on "+callback)

	h.runUntil(func() bool { return d.hintBox.Visible() })
	if !strings.Contains(d.hint.Text, "paste the address it ended on above") {
		t.Errorf("hint %q does not point at the entry", d.hint.Text)
	}
	if conn, _ := h.store.ConnectionByName("Kantata production"); conn.Status != store.StatusNeverAuthorized || conn.LastError != "" {
		t.Errorf("refused addresses were recorded: %+v", conn)
	}
	test.Tap(d.cancel)
	h.wait()
	if !d.paste.Disabled() || !d.pasteOK.Disabled() {
		t.Error("pasting is still offered after cancel")
	}
}

// The browser, real Chromium at the stand-in Kantata, can't reach this app:
// the address it ended on, pasted into the dialog, finishes the sign-in.
func TestSignInWithPastedAddress(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)

	t.Run("stale and forged, then the right address", func(t *testing.T) {
		h := newHarness(t, b.Opener((*browsertest.Browser).AuthorizeBlocked))
		h.addClient("Production app", "prod-"+testenv.RandomHex(t))
		test.Type(h.u.panel.name, "Kantata production")

		// An earlier sign-in, canceled: its address is stale.
		d := h.startSignIn()
		stale := lastAddress(t, b)
		test.Tap(d.cancel)
		h.wait()
		tapButton(t, topOverlay(h.u.win), "OK") // "Sign-in canceled; … still not authorized."

		d = h.startSignIn()
		addr := lastAddress(t, b)
		u, _ := url.Parse(addr)
		code := u.Query().Get("code")
		h.pasteAndContinue(d, stale)
		h.refused(d, "That address belongs to another sign-in")
		forged := u.Query()
		forged.Set("state", "forged-state")
		h.pasteAndContinue(d, strings.Split(addr, "?")[0]+"?"+forged.Encode())
		h.refused(d, "nothing was sent to Kantata")
		h.pasteAndContinue(d, strings.Replace(addr, u.Host, "127.0.0.1:1", 1))
		h.refused(d, "this sign-in waits on http://"+u.Host+"/callback")
		if n := h.kantata.TokenRequests(); n != 0 {
			t.Fatalf("%d token requests for refused addresses; want none", n)
		}
		if strings.Contains(d.pasteError.Text, code) {
			t.Error("a refusal shows the code")
		}

		h.pasteAndContinue(d, addr)
		h.wait()
		conn, _ := h.store.ConnectionByName("Kantata production")
		if conn.Status != store.StatusAuthorized || h.u.panel.status.Text != "Authorized as Jane Doe <jane@example.com> · sees 42 projects" {
			t.Fatalf("after the pasted address: status %q, panel %q", conn.Status, h.u.panel.status.Text)
		}
		if topOverlay(h.u.win) != nil {
			t.Errorf("a dialog is left open: %q", texts(topOverlay(h.u.win)))
		}
		if n := h.kantata.TokenRequests(); n != 1 {
			t.Errorf("%d token requests; want 1", n)
		}
		records, err := os.ReadFile(h.store.Path())
		if err != nil || strings.Contains(string(records), code) {
			t.Errorf("the records file holds the pasted code (%v)", err)
		}
	})

	t.Run("denied", func(t *testing.T) {
		h := newHarness(t, b.Opener((*browsertest.Browser).DenyBlocked))
		h.addClient("Production app", "prod-"+testenv.RandomHex(t))
		test.Type(h.u.panel.name, "Kantata production")
		d := h.startSignIn()
		h.pasteAndContinue(d, lastAddress(t, b))
		h.wait()
		top := topOverlay(h.u.win)
		if !containsText(top, "Authorization did not complete") ||
			!containsText(top, "You chose not to authorize Kantata Connect in Kantata. Click Save & authorize to try again.") {
			t.Fatalf("after a pasted denial: %q; want it explained as today", texts(top))
		}
		if n := h.kantata.TokenRequests(); n != 0 {
			t.Errorf("%d token requests after a denial", n)
		}
	})
}

// lastAddress is the address the blocked browser ended on.
func lastAddress(t *testing.T, b *browsertest.Browser) string {
	t.Helper()
	addr, err := b.LastResult()
	if err != nil || !strings.HasPrefix(addr, "http://127.0.0.1:") {
		t.Fatalf("the browser ended on %q (%v)", addr, err)
	}
	return addr
}
