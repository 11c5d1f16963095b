package gui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// signInDialog is shown while the user authorizes in the browser.
type signInDialog struct {
	dialog  *dialog.CustomDialog
	url     *widget.Label
	note    *widget.Label
	copyURL *widget.Button
	reopen  *widget.Button
	cancel  *widget.Button
}

// authorize runs a sign-in for a saved connection in the background, with a
// dialog that shows the sign-in address and can cancel it.
func (u *UI) authorize(conn store.Connection) {
	u.panel.setBusy(true)
	var a *connect.Authorization
	u.background(func() (err error) {
		a, err = u.svc.StartAuthorize(context.Background(), conn.ID, connect.AuthorizeOptions{})
		return err
	}, func(err error) {
		if err != nil {
			u.panel.setBusy(false)
			u.showError("Couldn't start signing in", err)
			return
		}
		d := u.showSignIn(a)
		var result store.Connection
		u.background(func() (err error) {
			result, err = a.Wait(context.Background())
			return err
		}, func(err error) {
			d.dialog.Hide()
			u.panel.setBusy(false)
			u.refresh()
			if u.panel.editingID == conn.ID {
				if saved, ok := u.store.Connection(conn.ID); ok {
					u.panel.showStatus(&saved)
				}
			}
			switch {
			case oauth.KindOf(err) == oauth.KindCanceled:
				// The user chose to stop: nothing to report.
			case err != nil:
				u.showError("Authorization did not complete", err)
			case result.Identity == nil:
				u.showNotice("Authorized", fmt.Sprintf("“%s” is authorized. %s", result.Name, result.LastError))
			}
		})
	})
}

func (u *UI) showSignIn(a *connect.Authorization) *signInDialog {
	d := &signInDialog{}
	d.url = widget.NewLabel(a.URL())
	d.url.Wrapping = fyne.TextWrapBreak
	d.url.Selectable = true
	d.url.SizeName = theme.SizeNameCaptionText
	d.note = wrappedLabel("If no browser window opened, copy this address into your browser:")
	if err := a.OpenError(); err != nil {
		d.browserFailed(err)
	}
	d.copyURL = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() { u.copy(a.URL()) })
	d.reopen = widget.NewButtonWithIcon("Open browser again", theme.ComputerIcon(), func() {
		u.background(a.Reopen, func(err error) {
			if err != nil {
				d.browserFailed(err)
			}
		})
	})
	heading := wrappedLabel("Waiting for you to authorize in your browser…")
	heading.TextStyle = fyne.TextStyle{Bold: true}
	steps := wrappedLabel("Sign in to Kantata, read the app information and click Authorize. Then come back here.")
	content := container.NewVBox(heading, widget.NewProgressBarInfinite(), steps, d.note, d.url,
		container.NewHBox(d.copyURL, d.reopen))
	d.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), a.Cancel)
	d.dialog = dialog.NewCustomWithoutButtons("Signing in to Kantata", sized(content), u.win)
	d.dialog.SetButtons([]fyne.CanvasObject{d.cancel})
	pop := u.pushDialogKeys(a.Cancel, nil)
	d.dialog.SetOnClosed(pop)
	u.signIn = d
	d.dialog.Show()
	return d
}

// browserFailed says the browser did not open; the address still works.
func (d *signInDialog) browserFailed(err error) {
	d.note.SetText("Your browser could not be opened (" + err.Error() + "). Copy this address into your browser:")
}
