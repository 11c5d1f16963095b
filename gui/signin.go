package gui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// signInWidth is the sign-in dialog's width.
const signInWidth = 640

// What the sign-in dialog's entry takes: the address the browser ended on,
// or the code Kantata shows (a client of callback kind code).
const (
	pasteAddressNote = "Browser on another computer, or it couldn't reach this app? Paste the address it ended on:"
	pasteCodeNote    = "Paste the code Kantata shows (codes last about 10 minutes):"
)

// signInDialog is shown from the click on Save & authorize until the user
// has authorized in the browser, or canceled. It is the dialog's content,
// so the dialog on top of the window says which it is.
type signInDialog struct {
	widget.BaseWidget
	content fyne.CanvasObject
	dialog  *dialog.CustomDialog
	heading *widget.Label
	url     *widget.Label
	note    *widget.Label
	copyURL *escButton
	reopen  *widget.Button
	cancel  *widget.Button

	// The address the browser ended on, pasted when it could not reach
	// this app — or, when Kantata shows a code, that code: an entry,
	// Continue, and why what was pasted was not used.
	steps      *widget.Label
	pasteNote  *widget.Label
	paste      *escEntry
	pasteOK    *widget.Button
	pasteError *widget.Label

	hint     *widget.Label
	hintBox  *fyne.Container
	timeLeft *widget.Label          // the countdown to the sign-in's timeout
	reach    *widget.Label          // this computer can't reach Kantata: a warning
	linkNote *widget.Label          // the app's own link was registered, or can't bring the answer
	reached  bool                   // the reachability check has answered
	auth     *connect.Authorization // nil until the browser has been asked to open
	canceled bool
	finished chan struct{} // closed when the sign-in has ended
}

// authorize runs a sign-in for a saved connection in the background. The
// dialog shows at once; the sign-in address fills in once the callback port is
// bound and the browser asked to open it.
func (u *UI) authorize(conn store.Connection) {
	u.panel.setBusy(true)
	d := u.showSignIn()
	var a *connect.Authorization
	u.background(func() (err error) {
		a, err = u.svc.StartAuthorize(context.Background(), conn.ID, connect.AuthorizeOptions{HintAfter: u.hintAfter})
		return err
	}, func(err error) {
		if err != nil {
			d.dialog.Hide()
			u.panel.setBusy(false)
			u.showError("Couldn't start signing in", withPortHint(err))
			return
		}
		d.attach(u, a)
		var result store.Connection
		u.background(func() (err error) {
			result, err = a.Wait(context.Background())
			close(d.finished)
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
			case connect.Canceled(err):
				u.showNotice("Sign-in canceled", canceledSignInText(u.store, conn))
			case err != nil:
				u.showError("Authorization did not complete", err)
			case result.Identity == nil:
				u.showNotice("Authorized", fmt.Sprintf("“%s” is authorized. %s", result.Name, result.LastError))
			}
		})
	})
}

func (u *UI) showSignIn() *signInDialog {
	d := &signInDialog{finished: make(chan struct{})}
	d.ExtendBaseWidget(d)
	d.heading = wrappedLabel("Opening your browser…")
	d.heading.TextStyle = fyne.TextStyle{Bold: true}
	d.url = widget.NewLabel("")
	d.url.Wrapping = fyne.TextWrapBreak
	d.url.Selectable = true
	d.url.SizeName = theme.SizeNameCaptionText
	d.note = wrappedLabel("If no browser window opened, copy this address into your browser:")
	d.copyURL = u.copyButton("Copy address", func() string { return d.url.Text }, func() { d.stop(u) })
	d.reopen = widget.NewButtonWithIcon("Open browser again", theme.ComputerIcon(), func() {
		u.background(d.auth.Reopen, func(err error) {
			if err != nil {
				d.browserFailed(err)
			}
		})
	})
	d.copyURL.Disable()
	d.reopen.Disable()
	activity := widget.NewActivity()
	activity.Start()
	d.steps = wrappedLabel(connect.SignInSteps(false))
	d.timeLeft = widget.NewLabel("")
	d.timeLeft.SizeName = theme.SizeNameCaptionText
	d.reach = wrappedLabel("")
	d.reach.Importance = widget.WarningImportance
	d.reach.Hide()
	d.linkNote = wrappedLabel("")
	d.linkNote.Hide()
	d.hint = wrappedLabel("")
	d.hint.Importance = widget.WarningImportance
	copyCallback := u.copyButton("Copy callback URL", func() string { return d.auth.RedirectURI() }, func() { d.stop(u) })
	d.hintBox = container.NewVBox(widget.NewSeparator(), d.hint, container.NewHBox(copyCallback))
	d.hintBox.Hide()
	d.paste = newEscEntry(func() { d.stop(u) })
	d.paste.SetPlaceHolder(oauth.CallbackPath + "?code=…")
	d.paste.OnChanged = func(text string) {
		d.pasteError.Hide()
		d.enablePaste(text)
	}
	d.paste.OnSubmitted = func(string) { d.submitPaste(u) }
	d.paste.Disable()
	d.pasteOK = widget.NewButton("Continue", func() { d.submitPaste(u) })
	d.pasteOK.Disable()
	d.pasteError = wrappedLabel("")
	d.pasteError.Importance = widget.DangerImportance
	d.pasteError.Hide()
	d.pasteNote = wrappedLabel(pasteAddressNote)
	content := container.NewVBox(
		container.NewBorder(nil, nil, activity, d.timeLeft, d.heading),
		d.steps, d.linkNote, d.reach, widget.NewSeparator(), d.note, d.url,
		container.NewHBox(d.copyURL, d.reopen),
		widget.NewSeparator(), d.pasteNote,
		container.NewBorder(nil, nil, nil, d.pasteOK, d.paste), d.pasteError,
		d.hintBox)
	d.cancel = widget.NewButtonWithIcon("Cancel sign-in", theme.CancelIcon(), func() { d.stop(u) })
	// Wider than a message: the dialog holds a long address, the entry for
	// another, and later a refusal and the callback hint.
	d.content = fitWindow(u.win, signInWidth, content)
	d.dialog = dialog.NewCustomWithoutButtons("Signing in to Kantata", d, u.win)
	d.dialog.SetButtons([]fyne.CanvasObject{layout.NewSpacer(), d.cancel})
	pop := u.pushDialogKeys(func() { d.stop(u) }, nil)
	d.dialog.SetOnClosed(func() {
		pop()
		activity.Stop()
	})
	u.signIn = d
	d.dialog.Show()
	return d
}

// CreateRenderer draws the dialog's content.
func (d *signInDialog) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(d.content)
}

// attach shows the sign-in address once the sign-in has started.
func (d *signInDialog) attach(u *UI, a *connect.Authorization) {
	d.auth = a
	if d.canceled {
		a.Cancel() // canceled while starting: free the port, report nothing
		return
	}
	d.heading.SetText("Waiting for you to authorize in your browser…")
	d.paste.SetPlaceHolder(a.RedirectURI() + "?code=…")
	if a.ShowsCode() {
		// No way back to this app: the code comes pasted, or not at all.
		d.heading.SetText("Waiting for the code Kantata shows…")
		d.steps.SetText(connect.SignInSteps(true))
		d.pasteNote.SetText(pasteCodeNote)
		d.paste.SetPlaceHolder("the code after “Authorization code:”")
		defer u.win.Canvas().Focus(d.paste)
	}
	if a.WaitsForAppLink() {
		d.heading.SetText("Waiting for Kantata's answer…")
		d.steps.SetText(connect.AppLinkSteps)
		d.showLinkNote(a)
	}
	d.url.SetText(a.URL())
	d.copyURL.Enable()
	d.reopen.Enable()
	d.paste.Enable()
	d.enablePaste(d.paste.Text)
	d.dialog.Resize(d.dialog.MinSize()) // the content scrolls: its growth does not reach the dialog
	if err := a.OpenError(); err != nil {
		d.browserFailed(err)
	}
	d.countDown(u, a.Deadline())
	// Can this computer reach Kantata at all? If not, say so at once: the
	// wait would otherwise run its whole course. Only a warning: the
	// browser may use a proxy this app doesn't.
	var unreachable error
	u.background(func() error {
		select {
		case unreachable = <-a.Reachability():
		case <-d.finished:
		}
		return nil
	}, func(error) {
		d.reached = true
		if unreachable != nil {
			msg, _ := connect.Explain(unreachable)
			d.reach.SetText(msg)
			d.reach.Show()
			d.dialog.Resize(d.dialog.MinSize())
		}
	})
	// The commonest setup mistake, a callback URL in Kantata that differs
	// from ours, leaves Kantata on its own error page: say so after a while.
	hinted := false
	u.background(func() error {
		select {
		case <-a.HintDue():
			hinted = true
		case <-d.finished:
		}
		return nil
	}, func(error) {
		if hinted {
			hint := connect.CallbackHint(a.RedirectURI())
			if !a.ShowsCode() && !a.WaitsForAppLink() {
				hint += " If your browser instead showed that it couldn't reach 127.0.0.1, paste the address it ended on above."
			}
			d.hint.SetText(hint)
			d.hintBox.Show()
			d.dialog.Resize(d.dialog.MinSize())
		}
	})
}

// waiting reports whether the sign-in still waits for the browser (or is
// starting): closing the window now would cut it off.
func (d *signInDialog) waiting() bool {
	select {
	case <-d.finished:
		return false
	default:
		return !d.canceled
	}
}

// requestClose closes the window, but asks first while a sign-in waits:
// someone may be halfway through signing in in the browser.
func (u *UI) requestClose() {
	u.savePlace()
	d := u.signIn
	if d == nil || !d.waiting() {
		u.win.Close()
		return
	}
	// Escape and Return answer Keep waiting, and reach only this question.
	c := u.confirm("Quit while signing in?",
		"A sign-in is still waiting for Kantata to send your browser back. Quitting cancels it; the connection stays as it was.",
		"Keep waiting", "Quit", func() {
			d.stop(u)
			u.win.Close()
		}, nil)
	c.yes.SetIcon(theme.LogoutIcon())
}

// countDown shows the time left until deadline, each second, until the
// sign-in ends.
func (d *signInDialog) countDown(u *UI, deadline time.Time) {
	show := func() { d.timeLeft.SetText(timeLeftText(time.Until(deadline))) }
	show()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				u.do(show)
			case <-d.finished:
				return
			}
		}
	}()
}

// timeLeftText is a countdown as people read it: "Time left: 4:59".
func timeLeftText(left time.Duration) string {
	left = max(left.Round(time.Second), 0)
	return fmt.Sprintf("Time left: %d:%02d", int(left/time.Minute), int(left%time.Minute/time.Second))
}

// enablePaste offers Continue when there is an address to try and the
// sign-in waits for one.
func (d *signInDialog) enablePaste(text string) {
	if d.auth != nil && !d.canceled && !d.paste.Disabled() && strings.TrimSpace(text) != "" {
		d.pasteOK.Enable()
	} else {
		d.pasteOK.Disable()
	}
}

// submitPaste hands the pasted address to the sign-in. Taken, it finishes
// the sign-in as the browser's return would, and the dialog closes with the
// outcome; refused, the reason shows under the entry and the sign-in goes
// on waiting.
func (d *signInDialog) submitPaste(u *UI) {
	text := d.paste.Text
	if d.auth == nil || d.canceled || d.paste.Disabled() || strings.TrimSpace(text) == "" {
		return
	}
	a := d.auth
	d.paste.Disable()
	d.pasteOK.Disable()
	u.background(func() error { return a.Complete(text) }, func(err error) {
		if err == nil {
			d.heading.SetText("Finishing the sign-in…")
			return
		}
		msg, _ := connect.Explain(err)
		d.pasteError.SetText(msg)
		d.pasteError.Show()
		if !d.canceled {
			d.paste.Enable()
			d.enablePaste(d.paste.Text)
		}
		d.dialog.Resize(d.dialog.MinSize())
	})
}

// stop cancels the sign-in, or marks it to be canceled once it has started.
func (d *signInDialog) stop(u *UI) {
	d.canceled = true
	if d.auth != nil {
		d.auth.Cancel()
	}
	d.cancel.Disable()
	d.paste.Disable()
	d.pasteOK.Disable()
	d.heading.SetText("Canceling…")
}

// browserFailed says the browser did not open; the address still works.
func (d *signInDialog) browserFailed(err error) {
	d.note.SetText("Your browser could not be opened (" + err.Error() + "). Copy this address into your browser:")
}

// withPortHint adds where in this window the callback port is changed.
func withPortHint(err error) error {
	if !connect.PortInUse(err) {
		return err
	}
	return &hintedError{err: err, hint: "To change the port: click the pencil beside the OAuth 2.0 client, choose View: HTTP, and edit Callback port."}
}

// hintedError adds a sentence for this window to an error's plain words.
type hintedError struct {
	err  error
	hint string
}

func (e *hintedError) Error() string { return e.err.Error() }
func (e *hintedError) Unwrap() error { return e.err }
func (e *hintedError) UserMessage() string {
	msg, _ := connect.Explain(e.err)
	return msg + "\n\n" + e.hint
}
func (e *hintedError) TechnicalDetail() string {
	_, detail := connect.Explain(e.err)
	return detail
}

// showLinkNote says that the app's own link was registered just now, or
// why it can't bring this sign-in's answer (the paste line still can).
func (d *signInDialog) showLinkNote(a *connect.Authorization) {
	reg, problem := a.LinkRegistration(), a.AppLinkProblem()
	switch {
	case problem != nil:
		msg, _ := connect.Explain(problem)
		d.linkNote.SetText(msg)
		d.linkNote.Importance = widget.WarningImportance
	case reg.Err != nil:
		d.linkNote.SetText(connect.LinkNotRegistered(reg.Err))
		d.linkNote.Importance = widget.WarningImportance
	case reg.Registered:
		d.linkNote.SetText(connect.LinkRegisteredNote)
	default:
		return
	}
	d.linkNote.Show()
}
