package gui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/diagnose"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// Texts from the integrator.io "Kantata connection" setup article the app
// follows (its Create connection panel), adapted to a desktop app.
const (
	// Form hints stay on one line in Fyne, so they are short.
	nameHint     = "Enter a clear and distinguishable name."
	clientHint   = "Stores the client ID and secret Kantata gave you."
	noClientHint = "Add the client Kantata gave you with the + button."
)

// connectionPanel is the right side: create or edit one connection.
type connectionPanel struct {
	u         *UI
	editingID string // "" while creating

	title      *widget.Label
	name       *widget.Entry
	client     *widget.Select
	clientItem *widget.FormItem
	form       *widget.Form
	addClient  *escButton
	editClient *escButton

	status      *widget.Label
	statusIcon  *widget.Icon // the status's mark, as in the list: not colour alone
	statusTime  *widget.Label
	diagnostics *escButton
	statusBox   *fyne.Container

	saveAuthorize *escButton
	useToken      *escButton // a personal token from Kantata instead of a sign-in
	save          *escButton
	test          *escButton
	cancelTest    *escButton // shown while the connection shown is tested
	delete        *escButton

	// testing is the Test connection running, or nil: one at a time.
	testing *testRun

	callbackURL    *widget.Label
	copyCallback   *escButton
	copyBoth       *escButton // the loopback and the out-of-band lines, to register both
	switchCallback *escButton // the selected client's callback kind, the other way
	help           *widget.Accordion
	// anyAuthorized: some connection had been authorized at the last
	// refresh (the steps in help were folded away when one first was).
	anyAuthorized bool

	content fyne.CanvasObject
}

func newConnectionPanel(u *UI) *connectionPanel {
	p := &connectionPanel{u: u}
	p.title = widget.NewLabelWithStyle("Create connection", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.title.SizeName = theme.SizeNameSubHeadingText

	p.name = widget.NewEntry()
	p.name.SetPlaceHolder("e.g. Kantata production")
	p.name.Validator = func(s string) error {
		if u.store == nil {
			return nil
		}
		return plainError(u.store.CheckConnectionName(s, p.editingID))
	}
	p.name.OnChanged = func(string) { p.updateButtons() }
	p.name.OnSubmitted = func(string) { // Return saves, as in a dialog
		if !p.save.Disabled() {
			p.saveConnection(nil)
		}
	}

	p.client = widget.NewSelect(nil, func(string) {
		p.updateButtons()
		p.updateCallbackURL()
	})
	p.client.PlaceHolder = "Select an OAuth 2.0 client"
	p.addClient = newButton("", theme.ContentAddIcon(), func() {
		u.showClientDialog(nil, p.clientSaved)
	})
	p.editClient = newButton("", theme.DocumentCreateIcon(), func() {
		if c, ok := p.selectedClient(); ok {
			u.showClientDialog(&c, p.clientSaved)
		}
	})

	p.clientItem = &widget.FormItem{Text: "OAuth 2.0 client *", HintText: clientHint,
		Widget: container.NewBorder(nil, nil, nil, container.NewHBox(p.addClient, p.editClient), p.client)}
	p.form = widget.NewForm(
		&widget.FormItem{Text: "Name your connection *", Widget: p.name, HintText: nameHint},
		p.clientItem,
	)

	p.status = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.status.Wrapping = fyne.TextWrapWord
	p.statusTime = widget.NewLabel("")
	p.statusTime.SizeName = theme.SizeNameCaptionText
	p.diagnostics = newButton("Copy diagnostics", theme.ContentCopyIcon(), p.onCopyDiagnostics)
	p.statusIcon = widget.NewIcon(nil)
	p.statusBox = container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, container.NewVBox(p.statusIcon), container.NewVBox(p.diagnostics),
			container.NewVBox(p.status, p.statusTime)))

	p.saveAuthorize = newButton("Save & authorize", theme.LoginIcon(), p.onSaveAndAuthorize)
	p.saveAuthorize.Importance = widget.HighImportance
	p.useToken = newButton("Use a token from Kantata instead", theme.AccountIcon(), func() {
		p.saveConnection(func(c store.Connection) { u.showTokenDialog(c) })
	})
	p.useToken.Importance = widget.LowImportance
	p.save = newButton("Save", theme.DocumentSaveIcon(), func() { p.saveConnection(nil) })
	p.test = newButton("Test connection", theme.MediaPlayIcon(), p.onTest)
	p.cancelTest = newButton("Cancel", theme.CancelIcon(), p.onCancelTest)
	p.cancelTest.Hide()
	p.delete = newButton("Delete", theme.DeleteIcon(), p.onDelete)
	p.delete.Importance = widget.DangerImportance
	buttons := container.NewVBox(
		container.NewHBox(p.saveAuthorize, p.save, p.test, p.cancelTest, layout.NewSpacer(), p.delete),
		container.NewHBox(p.useToken))

	p.callbackURL = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	p.callbackURL.Selectable = true
	p.copyCallback = u.copyButton("Copy", func() string { return p.callbackURL.Text }, nil)
	p.copyBoth = u.copyButton("Copy all three lines", p.allCallbackLines, nil)
	p.switchCallback = newButton(switchToCode, theme.ViewRefreshIcon(), p.onSwitchCallback)
	p.help = widget.NewAccordion(widget.NewAccordionItem("How to retrieve the client ID and client secret",
		helpSteps(container.NewBorder(nil, nil, nil, p.copyCallback, p.callbackURL),
			container.NewVBox(wrappedLabel(refusedCallbackAdvice), container.NewHBox(p.switchCallback, p.copyBoth)))))

	p.content = container.NewVScroll(container.NewPadded(container.NewVBox(
		p.title, p.form, buttons, p.statusBox, p.help)))
	return p
}

// What step 6 of the how-to adds for a Kantata that refuses the loopback
// callback URL, and the switch of the selected client's callback kind.
const (
	refusedCallbackAdvice = "If Kantata answers “Redirect URI must be an HTTPS/SSL URI”, register " + oauth.OOBRedirectURI +
		" and " + oauth.AppLinkRedirectURI + " instead and choose “" + callbackAppLinkLabel + "” or “" + callbackCodeLabel +
		"” for this client. Better still, register all three lines (this app's Callback URL, " + oauth.OOBRedirectURI +
		" and " + oauth.AppLinkRedirectURI + "), one per line, so any works."
	switchToCode     = "Use “" + callbackCodeLabel + "” for this client"
	switchToLoopback = "Send Kantata's answer back to this app instead"
)

func helpSteps(callback, refused fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(
		wrappedLabel("1. Sign in to your Kantata account.\n"+
			"2. Navigate to Settings > API > API settings page.\n"+
			"3. Click View your account's registered applications.\n"+
			"4. On the OAuth applications page, click Register a new Kantata OX application.\n"+
			"5. Enter a Name, for example Kantata Connect.\n"+
			"6. Paste this app's Callback URL:"),
		container.NewPadded(callback),
		container.NewPadded(refused),
		wrappedLabel("7. Click Save.\n"+
			"8. Copy the Kantata OX application ID for the Client ID and the Secret token for the Client secret, "+
			"then add them here with the + button."),
	)
}

// startNew clears the panel for a new connection.
func (p *connectionPanel) startNew() {
	p.editingID = ""
	p.title.SetText("Create connection")
	p.name.SetText("")
	p.name.SetValidationError(nil)
	p.client.ClearSelected()
	if clients := p.clients(); len(clients) == 1 {
		p.client.SetSelected(clients[0].Name)
	}
	p.showStatus(nil)
	p.updateButtons()
	p.updateCallbackURL()
	if len(p.clients()) == 0 {
		p.help.Open(0) // a first-time user needs the steps before anything else
	}
}

// draftName is the name typed for a new connection that isn't saved yet, or
// "" when there is nothing the user would lose.
func (p *connectionPanel) draftName() string {
	if p.editingID != "" {
		return ""
	}
	return strings.TrimSpace(p.name.Text)
}

// leave runs next, which shows something else in the panel. A new connection
// the user has named but not saved would be lost: they are asked first, and
// keep (when set) runs if they keep editing it.
func (p *connectionPanel) leave(next, keep func()) {
	name := p.draftName()
	if name == "" {
		next()
		return
	}
	p.u.confirm("Unsaved connection", fmt.Sprintf("Discard the new connection “%s”? It has not been saved.", name),
		"Keep editing", "Discard", next, func() {
			if keep != nil {
				keep()
			}
			p.u.win.Canvas().Focus(p.name)
		})
}

// edit loads a saved connection into the panel.
func (p *connectionPanel) edit(c store.Connection) {
	p.editingID = c.ID
	p.title.SetText("Edit connection")
	p.name.SetText(c.Name)
	if cl, ok := p.u.store.Client(c.ClientRef); ok {
		p.client.SetSelected(cl.Name)
	} else {
		p.client.ClearSelected()
	}
	p.showStatus(&c)
	p.updateButtons()
	p.updateCallbackURL()
}

func (p *connectionPanel) showStatus(c *store.Connection) {
	if p.showTestRun(c) {
		return
	}
	if c == nil {
		p.statusBox.Hide()
		return
	}
	text := connect.StatusText(*c)
	if who := connect.IdentityText(*c); who != "" && c.Status == store.StatusAuthorized {
		text = "Authorized as " + who
		if c.AuthorizedWith == store.AuthorizedWithPersonalToken {
			text += " (" + connect.PersonalTokenNote + ")"
		}
	}
	if projects := connect.ProjectsText(*c); projects != "" {
		text += " · " + projects
	}
	if (c.Status == store.StatusAuthorized || c.Status == store.StatusNeverAuthorized) && c.LastError != "" {
		text += "\n" + c.LastError // a note: signed in but no user, or a first sign-in denied
	}
	if connect.SeesNoProjects(*c) {
		text += "\n" + connect.NoProjectsWarning
	}
	p.status.SetText(text)
	p.status.Importance = statusImportance(*c)
	p.status.Refresh()
	p.statusIcon.SetResource(statusIcon(*c))
	var times string
	if c.LastAuthorizedAt != nil {
		times = "Last authorized " + formatTime(*c.LastAuthorizedAt)
	}
	// A sign-in checks the user too; its test time adds nothing then.
	if c.LastTestedAt != nil && (c.LastAuthorizedAt == nil || !c.LastTestedAt.Equal(*c.LastAuthorizedAt)) {
		if times != "" {
			times += " · "
		}
		times += "Last tested " + formatTime(*c.LastTestedAt)
	}
	p.statusTime.SetText(times)
	p.statusTime.Hidden = times == ""
	p.statusBox.Show()
	p.statusBox.Refresh()
}

// statusImportance colours a connection's status: a connection that works
// but whose user sees no projects is a warning, as it will sync nothing.
func statusImportance(c store.Connection) widget.Importance {
	switch c.Status {
	case store.StatusAuthorized:
		if connect.SeesNoProjects(c) {
			return widget.WarningImportance
		}
		return widget.SuccessImportance
	case store.StatusNeedsReauth:
		return widget.WarningImportance
	case store.StatusFailed:
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

func formatTime(t time.Time) string { return t.Local().Format("2 Jan 2006 15:04") }

// refreshClients reloads the client choices, keeping the selection.
func (p *connectionPanel) refreshClients() {
	clients := p.clients()
	names := make([]string, len(clients))
	for i, c := range clients {
		names[i] = c.Name
	}
	selected := p.client.Selected
	p.client.SetOptions(names)
	if _, ok := p.selectedClient(); !ok && selected != "" {
		p.client.ClearSelected()
	}
	if len(clients) == 0 {
		p.clientItem.HintText = noClientHint
	} else {
		p.clientItem.HintText = clientHint
	}
	p.form.Refresh()
	p.updateButtons()
}

func (p *connectionPanel) clients() []store.Client {
	if p.u.store == nil {
		return nil
	}
	return p.u.store.Clients()
}

func (p *connectionPanel) selectedClient() (store.Client, bool) {
	if p.u.store == nil || p.client.Selected == "" {
		return store.Client{}, false
	}
	return p.u.store.ClientByName(p.client.Selected)
}

// clientSaved selects a client the dialog just added or changed.
func (p *connectionPanel) clientSaved(c store.Client) {
	p.u.refresh()
	p.client.SetSelected(c.Name)
	if p.editingID != "" {
		if conn, ok := p.u.store.Connection(p.editingID); ok {
			p.showStatus(&conn) // editing a client may have asked for re-authorization
		}
	}
}

func (p *connectionPanel) updateCallbackURL() {
	c, ok := p.selectedClient()
	if !ok {
		p.callbackURL.SetText(oauth.RedirectURI(kantata.DefaultRedirectPort))
		p.switchCallback.SetText(switchToCode)
		p.switchCallback.Disable()
		return
	}
	p.callbackURL.SetText(c.RedirectURI())
	if c.Callback != store.CallbackLoopback {
		p.switchCallback.SetText(switchToLoopback)
	} else {
		p.switchCallback.SetText(switchToCode)
	}
	p.switchCallback.Enable()
}

// allCallbackLines are the callback URLs of every kind to register, one
// per line, the loopback one on the selected client's port.
func (p *connectionPanel) allCallbackLines() string {
	c, ok := p.selectedClient()
	if !ok {
		c.ClientSettings = store.DefaultClientSettings()
	}
	return strings.Join(oauth.AllCallbackURIs(c.RedirectPort), "\n")
}

// onSwitchCallback turns the selected client's callback kind the other way,
// in one click: no secret to type, since the kind changes no token.
func (p *connectionPanel) onSwitchCallback() {
	c, ok := p.selectedClient()
	if !ok {
		return
	}
	kind := store.CallbackCode
	if c.Callback != store.CallbackLoopback {
		kind = store.CallbackLoopback
	}
	p.switchCallback.Disable()
	var saved store.Client
	p.u.background(func() (err error) {
		saved, err = p.u.store.SetClientCallback(c.ID, kind)
		return err
	}, func(err error) {
		p.u.refresh()
		p.updateCallbackURL()
		if err != nil {
			p.u.showError("Couldn't change how Kantata's answer comes back", err)
			return
		}
		p.u.showNotice("Callback changed", fmt.Sprintf("“%s” now uses this callback URL: %s\n\nRegister it in Kantata "+
			"(step 6), if it isn't there yet.", saved.Name, saved.RedirectURI()))
	})
}

// updateHelp folds the steps to retrieve the client ID and secret away when
// the first connection gets authorized: a first-time user needed them, a user
// with a working connection no longer does. Opened again, they stay open.
func (p *connectionPanel) updateHelp() {
	authorized := false
	for _, c := range p.u.list.items {
		if connect.EverAuthorized(c) {
			authorized = true
			break
		}
	}
	if authorized && !p.anyAuthorized {
		p.help.Close(0)
	}
	p.anyAuthorized = authorized
}

// updateButtons enables what the form allows: saving once it is valid,
// testing once the saved connection has been authorized.
func (p *connectionPanel) updateButtons() {
	_, hasClient := p.selectedClient()
	valid := p.u.store != nil && hasClient && p.name.Validator(p.name.Text) == nil
	setEnabled(p.saveAuthorize, valid)
	setEnabled(p.useToken, valid)
	setEnabled(p.save, valid)
	setEnabled(p.editClient, hasClient)
	setEnabled(p.addClient, p.u.store != nil)
	saved, isSaved := store.Connection{}, false
	if p.editingID != "" && p.u.store != nil {
		saved, isSaved = p.u.store.Connection(p.editingID)
	}
	setEnabled(p.test, isSaved && connect.EverAuthorized(saved))
	if isSaved {
		p.delete.Show()
	} else {
		p.delete.Hide()
	}
	if p.testing != nil {
		p.test.Disable() // one test at a time; its Cancel stops it
	}
}

func setEnabled(b fyne.Disableable, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// saveConnection saves the form, then calls then with the saved connection.
// What the user typed stays in the form whatever happens.
func (p *connectionPanel) saveConnection(then func(store.Connection)) {
	client, ok := p.selectedClient()
	if !ok || p.name.Validate() != nil {
		return
	}
	id, name := p.editingID, p.name.Text
	var saved store.Connection
	p.setBusy(true)
	p.u.background(func() (err error) {
		saved, err = p.u.store.SaveConnection(id, name, client.ID)
		return err
	}, func(err error) {
		p.setBusy(false)
		if err != nil {
			p.u.showError("Couldn't save the connection", err)
			return
		}
		p.editingID = saved.ID
		p.title.SetText("Edit connection")
		p.u.refresh()
		p.u.list.selectID(saved.ID)
		p.showStatus(&saved)
		p.updateButtons()
		if then != nil {
			then(saved)
		}
	})
}

// setBusy stops double clicks while a save, sign-in or test runs.
func (p *connectionPanel) setBusy(busy bool) {
	for _, b := range []*escButton{p.saveAuthorize, p.useToken, p.save, p.test, p.delete} {
		if busy {
			b.Disable()
		}
	}
	if !busy {
		p.delete.Enable()
		p.updateButtons()
	}
}

func (p *connectionPanel) onSaveAndAuthorize() {
	p.saveConnection(func(c store.Connection) {
		if client, ok := p.u.store.Client(c.ClientRef); ok && client.SecretNeeded {
			// Imported without its secret: the sign-in needs it, so ask
			// for it first and sign in once it is saved.
			p.u.showClientDialog(&client, func(saved store.Client) {
				p.clientSaved(saved)
				p.u.authorize(c)
			})
			return
		}
		p.u.authorize(c)
	})
}

// testRun is a Test connection that runs: which connection, and how to
// stop it.
type testRun struct {
	id     string
	cancel context.CancelFunc
}

// testingText is the status while Kantata is asked: neutral words, as the
// status from before says nothing about the outcome.
const testingText = "Testing… asking Kantata which user this connection works as."

func (p *connectionPanel) onTest() {
	id := p.editingID
	if id == "" || p.testing != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.testing = &testRun{id: id, cancel: cancel}
	var conn store.Connection
	p.setBusy(true)
	if c, ok := p.u.store.Connection(id); ok {
		p.showStatus(&c) // the status from before gives way to "Testing…"
	}
	p.u.background(func() (err error) {
		conn, err = p.u.svc.Test(ctx, id)
		return err
	}, func(err error) {
		cancel()
		p.testing = nil
		p.setBusy(false)
		p.u.refresh()
		if p.editingID == id {
			// A canceled test recorded nothing: the status from before
			// comes back as it was.
			if c, ok := p.u.store.Connection(id); ok {
				p.showStatus(&c)
			} else if conn.ID == id {
				p.showStatus(&conn)
			} else {
				p.showStatus(nil)
			}
		}
		if connect.Canceled(err) {
			return // the user canceled: nothing to say
		}
		if err != nil {
			p.u.showError("The connection test failed", err)
			return
		}
		msg := fmt.Sprintf("“%s” works: Kantata accepts it as %s.", conn.Name, whoText(conn))
		if projects := projectsSentence(conn); projects != "" {
			msg += "\n\n" + projects
		}
		p.u.showNotice("Connection works", msg)
	})
}

// onCancelTest stops the running test; onTest's end puts the panel back.
func (p *connectionPanel) onCancelTest() {
	if p.testing != nil {
		p.testing.cancel()
		p.cancelTest.Disable()
	}
}

// showTestRun shows the Test connection state of c: while c is tested, the
// status says so in neutral words, hiding the status from before (a red
// "Failed" beside "Testing…" reads as the outcome), and Cancel is offered.
// It reports whether c is tested; showStatus shows c's status otherwise.
func (p *connectionPanel) showTestRun(c *store.Connection) bool {
	testing := c != nil && p.testing != nil && p.testing.id == c.ID
	if !testing {
		p.test.SetText("Test connection")
		p.cancelTest.Hide()
		p.cancelTest.Enable()
		return false
	}
	p.test.SetText("Testing…")
	p.cancelTest.Show()
	p.status.SetText(testingText)
	p.status.Importance = widget.MediumImportance
	p.status.Refresh()
	p.statusIcon.SetResource(theme.ViewRefreshIcon())
	p.statusTime.SetText("")
	p.statusTime.Hide()
	p.statusBox.Show()
	p.statusBox.Refresh()
	return true
}

// projectsSentence says what the test learned of the projects the user
// sees: how many, the warning when none, or why they could not be counted.
func projectsSentence(c store.Connection) string {
	switch text := connect.ProjectsText(c); {
	case text == "":
		return ""
	case connect.SeesNoProjects(c):
		return connect.NoProjectsWarning
	case c.Projects.Visible != nil:
		return "This user " + text + " in Kantata."
	default:
		return strings.ToUpper(text[:1]) + text[1:] // the reason ends with its full stop
	}
}

func whoText(c store.Connection) string {
	if who := connect.IdentityText(c); who != "" {
		return who
	}
	return "an unnamed user"
}

func (p *connectionPanel) onDelete() {
	conn, ok := p.u.store.Connection(p.editingID)
	if !ok {
		return
	}
	msg := fmt.Sprintf("Delete the connection “%s”?\n\nIts authorization is removed from this computer's keychain. "+
		"The OAuth 2.0 client stays, and Kantata keeps the app registration.", conn.Name)
	p.u.confirm("Delete connection", msg, "Cancel", "Delete", func() {
		p.u.background(func() error { return p.u.store.DeleteConnection(conn.ID) }, func(err error) {
			if err != nil {
				p.u.showError("Couldn't delete the connection", err)
				return
			}
			p.u.list.list.UnselectAll()
			p.u.refresh()
			p.startNew()
		})
	}, nil)
}

// plainError turns a store validation error into its user message, which
// the entry shows beside the field.
func plainError(err error) error {
	if err == nil {
		return nil
	}
	msg, _ := connect.Explain(err)
	return fmt.Errorf("%s", msg)
}

// clientDeleted updates the window after a client (and maybe connections
// that used it) was deleted.
func (u *UI) clientDeleted(store.Client) {
	u.refresh()
	if _, ok := u.store.Connection(u.panel.editingID); u.panel.editingID != "" && !ok {
		u.list.list.UnselectAll()
		u.panel.startNew()
	}
}

// onCopyDiagnostics puts a secret-free report about the connection on the
// clipboard for the user to paste to support.
func (p *connectionPanel) onCopyDiagnostics() {
	id := p.editingID
	var report string
	p.diagnostics.Disable()
	p.u.background(func() (err error) {
		report, err = diagnose.Report(context.Background(), p.u.store, id, diagnose.Options{Version: p.u.version, Renderer: p.u.renderer})
		return err
	}, func(err error) {
		p.diagnostics.Enable()
		if err != nil {
			p.u.showError("Couldn't build the diagnostics report", err)
			return
		}
		p.u.copy(report)
		p.u.showNotice("Diagnostics copied", "A report about this connection is on the clipboard: paste it into a message to "+
			"your support contact. It holds settings and outcomes only — no secret, code or token.")
	})
}
