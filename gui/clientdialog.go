package gui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/store"
)

// Wording of the OAuth 2.0 client dialog (the setup article's iClient form).
const (
	secretHint     = "Kept in your system keychain, never shown."
	secretEditNote = "When editing the client at any point, you must enter the secret value again; " +
		"it is stored only when the client is saved and never displayed as text."
	viewSimple     = "Simple"
	viewHTTP       = "HTTP"
	authBodyLabel  = "In the request body (Kantata's way)"
	authBasicLabel = "In a basic-auth header"
	// How Kantata's answer comes back (store.Callback*).
	callbackLoopbackLabel = "Back to this app (loopback)"
	callbackCodeLabel     = "Kantata shows a code"
	callbackAppLinkLabel  = "The app's own link"
	callbackHelp          = "Register this callback URL in Kantata (step 6 of “How to retrieve the client ID and client secret”):"
)

// clientDialog adds or edits an OAuth 2.0 client ("iClient"). It is the
// dialog's content, so the dialog on top of the window says which it is.
type clientDialog struct {
	widget.BaseWidget
	u        *UI
	existing *store.Client // nil when adding
	onSaved  func(store.Client)

	name, clientID, secret             *escEntry
	authURL, tokenURL, apiURL, port    *escEntry
	clientAuth, callback               *escSelect
	pkce                               *escCheck
	view                               *widget.RadioGroup
	form                               *widget.Form
	simpleItems, httpItems             []*widget.FormItem
	callbackURL                        *widget.Label
	copyCallback                       *escButton
	departures                         *widget.Label // where secrets go, when not only to Kantata
	callbackProblem                    *widget.Label // the callback kind's rule, when broken
	departuresMark                     *widget.Icon  // its warning sign, shown with it
	saveButton, cancelButton, resetBtn *escButton
	deleteButton                       *escButton // only when editing
	content                            fyne.CanvasObject
	dialog                             *dialog.CustomDialog
	saving                             bool
}

// showClientDialog opens the client dialog: for a new client when existing is
// nil, otherwise to edit it. onSaved runs on the UI thread after a save.
func (u *UI) showClientDialog(existing *store.Client, onSaved func(store.Client)) *clientDialog {
	d := &clientDialog{u: u, existing: existing, onSaved: onSaved}
	d.ExtendBaseWidget(d)
	d.makeEntries()
	d.setRules()
	d.makeChoices()
	d.makeForm()
	d.content = d.layout()
	if existing != nil {
		d.fill(existing.ClientSettings, true)
		if existing.Departures().Any() {
			// What departs from Kantata's settings is in the HTTP view:
			// open there, so it is seen and can be changed.
			d.view.SetSelected(viewHTTP)
		}
	} else {
		d.fill(store.DefaultClientSettings(), true)
	}
	d.makeDialog()
	d.validate()
	d.dialog.Resize(d.size())
	d.dialog.Show()
	if existing != nil && existing.SecretNeeded {
		u.win.Canvas().Focus(d.secret)
	} else {
		u.win.Canvas().Focus(d.name)
	}
	return d
}

// CreateRenderer draws the dialog's content.
func (d *clientDialog) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(d.content)
}

// makeEntries makes the text fields: each checks itself as it changes,
// and Return saves.
func (d *clientDialog) makeEntries() {
	entry := func(placeholder string) *escEntry {
		e := newEscEntry(d.close)
		e.SetPlaceHolder(placeholder)
		e.OnChanged = func(string) {
			e.touch()
			d.validate()
		}
		e.OnSubmitted = func(string) { d.submit() }
		return e
	}
	d.name = entry("e.g. Kantata OX app")
	d.clientID = entry("Kantata OX application ID")
	d.secret = newSecretEntry(d.close)
	d.secret.OnChanged = func(string) {
		d.secret.touch()
		d.validate()
	}
	d.secret.OnSubmitted = func(string) { d.submit() }
	d.authURL = entry(store.DefaultClientSettings().AuthURL)
	d.tokenURL = entry(store.DefaultClientSettings().TokenURL)
	d.apiURL = entry(store.DefaultClientSettings().APIBaseURL)
	d.port = entry(strconv.Itoa(store.DefaultClientSettings().RedirectPort))
	d.port.OnChanged = func(string) {
		d.port.touch()
		d.validate()
		d.updateCallbackURL()
	}
}

// setRules gives each field the store's rule for it: the rule set judges
// the settings, and each entry shows what it says about its own field.
func (d *clientDialog) setRules() {
	d.name.setRule(func(s string) error {
		if d.u.store == nil {
			return nil
		}
		except := ""
		if d.existing != nil {
			except = d.existing.ID
		}
		return plainError(d.u.store.CheckClientName(s, except))
	})
	d.secret.setRule(func(s string) error { return plainError(store.CheckSecret(s)) })
	for field, e := range map[store.Field]*escEntry{
		store.FieldClientID: d.clientID, store.FieldAuthURL: d.authURL, store.FieldTokenURL: d.tokenURL,
		store.FieldAPIBaseURL: d.apiURL,
	} {
		e.setRule(func(string) error { return d.problem(field) })
	}
	d.port.setRule(func(s string) error {
		_, err := store.ParsePort(s)
		return plainError(err)
	})
}

// makeChoices makes the HTTP view's selects, its check and the callback URL
// with its Copy button.
func (d *clientDialog) makeChoices() {
	d.clientAuth = newEscSelect([]string{authBodyLabel, authBasicLabel}, d.close)
	d.callback = newEscSelect([]string{callbackLoopbackLabel, callbackCodeLabel, callbackAppLinkLabel}, d.close)
	d.callback.OnChanged = func(string) {
		d.validate()
		d.updateCallbackURL()
	}
	d.pkce = newEscCheck("Authorization code with PKCE (S256)", func(bool) { d.validate() }, d.close)
	d.resetBtn = newEscButton("Reset to Kantata defaults", theme.ViewRefreshIcon(), func() { d.fill(store.DefaultClientSettings(), false) }, d.close)
	d.callbackURL = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	d.callbackURL.Selectable = true
	d.copyCallback = d.u.copyButton("Copy", func() string { return d.callbackURL.Text }, d.close)
}

// makeForm lays the fields out in one form for both views, which keeps
// the labels in one column: the HTTP view adds its settings below the
// simple view's fields.
func (d *clientDialog) makeForm() {
	secretItem := &widget.FormItem{Text: "Client secret *", Widget: d.secret, HintText: secretHint}
	switch {
	case d.existing != nil && d.existing.SecretNeeded:
		secretItem.HintText = "Imported without its secret: enter it to sign in."
	case d.existing != nil:
		secretItem.HintText = "Enter the secret again."
	}
	d.simpleItems = []*widget.FormItem{
		{Text: "Name *", Widget: d.name, HintText: "A name to recognise this client by."},
		{Text: "Client ID *", Widget: d.clientID, HintText: "The Kantata OX application ID."},
		secretItem,
	}
	d.httpItems = []*widget.FormItem{
		{Text: "Authorization URL", Widget: d.authURL},
		{Text: "Access token URL", Widget: d.tokenURL},
		{Text: "API base URL", Widget: d.apiURL},
		{Text: "Send client credentials", Widget: d.clientAuth},
		{Text: "Grant type", Widget: d.pkce},
		{Text: "Kantata's answer", Widget: d.callback, HintText: "A code to paste works where Kantata takes only https callback URLs."},
		{Text: "Callback port", Widget: d.port, HintText: "Back to this app only. Change it only if the port is taken."},
		{Text: "", Widget: container.NewHBox(layout.NewSpacer(), d.resetBtn)},
	}
	d.form = widget.NewForm(d.simpleItems...)
	d.view = widget.NewRadioGroup([]string{viewSimple, viewHTTP}, d.showView)
	d.view.Horizontal = true
	d.view.Required = true
	d.view.Selected = viewSimple
}

// showView shows the simple view's fields, or (viewHTTP) them and the HTTP
// settings.
func (d *clientDialog) showView(v string) {
	d.form.Items = d.simpleItems
	if v == viewHTTP {
		d.form.Items = append(append([]*widget.FormItem{}, d.simpleItems...), d.httpItems...)
	}
	d.form.Refresh()
	if d.departures != nil {
		d.showDepartures() // its pointer to the HTTP view
	}
	if d.dialog != nil {
		d.dialog.Resize(d.size())
		// A click or Space leaves the focus on the radio button, which
		// swallows Escape and Return: the view's first field takes it.
		first := d.name
		if v == viewHTTP {
			first = d.authURL
		}
		d.u.win.Canvas().Focus(first)
	}
}

// layout puts the view switch, the form, the warnings and the callback URL
// one under the other; the content scrolls.
func (d *clientDialog) layout() fyne.CanvasObject {
	d.departures = wrappedLabel("")
	d.departures.Importance = widget.WarningImportance
	d.callbackProblem = wrappedLabel("")
	d.callbackProblem.Importance = widget.DangerImportance
	d.callbackProblem.Hide()
	d.departuresMark = warningMark()
	top := []fyne.CanvasObject{container.NewHBox(widget.NewLabel("View:"), d.view), d.form, d.callbackProblem,
		marked(d.departuresMark, d.departures)}
	if d.existing != nil {
		top = append(top, wrappedLabel(secretEditNote))
	}
	callback := container.NewVBox(wrappedLabel(callbackHelp),
		container.NewBorder(nil, nil, nil, d.copyCallback, d.callbackURL))
	content := container.NewVBox(append(top, widget.NewSeparator(), callback)...)
	// Room on the right keeps the scroll bar off the fields.
	padded := container.New(layout.NewCustomPaddedLayout(0, 0, 0, 2*theme.Padding()), content)
	return container.NewVScroll(padded)
}

// makeDialog puts the dialog around its content, with Save, Cancel and,
// when editing, Delete; Escape cancels and Return saves.
func (d *clientDialog) makeDialog() {
	title := "Add OAuth 2.0 client"
	if d.existing != nil {
		title = "Edit OAuth 2.0 client"
	}
	d.saveButton = newEscButton("Save", theme.DocumentSaveIcon(), d.submit, d.close)
	d.saveButton.Importance = widget.HighImportance
	d.cancelButton = newEscButton("Cancel", theme.CancelIcon(), d.close, d.close)
	d.dialog = dialog.NewCustomWithoutButtons(title, d, d.u.win)
	buttons := []fyne.CanvasObject{d.cancelButton, d.saveButton}
	if d.existing != nil {
		d.deleteButton = newEscButton("Delete client", theme.DeleteIcon(), d.confirmDelete, d.close)
		d.deleteButton.Importance = widget.DangerImportance
		buttons = append([]fyne.CanvasObject{d.deleteButton}, buttons...)
	}
	d.dialog.SetButtons(buttons)
	d.dialog.SetOnClosed(d.u.pushDialogKeys(d.close, d.submit))
}

func (d *clientDialog) size() fyne.Size {
	h := float32(470)
	if d.view.Selected == viewHTTP {
		h = 560
	}
	if d.existing != nil {
		h += 50
	}
	win := d.u.win.Canvas().Size()
	return fyne.NewSize(min(600, win.Width-40), min(h, win.Height-40))
}

// fill puts c's values in the form; withIdentity also fills name and client ID.
func (d *clientDialog) fill(c store.ClientSettings, withIdentity bool) {
	if withIdentity && d.existing != nil {
		// Only an edit fills these: setting a new client's empty fields
		// would mark them touched and show "required" before any typing.
		d.name.SetText(c.Name)
		d.clientID.SetText(c.ClientID)
	}
	d.authURL.SetText(c.AuthURL)
	d.tokenURL.SetText(c.TokenURL)
	d.apiURL.SetText(c.APIBaseURL)
	d.port.SetText(strconv.Itoa(c.RedirectPort))
	if c.ClientAuth == store.ClientAuthBasic {
		d.clientAuth.SetSelected(authBasicLabel)
	} else {
		d.clientAuth.SetSelected(authBodyLabel)
	}
	d.pkce.SetChecked(c.PKCE)
	d.callback.SetSelected(callbackLabel(c.Callback))
	d.updateCallbackURL()
}

// settings is the form as the client's settings, as typed: the store's
// rules normalize them.
func (d *clientDialog) settings() store.ClientSettings {
	c := store.ClientSettings{
		Name: d.name.Text, ClientID: d.clientID.Text,
		AuthURL: d.authURL.Text, TokenURL: d.tokenURL.Text, APIBaseURL: d.apiURL.Text,
		ClientAuth: store.ClientAuthBody, PKCE: d.pkce.Checked, Callback: store.CallbackLoopback,
	}
	c.RedirectPort, _ = store.ParsePort(d.port.Text) // its own validator reports a bad one
	if d.clientAuth.Selected == authBasicLabel {
		c.ClientAuth = store.ClientAuthBasic
	}
	c.Callback = callbackKind(d.callback.Selected)
	return c
}

// callbackLabels name the callback kinds in the client dialog.
var callbackLabels = map[string]string{
	store.CallbackLoopback: callbackLoopbackLabel,
	store.CallbackCode:     callbackCodeLabel,
	store.CallbackAppLink:  callbackAppLinkLabel,
}

// callbackLabel is kind's label; an unknown kind reads as loopback.
func callbackLabel(kind string) string {
	if label, ok := callbackLabels[kind]; ok {
		return label
	}
	return callbackLoopbackLabel
}

// callbackKind is the kind a label names (loopback for none).
func callbackKind(label string) string {
	for kind, l := range callbackLabels {
		if l == label {
			return kind
		}
	}
	return store.CallbackLoopback
}

// problem is what the store's rules say about field in the form, or nil.
func (d *clientDialog) problem(field store.Field) error {
	_, problems := store.CheckClient(d.settings())
	for _, p := range problems {
		if p.Field == field {
			return plainError(p)
		}
	}
	return nil
}

func (d *clientDialog) updateCallbackURL() {
	c := d.settings()
	if _, err := store.ParsePort(d.port.Text); err != nil && c.Callback == store.CallbackLoopback {
		d.callbackURL.SetText("(enter a valid callback port)")
		return
	}
	d.callbackURL.SetText(c.RedirectURI())
}

// simpleEntries are the simple view's fields, in tab order.
func (d *clientDialog) simpleEntries() []*escEntry { return []*escEntry{d.name, d.clientID, d.secret} }

// httpEntries are the fields only the HTTP view shows, in tab order.
func (d *clientDialog) httpEntries() []*escEntry {
	return []*escEntry{d.authURL, d.tokenURL, d.apiURL, d.port}
}

// entries lists every field in tab order.
func (d *clientDialog) entries() []*escEntry { return append(d.simpleEntries(), d.httpEntries()...) }

// valid reports whether every field passes; a field with a problem shows its
// message beside it once the user has touched it.
func (d *clientDialog) valid() bool {
	for _, e := range d.entries() {
		if e.check() != nil {
			return false
		}
	}
	return d.problem(store.FieldCallback) == nil
}

func (d *clientDialog) validate() {
	if d.saveButton == nil {
		return
	}
	d.showDepartures()
	if err := d.problem(store.FieldCallback); err != nil {
		d.callbackProblem.SetText(err.Error())
		d.callbackProblem.Show()
	} else {
		d.callbackProblem.Hide()
	}
	if d.valid() && !d.saving {
		d.saveButton.Enable()
	} else {
		d.saveButton.Disable()
	}
}

// showDepartures says, under the fields, where this client's secrets go
// when that is not only Kantata: custom endpoints are allowed, but never
// unnoticed (they may have come in a setup file from someone else).
func (d *clientDialog) showDepartures() {
	c, _ := store.CheckClient(d.settings()) // empty fields are Kantata's
	dep := c.Departures()
	if !dep.Any() {
		d.departures.Hide()
		d.departuresMark.Hide()
		return
	}
	text := fmt.Sprintf("This client %s. %s", dep, dep.Risk())
	if d.view.Selected != viewHTTP {
		text += " View: HTTP shows these settings."
	}
	d.departures.SetText(text)
	d.departures.Show()
	d.departuresMark.Show()
}

// submit saves the client in the background: the keychain may be slow or ask
// to be unlocked. What the user typed stays in the dialog if it fails.
func (d *clientDialog) submit() {
	if d.saving {
		return
	}
	if !d.valid() {
		for _, e := range d.entries() {
			e.touch() // a save was tried: every problem shows now
		}
		d.focusFirstProblem()
		return
	}
	id := ""
	if d.existing != nil {
		id = d.existing.ID
	}
	c, secret := d.settings(), d.secret.Text
	d.saving = true
	d.saveButton.SetText("Saving…")
	d.validate()
	var saved store.Client
	d.u.background(func() (err error) {
		saved, err = d.u.store.SaveClient(id, c, secret)
		return err
	}, func(err error) {
		d.saving = false
		d.saveButton.SetText("Save")
		d.validate()
		if err != nil {
			d.u.showError("Couldn't save the OAuth 2.0 client", err)
			return
		}
		d.close()
		if d.onSaved != nil {
			d.onSaved(saved)
		}
	})
}

// focusFirstProblem takes the focus to the first field with a problem,
// showing the HTTP view when that field is one of its own.
func (d *clientDialog) focusFirstProblem() {
	for _, e := range d.simpleEntries() {
		if e.Validate() != nil {
			d.u.win.Canvas().Focus(e)
			return
		}
	}
	for _, e := range d.httpEntries() {
		if e.Validate() != nil {
			d.view.SetSelected(viewHTTP)
			d.u.win.Canvas().Focus(e)
			return
		}
	}
}

func (d *clientDialog) close() {
	if d.saving {
		return // the keychain is being written: closing now would hide the outcome
	}
	d.dialog.Hide()
}

// confirmDelete asks before deleting the edited client, naming the
// connections that would go with it, and deletes it with their secrets.
func (d *clientDialog) confirmDelete() {
	c := *d.existing
	var users []string
	for _, conn := range d.u.store.Connections() {
		if conn.ClientRef == c.ID {
			users = append(users, "“"+conn.Name+"”")
		}
	}
	msg := fmt.Sprintf("Delete the OAuth 2.0 client “%s”?\n\nIts secret is removed from this computer's keychain.", c.Name)
	if len(users) > 0 {
		msg = fmt.Sprintf("“%s” is used by %s.\n\nDeleting the client also deletes those connections and their authorizations "+
			"from this computer.", c.Name, strings.Join(users, ", "))
	}
	d.u.confirm("Delete OAuth 2.0 client", msg, "Cancel", "Delete", func() {
		d.u.background(func() error { return d.u.store.DeleteClient(c.ID, len(users) > 0) }, func(err error) {
			if err != nil {
				d.u.showError("Couldn't delete the OAuth 2.0 client", err)
				return
			}
			d.dialog.Hide()
			d.u.clientDeleted(c)
		})
	}, nil)
}
