package gui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"

	"github.com/kantata-connect/kantata-connect/store"
)

// Escape on a dialog stacked on another closes the top one only: on a
// question it means "don't", and must not reach the dialog underneath,
// whatever has the focus (pressKey hands the key to the focused widget of
// the top dialog, or to the window when none has it).
func TestEscapeClosesOnlyTheDialogOnTop(t *testing.T) {
	t.Run("Quit while signing in? over the sign-in", func(t *testing.T) {
		for _, focus := range []string{"Keep waiting (focused at start)", "nothing focused"} {
			t.Run(focus, func(t *testing.T) {
				h := newHarness(t, func(string) error { return nil })
				h.addClient("Production app", "prod-id")
				test.Type(h.u.panel.name, "Kantata production")
				test.Tap(h.u.panel.saveAuthorize)
				h.runUntil(func() bool {
					return shownDialog[*signInDialog](h.u.win) != nil && shownDialog[*signInDialog](h.u.win).auth != nil
				})
				d := shownDialog[*signInDialog](h.u.win)
				h.u.win.Canvas().Focus(d.paste) // a field of the sign-in dialog had the focus
				h.u.requestClose()
				if focus == "nothing focused" {
					h.u.win.Canvas().Unfocus()
				}
				pressKey(h.u.win, fyne.KeyEscape)
				if top := topOverlay(h.u.win); !containsText(top, "Cancel sign-in") {
					t.Fatalf("after Escape the top dialog shows %q; want the sign-in dialog", texts(top))
				}
				if !d.waiting() || d.canceled {
					t.Fatal("Escape on the question canceled the sign-in")
				}
				// The sign-in dialog has its keys back: Escape now cancels it.
				pressKey(h.u.win, fyne.KeyEscape)
				h.wait()
				if d.waiting() {
					t.Error("Escape on the sign-in dialog, once alone, did not cancel it")
				}
			})
		}
	})

	t.Run("an error over the client dialog", func(t *testing.T) {
		h := newHarness(t, nil)
		test.Tap(h.u.panel.addClient)
		d := shownDialog[*clientDialog](h.u.win)
		test.Type(d.name, "Production app")
		test.Type(d.clientID, "prod-id")
		test.Type(d.secret, testSecret)
		// Another window saves a client of the same name meanwhile: Save
		// fails, and says so over the dialog.
		other := store.DefaultClientSettings()
		other.Name, other.ClientID = "Production app", "other-id"
		if _, err := h.otherInstance().SaveClient("", other, "other-secret"); err != nil {
			t.Fatal(err)
		}
		d.secret.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		h.wait()
		if top := topOverlay(h.u.win); !containsText(top, "Couldn't save the OAuth 2.0 client") {
			t.Fatalf("top dialog shows %q; want the save error", texts(top))
		}
		pressKey(h.u.win, fyne.KeyEscape)
		if top := topOverlay(h.u.win); !containsText(top, "Add OAuth 2.0 client") {
			t.Fatalf("after Escape the top dialog shows %q; want the client dialog with what was typed", texts(top))
		}
		if d.secret.Text != testSecret {
			t.Error("the client dialog lost the typed secret")
		}
	})

	t.Run("a dialog with no keys of its own over the client dialog", func(t *testing.T) {
		h := newHarness(t, nil)
		test.Tap(h.u.panel.addClient)
		test.Type(shownDialog[*clientDialog](h.u.win).name, "Typed, not saved")
		dialog.ShowInformation("Something else", "A dialog of Fyne's own.", h.u.win)
		h.u.win.Canvas().Unfocus()
		pressKey(h.u.win, fyne.KeyEscape)
		if top := topOverlay(h.u.win); !containsText(top, "A dialog of Fyne's own.") {
			t.Fatalf("Escape went past the dialog on top: it shows %q", texts(top))
		}
		overlays := h.u.win.Canvas().Overlays().List()
		if len(overlays) != 2 || !containsText(overlays[0], "Add OAuth 2.0 client") {
			t.Errorf("the client dialog underneath was closed")
		}
	})
}
