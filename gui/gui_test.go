package gui

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

const testSecret = "gui-test-secret-9f8e7d6c5b4a"

type harness struct {
	t       *testing.T
	u       *UI
	queue   chan func() // results of background work, run on the test goroutine
	store   *store.Store
	kantata *fakekantata.Server
	port    int
}

// newHarness builds the window over a records folder of its own, the real
// keychain and a stand-in Kantata; open is the browser.
func newHarness(t *testing.T, open oauth.Opener) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.DefaultTheme()) // the colours users see, not the test theme's
	st := testenv.Store(t)
	h := &harness{t: t, store: st, kantata: fakekantata.New(t), port: testenv.FreePort(t)}
	h.u = newTestUI(a, connect.New(st, open), h)
	t.Cleanup(func() {
		h.wait()
		for _, c := range st.Connections() {
			_ = st.DeleteConnection(c.ID)
		}
		for _, c := range st.Clients() {
			_ = st.DeleteClient(c.ID, true)
		}
	})
	return h
}

// addClient adds a client through the dialog as a user would, pointing it at
// the stand-in Kantata in the HTTP view.
func (h *harness) addClient(name, clientID string) store.Client {
	h.t.Helper()
	test.Tap(h.u.panel.addClient)
	d := shownDialog[*clientDialog](h.u.win)
	test.Type(d.name, name)
	test.Type(d.clientID, clientID)
	test.Type(d.secret, testSecret)
	d.view.SetSelected(viewHTTP)
	for e, v := range map[*escEntry]string{d.authURL: h.kantata.AuthURL(), d.tokenURL: h.kantata.TokenURL(),
		d.apiURL: h.kantata.APIBaseURL(), d.port: strconv.Itoa(h.port)} {
		e.SetText(v)
	}
	h.kantata.AddClient(clientID, testSecret, d.callbackURL.Text)
	d.secret.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Return submits
	h.wait()
	c, ok := h.store.ClientByName(name)
	if !ok {
		h.t.Fatalf("client %q was not saved", name)
	}
	return c
}

// newTestUI builds the window with background results delivered to the test
// goroutine, which plays the UI thread: the test driver has none of its own.
func newTestUI(a fyne.App, svc *connect.Service, h *harness) *UI {
	h.queue = make(chan func(), 16)
	u := New(a, svc, Options{})
	u.do = func(f func()) { h.queue <- f }
	return u
}

// runUntil plays the UI thread until cond holds or no background work is left.
func (h *harness) runUntil(cond func() bool) {
	h.t.Helper()
	for !cond() && h.u.pending.Load() > 0 {
		select {
		case f := <-h.queue:
			f()
		case <-time.After(60 * time.Second): // hang guard only
			h.t.Fatal("background work never finished")
		}
	}
}

// wait plays the UI thread until all background work has finished.
func (h *harness) wait() { h.runUntil(func() bool { return false }) }

func TestFirstRunShowsEmptyStateAndForm(t *testing.T) {
	h := newHarness(t, nil)
	w := h.u.win
	if !h.u.list.emptyState.Visible() || !strings.Contains(h.u.list.emptyState.Text, "No connections yet") {
		t.Errorf("empty state not shown: %q", h.u.list.emptyState.Text)
	}
	for _, label := range []string{"Name your connection *", "OAuth 2.0 client *", "Create connection",
		"Save & authorize", "How to retrieve the client ID and client secret", "http://127.0.0.1:38917/callback"} {
		if !containsText(w.Content(), label) {
			t.Errorf("window has no %q", label)
		}
	}
	if !h.u.panel.editClient.Disabled() || !h.u.panel.saveAuthorize.Disabled() {
		t.Error("pencil or Save & authorize enabled with no client selected")
	}
	if h.u.panel.delete.Visible() {
		t.Error("Delete shown for a connection that is not saved")
	}
}

func TestClientDialogValidatesInline(t *testing.T) {
	h := newHarness(t, nil)
	h.addClient("Production app", "prod-id")

	test.Tap(h.u.panel.addClient)
	d := shownDialog[*clientDialog](h.u.win)
	if !d.saveButton.Disabled() {
		t.Fatal("Save enabled on an empty form")
	}
	test.Type(d.name, " production APP ")
	if err := d.name.Validate(); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate name (other case, spaces) gave %v; want an 'already exists' message", err)
	}
	d.name.SetText("Sandbox")
	test.Type(d.clientID, "has space")
	if err := d.clientID.Validate(); err == nil || !strings.Contains(err.Error(), "has no spaces") {
		t.Errorf("client ID with a space gave %v", err)
	}
	d.clientID.SetText("sandbox-id")
	if !d.saveButton.Disabled() {
		t.Error("Save enabled without a secret")
	}
	test.Type(d.secret, "x")
	if d.saveButton.Disabled() {
		t.Error("Save still disabled on a valid form")
	}
	d.view.SetSelected(viewHTTP)
	d.port.SetText("70000")
	if err := d.port.Validate(); err == nil || d.saveButton.Disabled() == false {
		t.Errorf("port 70000 accepted (err %v, save enabled %v)", err, !d.saveButton.Disabled())
	}
	if d.callbackURL.Text != "(enter a valid callback port)" {
		t.Errorf("callback URL for a bad port = %q", d.callbackURL.Text)
	}
	d.port.SetText("40001")
	if d.callbackURL.Text != "http://127.0.0.1:40001/callback" {
		t.Errorf("callback URL = %q; want it to follow the port", d.callbackURL.Text)
	}
	test.Tap(d.resetBtn)
	if d.port.Text != "38917" || d.authURL.Text != "https://app.mavenlink.com/oauth/authorize" || d.name.Text != "Sandbox" {
		t.Errorf("Reset to Kantata defaults gave port %q, auth URL %q, name %q", d.port.Text, d.authURL.Text, d.name.Text)
	}

	// Tab follows the form; Escape cancels and saves nothing.
	w := h.u.win
	w.Canvas().Focus(d.name)
	for _, want := range []fyne.Focusable{d.clientID, d.secret} {
		test.FocusNext(w.Canvas())
		if got := w.Canvas().Focused(); got != want {
			t.Fatalf("Tab moved focus to %T; want the next field", got)
		}
	}
	d.secret.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if topOverlay(w) != nil {
		t.Fatal("Escape did not close the client dialog")
	}
	if _, ok := h.store.ClientByName("Sandbox"); ok {
		t.Error("a canceled dialog saved the client")
	}
}

func TestClientDialogAddKeepsSecretInKeychainAndEditAsksAgain(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-id")
	if got, err := h.store.ClientSecret(c.ID); err != nil || got != testSecret {
		t.Fatalf("keychain holds %q, %v; want the typed secret", got, err)
	}
	if h.u.panel.client.Selected != "Production app" || h.u.panel.editClient.Disabled() {
		t.Fatalf("new client not selected in the form (selected %q)", h.u.panel.client.Selected)
	}

	test.Tap(h.u.panel.editClient)
	d := shownDialog[*clientDialog](h.u.win)
	if d.secret.Text != "" || d.name.Text != "Production app" || d.clientID.Text != "prod-id" {
		t.Fatalf("edit dialog: name %q, client ID %q, secret filled %v", d.name.Text, d.clientID.Text, d.secret.Text != "")
	}
	if !containsText(topOverlay(h.u.win), secretEditNote) {
		t.Error("edit dialog does not explain why the secret is asked again")
	}
	if !d.saveButton.Disabled() {
		t.Fatal("Save enabled on edit before the secret was entered again")
	}
	d.clientID.SetText("prod-id-2")
	test.Type(d.secret, "new-secret-value ") // pasted with a trailing space
	test.Tap(d.saveButton)
	h.wait()
	got, _ := h.store.Client(c.ID)
	if got.ClientID != "prod-id-2" {
		t.Errorf("client ID after edit = %q", got.ClientID)
	}
	if s, _ := h.store.ClientSecret(c.ID); s != "new-secret-value" {
		t.Errorf("the keychain holds %q after the edit; want the secret without the pasted space", s)
	}
	if topOverlay(h.u.win) != nil {
		t.Error("dialog still open after a successful save")
	}
}

func TestSaveAndAuthorizeWithBrowser(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	h := newHarness(t, b.Opener((*browsertest.Browser).Authorize))
	h.addClient("Production app", "prod-"+testenv.RandomHex(t))
	p := h.u.panel
	test.Type(p.name, "Kantata production")
	if p.saveAuthorize.Disabled() {
		t.Fatal("Save & authorize disabled on a valid form")
	}
	test.Tap(p.saveAuthorize)
	h.wait()

	if page, err := b.LastResult(); err != nil || !strings.Contains(page, "You're connected") {
		t.Fatalf("browser page %q, %v; want the success page", page, err)
	}
	conn, ok := h.store.ConnectionByName("Kantata production")
	if !ok || conn.Status != store.StatusAuthorized {
		t.Fatalf("connection %+v; want it saved and authorized", conn)
	}
	if p.status.Text != "Authorized as Jane Doe <jane@example.com> · sees 42 projects" {
		t.Errorf("panel status = %q", p.status.Text)
	}
	if !showsSubstring(h.u.list.content, "Authorized as Jane Doe") {
		t.Error("the list does not show who the connection is authorized as")
	}
	if p.test.Disabled() || !p.delete.Visible() {
		t.Error("Test connection or Delete not available for an authorized connection")
	}

	// Test connection checks again and updates the time of the last test.
	before := *conn.LastTestedAt
	time.Sleep(10 * time.Millisecond) // so the new test time differs
	test.Tap(p.test)
	h.wait()
	conn, _ = h.store.Connection(conn.ID)
	if !conn.LastTestedAt.After(before) {
		t.Error("Test connection did not record a new test time")
	}
	if !showsSubstring(topOverlay(h.u.win), "works") {
		t.Error("no confirmation after a good test")
	}
}

func TestSignInCancelFreesPortAndKeepsStatus(t *testing.T) {
	h := newHarness(t, func(string) error { return nil }) // the user never answers in the browser
	h.addClient("Production app", "prod-id")
	test.Type(h.u.panel.name, "Kantata production")
	test.Tap(h.u.panel.saveAuthorize)
	h.runUntil(func() bool {
		return shownDialog[*signInDialog](h.u.win) != nil && shownDialog[*signInDialog](h.u.win).auth != nil
	})
	d := shownDialog[*signInDialog](h.u.win)
	if d == nil || d.auth == nil {
		t.Fatal("the sign-in dialog never showed the sign-in address")
	}
	if !strings.HasPrefix(d.url.Text, h.kantata.AuthURL()+"?") || d.copyURL.Disabled() {
		t.Errorf("sign-in dialog shows %q; want the authorization URL with Copy", d.url.Text)
	}
	var copied string
	h.u.copied = func(s string) { copied = s }
	test.Tap(d.copyURL)
	if copied != d.url.Text {
		t.Error("Copy did not copy the sign-in address")
	}
	if d.copyURL.Text != "Copied" {
		t.Errorf("the Copy address button says %q after a click; want “Copied”", d.copyURL.Text)
	}
	test.Tap(d.cancel)
	h.wait()

	conn, _ := h.store.ConnectionByName("Kantata production")
	if conn.Status != store.StatusNeverAuthorized {
		t.Errorf("status after cancel = %q; want unchanged", conn.Status)
	}
	if top := topOverlay(h.u.win); !containsText(top, "Sign-in canceled; “Kantata production” is still not authorized.") {
		t.Errorf("after cancel the window shows %q; want it to say the connection is still not authorized", texts(top))
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(h.port))
	if err != nil {
		t.Fatalf("callback port still held after cancel: %v", err)
	}
	l.Close()
}

// Canceling a new sign-in of a connection that works says it still works,
// and as whom.
func TestCanceledSignInSaysTheConnectionStillWorks(t *testing.T) {
	h := newHarness(t, func(string) error { return nil })
	c := h.addClient("Production app", "prod-id")
	conn := h.authorizedConnection("Kantata production", c)
	conn, err := h.store.RecordOutcome(conn.ID, func(c *store.Connection) {
		c.Identity = &store.Identity{UserID: "7", FullName: "Jane Doe", Email: "jane@example.com"}
	})
	if err != nil {
		t.Fatal(err)
	}
	h.u.refresh()
	h.selectConnection("Kantata production")
	test.Tap(h.u.panel.saveAuthorize)
	h.runUntil(func() bool {
		return shownDialog[*signInDialog](h.u.win) != nil && shownDialog[*signInDialog](h.u.win).auth != nil
	})
	test.Tap(shownDialog[*signInDialog](h.u.win).cancel)
	h.wait()
	want := "Sign-in canceled; “Kantata production” still works as Jane Doe <jane@example.com>."
	if top := topOverlay(h.u.win); !containsText(top, want) {
		t.Errorf("after cancel the window shows %q; want %q", texts(top), want)
	}
	if after, _ := h.store.Connection(conn.ID); after.Status != store.StatusAuthorized {
		t.Errorf("status after cancel = %q; want it still authorized", after.Status)
	}
}

func TestCallbackHintAppearsWhileWaiting(t *testing.T) {
	h := newHarness(t, func(string) error { return nil }) // Kantata shows its own error page: no callback comes
	h.u.hintAfter = 50 * time.Millisecond
	h.addClient("Production app", "prod-id")
	test.Type(h.u.panel.name, "Kantata production")
	test.Tap(h.u.panel.saveAuthorize)
	h.runUntil(func() bool {
		return shownDialog[*signInDialog](h.u.win) != nil && shownDialog[*signInDialog](h.u.win).hintBox.Visible()
	})
	d := shownDialog[*signInDialog](h.u.win)
	want := "http://127.0.0.1:" + strconv.Itoa(h.port) + "/callback"
	if !d.hintBox.Visible() || !strings.Contains(d.hint.Text, want) {
		t.Fatalf("hint %q (shown %v); want one naming %s", d.hint.Text, d.hintBox.Visible(), want)
	}
	var copied string
	h.u.copied = func(s string) { copied = s }
	test.Tap(d.hintBox.Objects[2].(*fyne.Container).Objects[0].(fyne.Tappable))
	if copied != want {
		t.Errorf("Copy callback URL copied %q", copied)
	}
	test.Tap(d.cancel)
	h.wait()
}

func TestCancelWhileSignInStartsFreesPort(t *testing.T) {
	h := newHarness(t, func(string) error { return nil })
	h.addClient("Production app", "prod-id")
	test.Type(h.u.panel.name, "Kantata production")
	test.Tap(h.u.panel.saveAuthorize)
	h.runUntil(func() bool { return shownDialog[*signInDialog](h.u.win) != nil })
	d := shownDialog[*signInDialog](h.u.win)
	if d == nil || d.auth != nil {
		t.Fatal("want the dialog shown before the sign-in has started")
	}
	test.Tap(d.cancel) // before the browser was even asked to open
	h.wait()
	if top := topOverlay(h.u.win); !containsText(top, "Sign-in canceled; “Kantata production” is still not authorized.") {
		t.Errorf("after an early cancel the window shows %q; want the sign-in dialog gone and the outcome said", texts(top))
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(h.port))
	if err != nil {
		t.Fatalf("callback port still held after an early cancel: %v", err)
	}
	l.Close()
	if conn, _ := h.store.ConnectionByName("Kantata production"); conn.Status != store.StatusNeverAuthorized {
		t.Errorf("status after cancel = %q", conn.Status)
	}
}

func TestPortInUseSaysWhereToChangeIt(t *testing.T) {
	h := newHarness(t, func(string) error { return nil })
	h.addClient("Production app", "prod-id")
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(h.port))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	test.Type(h.u.panel.name, "Kantata production")
	test.Tap(h.u.panel.saveAuthorize)
	h.wait()
	top := topOverlay(h.u.win)
	if !showsSubstring(top, "Port "+strconv.Itoa(h.port)+" is in use") || !showsSubstring(top, "Callback port") {
		t.Errorf("port-in-use dialog: %q", texts(top))
	}
	if h.u.panel.saveAuthorize.Disabled() {
		t.Error("Save & authorize left disabled after the error")
	}
}

func TestDeniedSignInExplainsAndKeepsForm(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	h := newHarness(t, b.Opener((*browsertest.Browser).Deny))
	h.addClient("Production app", "prod-"+testenv.RandomHex(t))
	test.Type(h.u.panel.name, "Kantata production")
	test.Tap(h.u.panel.saveAuthorize)
	h.wait()

	top := topOverlay(h.u.win)
	if top == nil || !showsSubstring(top, "chose not to authorize") || !containsText(top, "Authorization did not complete") {
		t.Fatalf("no plain-language error after Deny; dialog texts: %q", texts(top))
	}
	// The shared message says what happened; the window adds its button.
	if !containsText(top, "You chose not to authorize Kantata Connect in Kantata. Click Save & authorize to try again.") {
		t.Errorf("the Deny dialog does not say to click Save & authorize again: %q", texts(top))
	}
	if h.u.panel.name.Text != "Kantata production" || h.u.panel.client.Selected != "Production app" {
		t.Error("the form lost what the user typed")
	}
	// A choice, not a failure: still not authorized, the reason as a note.
	if h.u.panel.status.Text != "Not authorized yet\nYou chose not to authorize Kantata Connect in Kantata." {
		t.Errorf("panel status = %q; want not authorized yet, with the reason", h.u.panel.status.Text)
	}
}

func TestStartupProblemIsShownAndAppStillWorks(t *testing.T) {
	a := test.NewTempApp(t)
	u := New(a, nil, Options{StartupErr: &store.FileError{Op: "read", Path: "/x/records.json", Err: net.ErrClosed}})
	top := topOverlay(u.win)
	if top == nil || !containsText(top, "Kantata Connect cannot open its records") {
		t.Fatal("a start-up problem was not shown")
	}
	if !u.panel.saveAuthorize.Disabled() {
		t.Error("Save & authorize enabled without records")
	}
}

func TestDeleteClientNamesConnectionsAndTakesThemAlong(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-id")
	test.Type(h.u.panel.name, "Kantata production")
	test.Tap(h.u.panel.save)
	h.wait()
	if _, ok := h.store.ConnectionByName("Kantata production"); !ok {
		t.Fatal("connection not saved")
	}

	test.Tap(h.u.panel.editClient)
	test.Tap(shownDialog[*clientDialog](h.u.win).deleteButton)
	confirm := topOverlay(h.u.win)
	if !showsSubstring(confirm, "“Kantata production”") {
		t.Fatalf("delete confirmation does not name the connection using the client: %q", texts(confirm))
	}
	answerYes(t, h.u.win)
	h.wait()
	if _, ok := h.store.Client(c.ID); ok {
		t.Error("client still saved")
	}
	if _, err := h.store.ClientSecret(c.ID); err == nil {
		t.Error("client secret still in the keychain")
	}
	if len(h.store.Connections()) != 0 || !h.u.list.emptyState.Visible() {
		t.Error("the connection using the client was not deleted with it")
	}
	if h.u.panel.editingID != "" || h.u.panel.name.Text != "" {
		t.Error("the panel still shows the deleted connection")
	}
}

func TestReturnWithNoFieldFocusedSubmitsClientDialog(t *testing.T) {
	h := newHarness(t, nil)
	test.Tap(h.u.panel.addClient)
	d := shownDialog[*clientDialog](h.u.win)
	test.Type(d.name, "Prod")
	test.Type(d.clientID, "prod-id")
	test.Type(d.secret, testSecret)
	h.u.win.Canvas().Unfocus()
	h.u.typedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.wait()
	if _, ok := h.store.ClientByName("Prod"); !ok {
		t.Fatal("Return did not save the client")
	}
}

func TestCorruptRecordsAreExplainedAtStart(t *testing.T) {
	a := test.NewTempApp(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "records.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, testenv.Keychain(t))
	if err != nil {
		t.Fatal(err)
	}
	u := New(a, connect.New(st, nil), Options{})
	top := topOverlay(u.win)
	if top == nil || !showsSubstring(top, "records.json.corrupt-") {
		t.Fatalf("no notice naming the moved-aside copy; dialog texts: %q", texts(top))
	}
	if u.panel.addClient.Disabled() {
		t.Error("the app is not usable after a corrupt records file")
	}
}

// authorizedConnection saves a connection with a real token from the
// stand-in, as a finished sign-in would leave it.
func (h *harness) authorizedConnection(name string, c store.Client) store.Connection {
	h.t.Helper()
	conn, err := h.store.SaveConnection("", name, c.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	tok := h.kantata.IssueToken(h.t, c.ClientID, testSecret, c.RedirectURI())
	if err := h.store.SaveToken(conn.ID, store.Token{AccessToken: tok}); err != nil {
		h.t.Fatal(err)
	}
	conn, err = h.store.RecordOutcome(conn.ID, func(c *store.Connection) {
		now := time.Now()
		c.Status, c.LastAuthorizedAt = store.StatusAuthorized, &now
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return conn
}

func TestTestAllUpdatesEveryRow(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
	h.authorizedConnection("Good", c)
	h.authorizedConnection("Also good", c)
	if _, err := h.store.SaveConnection("", "Never authorized", c.ID); err != nil {
		t.Fatal(err)
	}
	h.u.refresh()

	test.Tap(h.u.list.testAll.button)
	if !h.u.list.testAll.button.Disabled() {
		t.Error("Test all can be clicked again while it runs")
	}
	h.wait()
	for _, name := range []string{"Good", "Also good"} {
		conn, _ := h.store.ConnectionByName(name)
		if conn.LastTestedAt == nil || conn.Identity == nil || conn.Identity.FullName != "Jane Doe" {
			t.Errorf("%s after Test all: %+v; want tested, authorized as Jane Doe", name, conn)
		}
	}
	if got := h.u.list.testAll.summary.Text; !strings.HasPrefix(got, "All 2 tested connections work") {
		t.Errorf("summary = %q", got)
	}
	if !showsSubstring(h.u.list.content, "Authorized as Jane Doe") {
		t.Error("rows do not show the fresh status")
	}

	h.kantata.RevokeAll()
	test.Tap(h.u.list.testAll.button)
	h.wait()
	if got := h.u.list.testAll.summary.Text; !strings.HasPrefix(got, "0 of 2 connections work") {
		t.Errorf("summary after revocation = %q", got)
	}
	if !showsSubstring(h.u.list.content, "Needs re-authorization") {
		t.Error("rows do not show that re-authorization is needed")
	}
}

func TestRevokedTestSaysToSignInAgain(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
	conn := h.authorizedConnection("Good", c)
	h.u.refresh()
	h.u.panel.edit(conn)
	h.kantata.RevokeAll()
	test.Tap(h.u.panel.test)
	h.wait()
	top := topOverlay(h.u.win)
	if !containsText(top, "The connection test failed") ||
		!showsSubstring(top, "it may have been revoked. Click Save & authorize to sign in again.") {
		t.Errorf("dialog after a test of a revoked connection: %q", texts(top))
	}
	if h.u.panel.status.Text != "Needs re-authorization" {
		t.Errorf("panel status = %q", h.u.panel.status.Text)
	}
}

// A changed API URL never gets the old token (issue 19): Test connection
// on a connection whose client's API URL changed asks nobody anything and
// says in plain words that it needs a new sign-in.
func TestChangedAPIURLSendsTheOldTokenNowhere(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
	conn := h.authorizedConnection("Good", c)
	other := fakekantata.NewAt(t, "127.0.0.2")
	settings := c.ClientSettings
	settings.APIBaseURL = other.APIBaseURL()
	if _, err := h.store.SaveClient(c.ID, settings, testSecret); err != nil {
		t.Fatal(err)
	}
	h.u.refresh()
	h.u.panel.edit(conn)
	if h.u.panel.test.Disabled() {
		t.Fatal("Test connection is disabled: the user can't ask why")
	}
	before := h.kantata.MeRequests()
	test.Tap(h.u.panel.test)
	h.wait()
	top := topOverlay(h.u.win)
	if !showsSubstring(top, "“Good” needs a new sign-in, so it was not tested") ||
		!showsSubstring(top, "Its OAuth 2.0 client's settings changed, so its earlier sign-in was deleted.") {
		t.Errorf("dialog after testing a connection whose API URL changed: %q", texts(top))
	}
	if n := other.MeRequests() + h.kantata.MeRequests() - before; n != 0 {
		t.Errorf("the test sent the old token %d times", n)
	}
	if h.u.panel.status.Text != "Needs re-authorization" {
		t.Errorf("panel status = %q", h.u.panel.status.Text)
	}
}

func TestCopyDiagnosticsHasNoSecret(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
	conn := h.authorizedConnection("Good", c)
	h.u.refresh()
	h.u.panel.edit(conn)
	var copied string
	h.u.copied = func(s string) { copied = s }
	test.Tap(h.u.panel.diagnostics)
	h.wait()
	tok, _ := h.store.Token(conn.ID)
	if !strings.Contains(copied, "Good") || !strings.Contains(copied, c.ClientID) {
		t.Fatalf("diagnostics report lacks the connection or client ID:\n%s", copied)
	}
	for _, secret := range []string{testSecret, tok.AccessToken} {
		if strings.Contains(copied, secret) || strings.Contains(copied, secret[:12]) {
			t.Fatal("the diagnostics report contains a secret")
		}
	}
	if !showsSubstring(topOverlay(h.u.win), "no secret") {
		t.Error("no confirmation that the report was copied")
	}
}

func TestChangesFromAnotherInstanceShowOnReturn(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-id")
	// Another instance (the command line, say) works on the same folder.
	other, err := store.Open(filepath.Dir(h.store.Path()), testenv.Keychain(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.SaveConnection("", "Added elsewhere", c.ID); err != nil {
		t.Fatal(err)
	}
	h.u.reloadRecords() // what returning to the window runs
	h.wait()
	if !showsSubstring(h.u.list.content, "Added elsewhere") {
		t.Error("a connection added by another instance does not show after returning to the window")
	}
}

// The window saves a connection's name and client only: what a sign-in or
// test learned is not the form's to write back.
func TestSavingAConnectionKeepsWhatSignInsLearned(t *testing.T) {
	open := func(h *harness, conn store.Connection) {
		h.t.Helper()
		h.u.refresh()
		for i, c := range h.u.list.items {
			if c.ID == conn.ID {
				h.u.list.list.Select(i) // as a click on its row
			}
		}
		if h.u.panel.editingID != conn.ID {
			h.t.Fatal("the connection did not open in the form")
		}
	}

	t.Run("changing the client asks for a new sign-in", func(t *testing.T) {
		h := newHarness(t, nil)
		prod := h.addClient("Production app", "prod-id")
		h.addClient("Sandbox app", "sandbox-id")
		conn := h.authorizedConnection("Production", prod)
		open(h, conn)
		if !strings.Contains(h.u.panel.status.Text, "Authorized") {
			t.Fatalf("status before the change: %q", h.u.panel.status.Text)
		}

		h.u.panel.client.SetSelected("Sandbox app")
		test.Tap(h.u.panel.save)
		h.wait()

		saved, _ := h.store.Connection(conn.ID)
		if saved.Status != store.StatusNeedsReauth {
			t.Errorf("saved status %s after moving to another client, want %s", saved.Status, store.StatusNeedsReauth)
		}
		if h.u.panel.status.Text != "Needs re-authorization" {
			t.Errorf("the form says %q after moving to another client", h.u.panel.status.Text)
		}
	})

	t.Run("a rename keeps another instance's newer outcome", func(t *testing.T) {
		h := newHarness(t, nil)
		prod := h.addClient("Production app", "prod-id")
		conn := h.authorizedConnection("Production", prod)
		open(h, conn)

		// Meanwhile the command line tests it, and Kantata refuses the token.
		other, err := store.Open(filepath.Dir(h.store.Path()), testenv.Keychain(t))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := other.RecordOutcome(conn.ID, func(c *store.Connection) {
			c.Status, c.LastError = store.StatusNeedsReauth, "Kantata no longer accepts this connection's authorization."
		}); err != nil {
			t.Fatal(err)
		}

		h.u.panel.name.SetText("Production EU")
		test.Tap(h.u.panel.save)
		h.wait()

		saved, _ := h.store.Connection(conn.ID)
		if saved.Name != "Production EU" || saved.Status != store.StatusNeedsReauth || saved.LastError == "" {
			t.Errorf("after the rename: %q, %s, %q; want the new name with the other instance's outcome", saved.Name, saved.Status, saved.LastError)
		}
	})
}

// The secret is never displayed as text, so its field offers no control to
// reveal it: no eye (open or struck through), nothing beside it to tap.
func TestSecretFieldHasNoRevealControl(t *testing.T) {
	h := newHarness(t, nil)
	test.Tap(h.u.panel.addClient)
	d := shownDialog[*clientDialog](h.u.win)
	test.Type(d.secret, "s3cret")
	for _, obj := range test.LaidOutObjects(d.secret) {
		if icon, ok := obj.(*widget.Icon); ok && icon.Resource != nil && strings.Contains(icon.Resource.Name(), "visibility") {
			t.Errorf("the secret field shows the %s icon", icon.Resource.Name())
		}
	}
	if d.secret.ActionItem != nil {
		for _, obj := range test.LaidOutObjects(d.secret.ActionItem) {
			if _, ok := obj.(fyne.Tappable); ok {
				t.Errorf("beside the secret is a control to tap: %T", obj)
			}
		}
	}
	if !d.secret.Password {
		t.Error("the secret is typed in plain sight")
	}
}

// Custom endpoints typed in the dialog are accepted, and shown: the dialog
// says which hosts the secrets would go to.
func TestClientDialogShowsWhereSecretsGo(t *testing.T) {
	h := newHarness(t, nil)
	test.Tap(h.u.panel.addClient)
	d := shownDialog[*clientDialog](h.u.win)
	if d.departures.Visible() {
		t.Fatalf("a new client with Kantata's settings shows %q", d.departures.Text)
	}
	d.view.SetSelected(viewHTTP)
	d.apiURL.SetText("https://api.collector.example")
	if !d.departures.Visible() || !strings.Contains(d.departures.Text, "api.collector.example (API base URL)") {
		t.Errorf("a foreign API host shows %q (visible %v)", d.departures.Text, d.departures.Visible())
	}
	d.apiURL.SetText("")
	d.pkce.SetChecked(false)
	if !d.departures.Visible() || !strings.HasPrefix(d.departures.Text, "This client turns PKCE off.") {
		t.Errorf("PKCE off shows %q", d.departures.Text)
	}
	if strings.Contains(d.departures.Text, "hosts") {
		t.Errorf("an empty API URL (Kantata's) is shown as a foreign host: %q", d.departures.Text)
	}
}

// A look-alike host (issue 19) is refused beside its field, names the host
// that would be dialled, and keeps Save disabled; so is an endpoint's own
// OAuth parameter and an invisible character in the client ID.
func TestClientDialogRefusesLookAlikeHosts(t *testing.T) {
	h := newHarness(t, nil)
	test.Tap(h.u.panel.addClient)
	d := shownDialog[*clientDialog](h.u.win)
	test.Type(d.name, "Kantata")
	test.Type(d.clientID, "id")
	test.Type(d.secret, "s3cret")
	if d.saveButton.Disabled() {
		t.Fatal("Save disabled on a valid form")
	}
	d.view.SetSelected(viewHTTP)
	for _, tc := range []struct {
		name  string
		entry *escEntry
		value string
		says  string
	}{
		{"dotted capital I in the authorization URL", d.authURL, "https://app.mavenl\u0130nk.com/oauth/authorize", "would go to app.xn--mavenlink-ckf.com"},
		{"dotted capital I in the token URL", d.tokenURL, "https://app.mavenl\u0130nk.com/oauth/token", "“İ” (U+0130) in its host name"},
		{"Cyrillic a in the API URL", d.apiURL, "https://\u0430pi.mavenlink.com", "would go to xn--pi-6kc.mavenlink.com"},
		{"client_id in the authorization URL", d.authURL, "https://app.mavenlink.com/oauth/authorize?client_id=theirs", "OAuth parameter “client_id”"},
		{"zero-width space in the client ID", d.clientID, "prod\u200Bid", "invisible character U+200B (zero-width space)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := tc.entry.Text
			defer tc.entry.SetText(old)
			tc.entry.SetText(tc.value)
			err := tc.entry.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%q gave %v; want it to say %q", tc.value, err, tc.says)
			}
			if !d.saveButton.Disabled() {
				t.Error("Save enabled")
			}
		})
	}
	if d.saveButton.Disabled() {
		t.Error("Save still disabled once every field is right again")
	}
}

// While a sign-in waits, the dialog counts down, and says at once when this
// computer can't reach Kantata's sign-in page at all — a warning: the wait
// goes on, since the browser may get there through a proxy.
func TestSignInCountsDownAndWarnsWhenKantataIsUnreachable(t *testing.T) {
	for _, tc := range []struct {
		name        string
		unreachable bool
		proxyGone   bool // HTTPS_PROXY names a proxy nothing answers at
	}{{"Kantata answers", false, false}, {"nothing answers", true, false}, {"the proxy is gone", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(string) error { return nil }) // the user never answers in the browser
			c := h.addClient("Production app", "prod-id")
			closed := testenv.FreePort(t)
			if tc.unreachable {
				s := c.ClientSettings
				s.AuthURL = "http://127.0.0.1:" + strconv.Itoa(closed) + "/oauth/authorize"
				if tc.proxyGone {
					// Loopback is never proxied: a name the proxy would lead to.
					s.AuthURL = "https://kantata.proxy-only.test/oauth/authorize"
					t.Setenv("HTTPS_PROXY", "http://127.0.0.1:"+strconv.Itoa(closed))
					t.Setenv("NO_PROXY", "")
				}
				if _, err := h.store.SaveClient(c.ID, s, testSecret); err != nil {
					t.Fatal(err)
				}
			}
			test.Type(h.u.panel.name, "Kantata production")
			test.Tap(h.u.panel.saveAuthorize)
			h.runUntil(func() bool {
				return shownDialog[*signInDialog](h.u.win) != nil && shownDialog[*signInDialog](h.u.win).reached
			})
			d := shownDialog[*signInDialog](h.u.win)
			if d == nil || d.auth == nil {
				t.Fatal("the sign-in never started")
			}
			if !strings.HasPrefix(d.timeLeft.Text, "Time left: 4:5") && d.timeLeft.Text != "Time left: 5:00" {
				t.Errorf("countdown shows %q; want about 5 minutes left", d.timeLeft.Text)
			}
			want := "This computer couldn't reach 127.0.0.1:" + strconv.Itoa(closed) + ": check the internet connection or proxy. If your browser shows Kantata anyway, carry on."
			if tc.proxyGone {
				want = "This computer couldn't reach its proxy, 127.0.0.1:" + strconv.Itoa(closed) + " (from the environment: " +
					"HTTPS_PROXY): check the proxy settings and the internet connection. If your browser shows Kantata anyway, carry on."
			}
			if tc.unreachable && (!d.reach.Visible() || d.reach.Text != want) {
				t.Errorf("warning %q (visible %v); want %q", d.reach.Text, d.reach.Visible(), want)
			}
			if !tc.unreachable && d.reach.Visible() {
				t.Errorf("a warning while Kantata answers: %q", d.reach.Text)
			}
			if !d.waiting() || d.cancel.Disabled() {
				t.Error("the warning ended the sign-in; it must go on waiting")
			}
			test.Tap(d.cancel)
			h.wait()
		})
	}
}

func TestTimeLeftText(t *testing.T) {
	for in, want := range map[time.Duration]string{
		5 * time.Minute: "Time left: 5:00", 299*time.Second + 600*time.Millisecond: "Time left: 5:00",
		61 * time.Second: "Time left: 1:01", 9 * time.Second: "Time left: 0:09", -time.Second: "Time left: 0:00",
	} {
		t.Run(in.String(), func(t *testing.T) {
			if got := timeLeftText(in); got != want {
				t.Errorf("timeLeftText(%v) = %q, want %q", in, got, want)
			}
		})
	}
}

// Closing the window while a sign-in waits asks first; keeping it waits on,
// quitting cancels the sign-in and frees the callback port.
func TestClosingWhileSigningInAsksFirst(t *testing.T) {
	h := newHarness(t, func(string) error { return nil })
	h.addClient("Production app", "prod-id")
	test.Type(h.u.panel.name, "Kantata production")
	test.Tap(h.u.panel.saveAuthorize)
	h.runUntil(func() bool {
		return shownDialog[*signInDialog](h.u.win) != nil && shownDialog[*signInDialog](h.u.win).auth != nil
	})
	d := shownDialog[*signInDialog](h.u.win)

	h.u.requestClose()
	if !showsSubstring(topOverlay(h.u.win), "A sign-in is still waiting") {
		t.Fatalf("closing while signing in did not ask: %q", texts(topOverlay(h.u.win)))
	}
	tapButton(t, topOverlay(h.u.win), "Keep waiting")
	if !d.waiting() || !containsText(topOverlay(h.u.win), "Cancel sign-in") {
		t.Fatal("keeping the window open ended the sign-in")
	}
	h.u.requestClose()
	answerYes(t, h.u.win) // Quit
	h.wait()
	if d.waiting() {
		t.Error("quitting left the sign-in waiting")
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(h.port))
	if err != nil {
		t.Fatalf("the callback port is still held after quitting: %v", err)
	}
	l.Close()
}
