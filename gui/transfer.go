package gui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/kantata-connect/kantata-connect/filechooser"
	"github.com/kantata-connect/kantata-connect/setupfile"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// exportFileName is what the save dialog suggests.
const exportFileName = "kantata-connect-setup.json"

// mainMenu offers moving a setup to another computer, and what the app is.
func (u *UI) mainMenu() *fyne.MainMenu {
	return fyne.NewMainMenu(
		fyne.NewMenu("File",
			fyne.NewMenuItem("Export setup…", u.chooseExportFile),
			fyne.NewMenuItem("Import setup…", u.chooseImportFile),
		),
		fyne.NewMenu("Help", fyne.NewMenuItem("About Kantata Connect", u.showAbout)),
	)
}

// setupFilter narrows the file dialogs to setup files.
var setupFilter = filechooser.Options{FilterName: "Setup files", Extensions: []string{"json"}}

// chooseFile shows the system's file dialog for o, off the UI thread, and
// then chosen(path) on it; "" is a cancel. Where the system offers none
// (no desktop portal) it shows Fyne's, starting in Documents, instead.
func (u *UI) chooseFile(o filechooser.Options, failed string, chosen func(path string)) {
	if w, ok := u.nativeWindow(); ok {
		o.Parent = uintptr(w)
	}
	var path string
	u.background(func() (err error) {
		path, err = u.fileDialog(context.Background(), o)
		return err
	}, func(err error) {
		switch {
		case errors.Is(err, filechooser.ErrUnavailable):
			u.fyneFileDialog(o, failed, chosen)
		case err != nil:
			u.showError(failed, err)
		case path != "":
			chosen(path)
		}
	})
}

// fyneFileDialog is Fyne's file dialog for o, in Documents.
func (u *UI) fyneFileDialog(o filechooser.Options, failed string, chosen func(path string)) {
	var d *dialog.FileDialog
	if o.Save {
		d = dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if w != nil {
				w.Close() // written again below, by path, as a system dialog's choice is
			}
			switch {
			case err != nil:
				u.showError(failed, err)
			case w != nil:
				chosen(w.URI().Path())
			}
		}, u.win)
		d.SetFileName(o.Name)
	} else {
		d = dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if r != nil {
				r.Close()
			}
			switch {
			case err != nil:
				u.showError(failed, err)
			case r != nil:
				chosen(r.URI().Path())
			}
		}, u.win)
	}
	var exts []string
	for _, e := range o.Extensions {
		exts = append(exts, "."+e)
	}
	d.SetFilter(storage.NewExtensionFileFilter(exts))
	if l, err := storage.ListerForURI(storage.NewFileURI(filechooser.Documents())); err == nil {
		d.SetLocation(l)
	}
	d.Show()
}

func (u *UI) chooseExportFile() {
	if u.store == nil {
		return
	}
	o := setupFilter
	o.Title, o.Save, o.Name = "Export setup", true, exportFileName
	u.chooseFile(o, "Couldn't export the setup", u.exportToFile)
}

// exportToFile writes the setup to the file at path, made or replaced.
func (u *UI) exportToFile(path string) {
	var f *os.File
	u.background(func() (err error) {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		return err
	}, func(err error) {
		if err != nil {
			u.showError("Couldn't export the setup", fmt.Errorf("write %s: %w", path, err))
			return
		}
		u.exportTo(f, path)
	})
}

// exportTo writes the clients and connections, never a secret or token, and
// says where: path names the file.
func (u *UI) exportTo(w io.WriteCloser, path string) {
	e := setupfile.FromStore(u.store, time.Now())
	u.background(func() error {
		err := setupfile.WriteExport(w, e)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		return err
	}, func(err error) {
		if err != nil {
			u.showError("Couldn't export the setup", err)
			return
		}
		u.showNotice("Setup exported", fmt.Sprintf("Exported %s and %s to “%s” — no secrets and no tokens. On the other "+
			"computer choose File › Import setup… and enter each client's secret again.",
			safetext.Count(len(e.Clients), "OAuth 2.0 client"), safetext.Count(len(e.Connections), "connection"), path))
	})
}

func (u *UI) chooseImportFile() {
	if u.store == nil {
		return
	}
	o := setupFilter
	o.Title = "Import setup"
	u.chooseFile(o, "Couldn't import the setup", func(path string) {
		var f *os.File
		u.background(func() (err error) {
			f, err = os.Open(path)
			return err
		}, func(err error) {
			if err != nil {
				u.showError("Couldn't import the setup", err)
				return
			}
			u.importFrom(f)
		})
	})
}

// importFrom reads an export file and adds its clients and connections,
// asking for each client's secret and about every name already in use. A bad
// or foreign file changes nothing.
func (u *UI) importFrom(r io.ReadCloser) {
	var rep setupfile.ImportReport
	u.background(func() error {
		e, err := setupfile.ReadExport(r)
		r.Close()
		if err != nil {
			return err
		}
		rep, err = setupfile.Import(context.Background(), u.store, e, &importDecider{u: u})
		return err
	}, func(err error) {
		u.refresh()
		if err != nil {
			u.showError("Couldn't import the setup", err)
			return
		}
		title := "Setup imported"
		if rep.Empty() {
			title = "Nothing imported"
		}
		u.showNotice(title, rep.String())
	})
}

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
