package gui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/store"
)

// tokenDialog takes the token Kantata's application page shows its
// administrator ("Show your OAuth Token") in place of a sign-in. The token
// is typed into a masked field and never shown again; Kantata is asked who
// it belongs to before it is kept.
type tokenDialog struct {
	dialog  *dialog.CustomDialog
	token   *escEntry
	use     *escButton
	problem *widget.Label
	busy    bool
}

// tokenHelp says where the token is, and what it does.
const tokenHelp = "On your application's page in Kantata (" + kantata.AppsPage + "), click " +
	"Show your OAuth Token and paste the token here. It authorizes this connection as you, the application's " +
	"administrator, with no sign-in in the browser. It goes only to this client's Kantata API address, and is kept " +
	"in the system keychain."

// showTokenDialog asks for the token for the saved connection conn.
func (u *UI) showTokenDialog(conn store.Connection) *tokenDialog {
	d := &tokenDialog{}
	cancel := func() {
		if !d.busy {
			d.dialog.Hide()
		}
	}
	d.token = newSecretEntry(cancel)
	d.token.SetPlaceHolder("The token Kantata shows")
	d.token.OnChanged = func(string) {
		d.problem.Hide()
		d.enable()
	}
	d.token.OnSubmitted = func(string) { d.submit(u, conn) }
	d.problem = wrappedLabel("")
	d.problem.Importance = widget.DangerImportance
	d.problem.Hide()
	d.use = newEscButton("Use this token", theme.ConfirmIcon(), func() { d.submit(u, conn) }, cancel)
	d.use.Importance = widget.HighImportance
	content := container.NewVBox(wrappedLabel(tokenHelp),
		&widget.Form{Items: []*widget.FormItem{{Text: "Token *", Widget: d.token}}}, d.problem)
	d.dialog = dialog.NewCustomWithoutButtons(fmt.Sprintf("Use a token from Kantata for “%s”", conn.Name), sized(content), u.win)
	d.dialog.SetButtons([]fyne.CanvasObject{layout.NewSpacer(), newEscButton("Cancel", theme.CancelIcon(), cancel, cancel), d.use})
	d.dialog.SetOnClosed(u.pushDialogKeys(cancel, func() { d.submit(u, conn) }))
	d.enable()
	d.dialog.Show()
	u.win.Canvas().Focus(d.token)
	return d
}

func (d *tokenDialog) enable() {
	if d.token.Text != "" && !d.busy {
		d.use.Enable()
	} else {
		d.use.Disable()
	}
}

// submit checks the token with Kantata in the background and keeps it;
// refused, the reason shows under the field and nothing was stored.
func (d *tokenDialog) submit(u *UI, conn store.Connection) {
	if d.busy || d.token.Text == "" {
		return
	}
	token := d.token.Text
	d.busy = true
	d.use.SetText("Checking with Kantata…")
	d.enable()
	d.token.Disable()
	var done store.Connection
	u.panel.setBusy(true)
	u.background(func() (err error) {
		done, err = u.svc.AuthorizeWithToken(context.Background(), conn.ID, token)
		return err
	}, func(err error) {
		d.busy = false
		d.use.SetText("Use this token")
		d.token.Enable()
		u.panel.setBusy(false)
		if err != nil {
			msg, _ := connect.Explain(err)
			d.problem.SetText(msg)
			d.problem.Show()
			d.enable()
			u.win.Canvas().Focus(d.token)
			return
		}
		d.token.SetText("") // the field held it; it is in the keychain now
		d.dialog.Hide()
		u.refresh()
		if u.panel.editingID == done.ID {
			u.panel.showStatus(&done)
		}
	})
}
