package gui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/setupfile"
)

// importDecider asks the import's questions with dialogs. Import calls it on
// its own goroutine, which waits here for the user's answer.
type importDecider struct {
	u *UI
	// forAllClients, once the user ticks "the same for the other clients",
	// answers the later client name clashes without asking.
	forAllClients *importAnswer
}

type importAnswer struct {
	text        string
	skip        bool
	useExisting bool
	forAll      bool // "the same for the other clients whose names are in use"
	err         error
}

func (d *importDecider) Secret(req setupfile.SecretRequest) (string, bool, error) {
	a := d.ask(func(reply func(importAnswer)) *importQuestion {
		secret := newSecretEntry(nil)
		intro := fmt.Sprintf("Enter the client secret of “%s” (client ID %s). Secrets never travel in setup files; "+
			"it is kept in this computer's keychain. Don't have it at hand? Leave it empty: Save & authorize asks for it first.",
			req.Client.Name, req.Client.ClientID)
		return d.form("Client secret", intro, req.Problem, secret, "Continue", skipLabel("client"), reply, nil, nil)
	})
	return a.text, a.skip, a.err
}

func (d *importDecider) Clash(c setupfile.NameClash) (setupfile.ClashAnswer, error) {
	if all := d.forAllClients; all != nil && c.Kind == "client" {
		switch {
		case all.useExisting && c.SameSettings:
			return setupfile.ClashAnswer{UseExisting: true}, nil
		case all.skip || all.useExisting:
			return setupfile.ClashAnswer{Skip: true}, nil
		default:
			return setupfile.ClashAnswer{Name: c.Suggestion}, nil
		}
	}
	a := d.ask(func(reply func(importAnswer)) *importQuestion {
		name := newEscEntry(nil)
		name.SetText(c.Suggestion)
		intro := c.Problem + " Type another name for the imported " + c.Kind + ", or skip it."
		var extra []fyne.CanvasObject
		var forAll *widget.Check
		if c.Kind == "client" {
			forAll = widget.NewCheck("Do the same for the other clients whose names are in use", nil)
			extra = append(extra, forAll)
		}
		with := func(a importAnswer) importAnswer {
			a.forAll = forAll != nil && forAll.Checked
			return a
		}
		var useExisting *widget.Button
		if c.SameSettings {
			intro = c.Problem + " It has the same settings: use it for the file's connections (no secret to enter), " +
				"or import this one under another name."
			useExisting = widget.NewButtonWithIcon("Use the existing client", theme.ConfirmIcon(), func() { reply(with(importAnswer{useExisting: true})) })
		}
		return d.form("New name", intro, "", name, "Use this name", skipLabel(c.Kind), func(a importAnswer) { reply(with(a)) }, extra, useExisting)
	})
	if a.forAll && c.Kind == "client" {
		d.forAllClients = &a
	}
	return setupfile.ClashAnswer{Name: a.text, Skip: a.skip, UseExisting: a.useExisting}, a.err
}

// Endpoints names the hosts a client from the file would send its secrets
// to and asks for an explicit yes; skipping it is the default (Return).
func (d *importDecider) Endpoints(req setupfile.EndpointsRequest) (bool, error) {
	a := d.ask(func(reply func(importAnswer)) *importQuestion {
		warning := wrappedLabel(fmt.Sprintf("The client “%s” in this file %s.", req.Client.Name, req.Departures))
		warning.Importance = widget.WarningImportance
		explain := wrappedLabel(req.Departures.Risk() + " " +
			"Use these settings only if you trust whoever gave you this file; otherwise skip the client and its connections.")
		skip := widget.NewButtonWithIcon("Skip this client", theme.CancelIcon(), func() { reply(importAnswer{skip: true}) })
		skip.Importance = widget.HighImportance
		accept := widget.NewButtonWithIcon("Use these settings", theme.WarningIcon(), func() { reply(importAnswer{}) })
		accept.Importance = widget.DangerImportance
		// No field to take it: Return skips.
		q := &importQuestion{ok: skip, skip: skip, accept: accept, onReturn: skip.OnTapped}
		return q.shows(sized(container.NewVBox(marked(warningMark(), warning), explain, container.NewHBox(layout.NewSpacer(),
			widget.NewButtonWithIcon("Cancel import", theme.CancelIcon(), func() { reply(importAnswer{err: setupfile.ErrImportCanceled}) }),
			skip, accept))))
	})
	return !a.skip, a.err
}

// ask shows a question dialog on the UI thread and waits for its answer.
func (d *importDecider) ask(build func(reply func(importAnswer)) *importQuestion) importAnswer {
	answers := make(chan importAnswer, 1)
	d.u.do(func() {
		var dlg *dialog.CustomDialog
		reply := func(a importAnswer) {
			select {
			case answers <- a:
				dlg.Hide()
			default: // answered already
			}
		}
		q := build(reply)
		dlg = dialog.NewCustomWithoutButtons("Import setup", q, d.u.win)
		dlg.SetOnClosed(d.u.pushDialogKeys(func() { reply(importAnswer{err: setupfile.ErrImportCanceled}) }, q.onReturn))
		dlg.Show()
		if q.field != nil {
			d.u.win.Canvas().Focus(q.field)
		}
	})
	return <-answers
}

// importQuestion is one question of the import, and the dialog's content:
// its field takes the focus; a question with none says what Return does.
type importQuestion struct {
	widget.BaseWidget
	content                       fyne.CanvasObject
	field                         *escEntry // nil when the question has none
	ok, skip, accept, useExisting *widget.Button
	onReturn                      func() // with no field to take it
}

// shows makes q the question that shows content.
func (q *importQuestion) shows(content fyne.CanvasObject) *importQuestion {
	q.content = content
	q.ExtendBaseWidget(q)
	return q
}

// CreateRenderer draws the question.
func (q *importQuestion) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(q.content)
}

// skipLabel says what Skip leaves out: a client takes its connections along.
func skipLabel(kind string) string {
	if kind == "client" {
		return "Skip this client and its connections"
	}
	return "Skip this " + kind
}

// form is a question with one field and the buttons every import question
// has: cancel the import, skip this item (the button says what it skips),
// or go on with the answer. extra goes under the field; preferred, when
// set, is the answer offered first (the default for Return), before the
// field's.
func (d *importDecider) form(label, intro, problem string, field *escEntry, ok, skip string, reply func(importAnswer),
	extra []fyne.CanvasObject, preferred *widget.Button) *importQuestion {
	cancel := func() { reply(importAnswer{err: setupfile.ErrImportCanceled}) }
	submit := func() { reply(importAnswer{text: field.Text}) }
	field.onEscape = cancel
	field.OnSubmitted = func(string) { submit() }
	items := []fyne.CanvasObject{wrappedLabel(intro)}
	if problem != "" {
		p := wrappedLabel(problem)
		p.Importance = widget.DangerImportance
		items = append(items, marked(errorMark(), p))
	}
	okButton := widget.NewButtonWithIcon(ok, theme.ConfirmIcon(), submit)
	okButton.Importance = widget.HighImportance
	buttons := []fyne.CanvasObject{layout.NewSpacer(),
		widget.NewButtonWithIcon("Cancel import", theme.CancelIcon(), cancel),
		widget.NewButton(skip, func() { reply(importAnswer{skip: true}) }),
		okButton}
	if preferred != nil {
		// The field's answer is the alternative now; Return takes the preferred one.
		okButton.Importance = widget.MediumImportance
		preferred.Importance = widget.HighImportance
		buttons = append(buttons, preferred)
		field.OnSubmitted = func(string) { preferred.OnTapped() }
	}
	items = append(items, widget.NewForm(widget.NewFormItem(label, field)))
	items = append(items, extra...)
	items = append(items, container.NewHBox(buttons...))
	q := &importQuestion{field: field, ok: okButton, useExisting: preferred}
	return q.shows(sized(container.NewVBox(items...)))
}
