package gui

// Tests of the minor items of issue 16: what a first-time user and a support
// engineer tripped over in the window.

import (
	"image/color"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/store"
)

// clickRow selects the connection named name in the list, as a click on its row.
func (h *harness) clickRow(name string) {
	h.t.Helper()
	for i, c := range h.u.list.items {
		if c.Name == name {
			h.u.list.list.Select(i)
			return
		}
	}
	h.t.Fatalf("no row %q in the list", name)
}

// runQueued plays the UI thread for one function a goroutine handed it
// outside background work (a timer, the records watcher).
func (h *harness) runQueued() {
	h.t.Helper()
	select {
	case f := <-h.queue:
		f()
	case <-time.After(10 * time.Second): // hang guard only
		h.t.Fatal("nothing was handed to the UI thread")
	}
}

// otherInstance is another window or the command line on the same records.
func (h *harness) otherInstance() *store.Store {
	h.t.Helper()
	other, err := store.Open(filepath.Dir(h.store.Path()), testenv.Keychain(h.t))
	if err != nil {
		h.t.Fatal(err)
	}
	return other
}

func TestConnectionsListByKeyboard(t *testing.T) {
	t.Run("Tab goes from New connection to the list, and Return opens the focused row", func(t *testing.T) {
		h := newHarness(t, nil)
		c := h.addClient("Production app", "prod-id")
		for _, name := range []string{"Alpha", "Beta"} {
			if _, err := h.store.SaveConnection("", name, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		h.u.refresh()
		w := h.u.win
		w.Canvas().Focus(h.u.list.newButton)
		test.FocusNext(w.Canvas())
		if got := w.Canvas().Focused(); got != h.u.list.list {
			t.Fatalf("Tab after New connection went to %T; want the connections list", got)
		}
		pressKey(w, fyne.KeyDown)
		pressKey(w, fyne.KeyReturn)
		if beta, _ := h.store.ConnectionByName("Beta"); h.u.panel.editingID != beta.ID {
			t.Errorf("Down, Return on the list opened %q; want Beta", h.u.panel.name.Text)
		}
	})

	t.Run("the focused row of the list shows", func(t *testing.T) {
		h := newHarness(t, nil)
		c := h.addClient("Production app", "prod-id")
		if _, err := h.store.SaveConnection("", "Alpha", c.ID); err != nil {
			t.Fatal(err)
		}
		h.u.refresh()
		w := h.u.win
		row := h.u.list.list
		x, y := row.Size().Width-8, float32(20) // inside the first row, right of its text
		before := pixelAt(w, row, x, y)
		w.Canvas().Focus(row)
		if d := colorDistance(before, pixelAt(w, row, x, y)); d < 40 {
			t.Errorf("the focused row differs from an unfocused one by %d; want a visible mark (40 or more)", d)
		}
	})
}

// A focused button has a ring around it, as a native button does: Fyne's
// own mark, a tint over the button, hardly shows over a primary button such
// as Save & authorize. The ring reads at 3:1 against the window at least.
func TestFocusShowsOnEveryKindOfButton(t *testing.T) {
	h := newHarness(t, nil)
	h.addClient("Production app", "prod-id")
	p := h.u.panel
	test.Type(p.name, "Kantata production")
	test.Tap(p.save)
	h.wait()
	w := h.u.win
	for name, b := range map[string]fyne.Focusable{"Save & authorize (primary)": p.saveAuthorize,
		"Save": p.save, "Delete (danger)": p.delete} {
		o := b.(fyne.CanvasObject)
		y := o.Size().Height / 2
		// Across the left edge of the button, where its ring goes.
		xs := []float32{-4, -3, -2, -1, 0, 1, 2, 3, 4}
		w.Canvas().Unfocus()
		var before []color.Color
		for _, x := range xs {
			before = append(before, pixelAt(w, o, x, y))
		}
		w.Canvas().Focus(b)
		if w.Canvas().Focused() != b {
			t.Fatalf("%s cannot take the focus", name)
		}
		best := 1.0
		for i, x := range xs {
			best = max(best, contrast(pixelAt(w, o, x, y), before[i]))
		}
		if best < 3 {
			t.Errorf("focused %s: its ring reads at %.2f:1 against the window; want 3:1 or more", name, best)
		}
		w.Canvas().Unfocus()
		for i, x := range xs {
			if colorDistance(before[i], pixelAt(w, o, x, y)) != 0 {
				t.Errorf("%s, no longer focused, still shows a ring", name)
				break
			}
		}
	}
}

func TestEscapeClosesDeleteConfirmations(t *testing.T) {
	t.Run("of a connection", func(t *testing.T) {
		h := newHarness(t, nil)
		h.addClient("Production app", "prod-id")
		test.Type(h.u.panel.name, "Kantata production")
		test.Tap(h.u.panel.save)
		h.wait()
		test.Tap(h.u.panel.delete)
		if !showsSubstring(topOverlay(h.u.win), "Delete the connection") {
			t.Fatal("no delete confirmation")
		}
		pressKey(h.u.win, fyne.KeyEscape)
		if top := topOverlay(h.u.win); top != nil {
			t.Fatalf("Escape left the confirmation open: %q", texts(top))
		}
		h.wait()
		if _, ok := h.store.ConnectionByName("Kantata production"); !ok {
			t.Error("Escape deleted the connection")
		}
	})

	t.Run("of a client, then the client dialog", func(t *testing.T) {
		h := newHarness(t, nil)
		h.addClient("Production app", "prod-id")
		test.Tap(h.u.panel.editClient)
		test.Tap(shownDialog[*clientDialog](h.u.win).deleteButton)
		pressKey(h.u.win, fyne.KeyEscape)
		if top := topOverlay(h.u.win); !containsText(top, "Edit OAuth 2.0 client") {
			t.Fatalf("after Escape the top dialog shows %q; want the client dialog again", texts(top))
		}
		pressKey(h.u.win, fyne.KeyEscape)
		if top := topOverlay(h.u.win); top != nil {
			t.Fatalf("the second Escape left %q open", texts(top))
		}
		h.wait()
		if _, ok := h.store.ClientByName("Production app"); !ok {
			t.Error("Escape deleted the client")
		}
	})
}

// A click on a control other than a field leaves the focus on it, and Fyne
// hands keys to the focused widget only.
func TestEscapeClosesClientDialogWhateverHasTheFocus(t *testing.T) {
	for _, tc := range []struct {
		name string
		use  func(t *testing.T, d *clientDialog)
	}{
		{"the View radio", func(t *testing.T, d *clientDialog) { tapRadio(t, d.u.win, d.view, viewHTTP) }},
		{"the View radio, back to Simple", func(t *testing.T, d *clientDialog) {
			tapRadio(t, d.u.win, d.view, viewHTTP)
			tapRadio(t, d.u.win, d.view, viewSimple)
		}},
		{"the PKCE check box", func(t *testing.T, d *clientDialog) {
			d.view.SetSelected(viewHTTP)
			test.Tap(d.pkce)
		}},
		{"the client authentication select", func(t *testing.T, d *clientDialog) {
			d.view.SetSelected(viewHTTP)
			d.u.win.Canvas().Focus(d.clientAuth)
		}},
		{"the Reset button", func(t *testing.T, d *clientDialog) {
			d.view.SetSelected(viewHTTP)
			d.u.win.Canvas().Focus(d.resetBtn)
		}},
	} {
		t.Run("after "+tc.name+" was used", func(t *testing.T) {
			h := newHarness(t, nil)
			test.Tap(h.u.panel.addClient)
			tc.use(t, shownDialog[*clientDialog](h.u.win))
			if h.u.win.Canvas().Focused() == nil {
				t.Fatal("nothing has the focus")
			}
			pressKey(h.u.win, fyne.KeyEscape)
			if top := topOverlay(h.u.win); top != nil {
				t.Errorf("Escape left the client dialog open (focus on %T)", h.u.win.Canvas().Focused())
			}
		})
	}
}

// Return in the connection's name saves it, as Return in a dialog does.
func TestReturnInConnectionNameSaves(t *testing.T) {
	h := newHarness(t, nil)
	h.addClient("Production app", "prod-id")
	h.u.win.Canvas().Focus(h.u.panel.name)
	test.Type(h.u.panel.name, "Kantata production")
	pressKey(h.u.win, fyne.KeyReturn)
	h.wait()
	conn, ok := h.store.ConnectionByName("Kantata production")
	if !ok {
		t.Fatal("Return in the name field did not save the connection")
	}
	if h.u.panel.editingID != conn.ID {
		t.Error("the form does not show the saved connection")
	}
}

func TestConnectionDeletedElsewhereIsDropped(t *testing.T) {
	for _, tc := range []struct {
		name string
		act  func(h *harness)
	}{
		{"Save", func(h *harness) {
			h.u.panel.name.SetText("Renamed")
			test.Tap(h.u.panel.save)
		}},
		{"Delete", func(h *harness) {
			test.Tap(h.u.panel.delete)
			answerYes(t, h.u.win)
		}},
		{"Test connection", func(h *harness) { test.Tap(h.u.panel.test) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
			gone := h.authorizedConnection("Alpha", c)
			h.authorizedConnection("Beta", c)
			h.u.refresh()
			h.clickRow("Alpha")
			if err := h.otherInstance().DeleteConnection(gone.ID); err != nil {
				t.Fatal(err)
			}

			tc.act(h)
			h.wait()
			if !showsSubstring(topOverlay(h.u.win), "no longer exists") {
				t.Fatalf("no 'no longer exists' message: %q", texts(topOverlay(h.u.win)))
			}
			for _, row := range h.u.list.items {
				if row.ID == gone.ID {
					t.Error("the deleted connection is still listed")
				}
			}
			if h.u.list.selected != -1 {
				t.Errorf("row %d is still selected", h.u.list.selected)
			}
			if h.u.panel.editingID != "" || h.u.panel.name.Text != "" {
				t.Errorf("the form still shows %q", h.u.panel.name.Text)
			}
		})
	}
}

func TestLeavingANewConnectionAsks(t *testing.T) {
	// start has a saved connection and a new one named but not saved.
	start := func(t *testing.T) (*harness, store.Connection) {
		h := newHarness(t, nil)
		c := h.addClient("Production app", "prod-id")
		saved, err := h.store.SaveConnection("", "Saved one", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		h.u.refresh()
		test.Type(h.u.panel.name, "Half done")
		return h, saved
	}
	question := "Discard the new connection “Half done”?"
	keptDraft := func(t *testing.T, h *harness) {
		t.Helper()
		if top := topOverlay(h.u.win); top != nil {
			t.Fatalf("the question is still open: %q", texts(top))
		}
		if p := h.u.panel; p.editingID != "" || p.name.Text != "Half done" || p.client.Selected != "Production app" {
			t.Errorf("the draft was not kept: editing %q, name %q, client %q", p.editingID, p.name.Text, p.client.Selected)
		}
		if h.u.list.selected != -1 {
			t.Errorf("row %d is selected while the new connection is shown", h.u.list.selected)
		}
	}

	t.Run("clicking a row asks, and Keep editing keeps the draft", func(t *testing.T) {
		h, _ := start(t)
		h.clickRow("Saved one")
		top := topOverlay(h.u.win)
		if !showsSubstring(top, question) {
			t.Fatalf("no question before the draft is dropped; shown: %q", texts(top))
		}
		tapButton(t, top, "Keep editing")
		keptDraft(t, h)
	})

	t.Run("Discard opens the clicked row", func(t *testing.T) {
		h, saved := start(t)
		h.clickRow("Saved one")
		tapButton(t, topOverlay(h.u.win), "Discard")
		if h.u.panel.editingID != saved.ID || h.u.panel.name.Text != "Saved one" {
			t.Errorf("after Discard the form shows %q", h.u.panel.name.Text)
		}
	})

	t.Run("New connection asks too, and Escape keeps editing", func(t *testing.T) {
		h, _ := start(t)
		test.Tap(h.u.list.newButton)
		if !showsSubstring(topOverlay(h.u.win), question) {
			t.Fatalf("New connection dropped the draft without asking; shown: %q", texts(topOverlay(h.u.win)))
		}
		pressKey(h.u.win, fyne.KeyEscape)
		keptDraft(t, h)
	})

	t.Run("nothing typed, nothing asked", func(t *testing.T) {
		h, saved := start(t)
		h.u.panel.name.SetText("")
		h.clickRow("Saved one")
		if top := topOverlay(h.u.win); top != nil {
			t.Fatalf("asked about an empty form: %q", texts(top))
		}
		if h.u.panel.editingID != saved.ID {
			t.Error("the row did not open")
		}
	})
}

func TestEditDialogShowsForeignEndpoints(t *testing.T) {
	edit := func(t *testing.T, settings store.ClientSettings) *clientDialog {
		t.Helper()
		h := newHarness(t, nil)
		if _, err := h.store.SaveClient("", settings, testSecret); err != nil {
			t.Fatal(err)
		}
		h.u.refresh()
		h.u.panel.client.SetSelected(settings.Name)
		test.Tap(h.u.panel.editClient)
		return shownDialog[*clientDialog](h.u.win)
	}

	t.Run("endpoints on other hosts: the HTTP view, and a warning with the hosts in both views", func(t *testing.T) {
		c := store.DefaultClientSettings()
		c.Name, c.ClientID, c.APIBaseURL = "Collector", "collector-id", "https://api.collector.example"
		d := edit(t, c)
		if d.view.Selected != viewHTTP {
			t.Errorf("the edit dialog opened in the %s view; want %s", d.view.Selected, viewHTTP)
		}
		if !d.departures.Visible() || !strings.Contains(d.departures.Text, "api.collector.example") {
			t.Errorf("HTTP view warning %q (shown %v); want the host named", d.departures.Text, d.departures.Visible())
		}
		tapRadio(t, d.u.win, d.view, viewSimple)
		if !d.departures.Visible() || !strings.Contains(d.departures.Text, "api.collector.example") ||
			!strings.Contains(d.departures.Text, "View: HTTP") {
			t.Errorf("Simple view warning %q (shown %v); want the host and where to see it", d.departures.Text, d.departures.Visible())
		}
	})

	t.Run("PKCE off: the HTTP view", func(t *testing.T) {
		c := store.DefaultClientSettings()
		c.Name, c.ClientID, c.PKCE = "No PKCE", "nopkce-id", false
		if d := edit(t, c); d.view.Selected != viewHTTP {
			t.Errorf("opened in the %s view", d.view.Selected)
		}
	})

	t.Run("Kantata's endpoints: the Simple view, no warning", func(t *testing.T) {
		c := store.DefaultClientSettings()
		c.Name, c.ClientID = "Kantata OX app", "kantata-id"
		d := edit(t, c)
		if d.view.Selected != viewSimple || d.departures.Visible() {
			t.Errorf("opened in the %s view, warning %q shown %v", d.view.Selected, d.departures.Text, d.departures.Visible())
		}
	})
}

func TestCopyButtonsSayCopied(t *testing.T) {
	for _, tc := range []struct {
		name string
		find func(h *harness) *escButton
	}{
		{"the callback URL in the steps", func(h *harness) *escButton { return h.u.panel.copyCallback }},
		{"the callback URL in the client dialog", func(h *harness) *escButton {
			test.Tap(h.u.panel.addClient)
			return shownDialog[*clientDialog](h.u.win).copyCallback
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			var timers []func()
			h.u.after = func(d time.Duration, f func()) {
				if d != copiedFor {
					t.Errorf("Copied shows for %v; want %v", d, copiedFor)
				}
				timers = append(timers, f)
			}
			var copied string
			h.u.copied = func(s string) { copied = s }
			b := tc.find(h)

			test.Tap(b)
			if copied != "http://127.0.0.1:38917/callback" {
				t.Errorf("copied %q", copied)
			}
			if b.Text != "Copied" || b.Icon.Name() != theme.ConfirmIcon().Name() {
				t.Fatalf("after a click the button shows %q with icon %s; want Copied with a check", b.Text, b.Icon.Name())
			}
			test.Tap(b) // again before the first moment has passed
			if len(timers) != 2 {
				t.Fatalf("%d timers; want one a click", len(timers))
			}
			timers[0]()
			h.runQueued()
			if b.Text != "Copied" {
				t.Errorf("the first click's moment ended the second's: %q", b.Text)
			}
			timers[1]()
			h.runQueued()
			if b.Text != "Copy" || b.Icon.Name() != theme.ContentCopyIcon().Name() {
				t.Errorf("after the moment the button shows %q with icon %s; want Copy again", b.Text, b.Icon.Name())
			}
		})
	}
}

func TestDeleteConfirmationFitsItsText(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(h *harness)
	}{
		{"connection", func(h *harness) {
			test.Type(h.u.panel.name, "Kantata production")
			test.Tap(h.u.panel.save)
			h.wait()
			test.Tap(h.u.panel.delete)
		}},
		{"client", func(h *harness) {
			test.Tap(h.u.panel.editClient)
			test.Tap(shownDialog[*clientDialog](h.u.win).deleteButton)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.addClient("Production app", "prod-id")
			tc.open(h)
			top := topOverlay(h.u.win)
			var message *widget.Label
			for _, o := range test.LaidOutObjects(top) {
				if l, ok := o.(*widget.Label); ok && strings.HasPrefix(l.Text, "Delete the ") {
					message = l
				}
			}
			if message == nil {
				t.Fatalf("no message in %q", texts(top))
			}
			given, needed := message.Size().Height, message.MinSize().Height
			if given > needed+2*theme.Padding() {
				t.Errorf("the message has %.0f px of height for %.0f px of text: an empty area of %.0f px",
					given, needed, given-needed)
			}
		})
	}
}

func TestClientDialogShowsProblemsOnlyOnceTouched(t *testing.T) {
	t.Run("switching to the HTTP view shows no error", func(t *testing.T) {
		h := newHarness(t, nil)
		test.Tap(h.u.panel.addClient)
		tapRadio(t, h.u.win, shownDialog[*clientDialog](h.u.win).view, viewHTTP)
		if errs := shownErrors(topOverlay(h.u.win)); len(errs) > 0 {
			t.Errorf("an untouched dialog shows %q", errs)
		}
	})

	t.Run("a field typed in and emptied says what it needs", func(t *testing.T) {
		h := newHarness(t, nil)
		test.Tap(h.u.panel.addClient)
		d := shownDialog[*clientDialog](h.u.win)
		test.Type(d.name, "x")
		d.name.SetText("")
		h.u.win.Canvas().Focus(d.clientID)
		if errs := shownErrors(topOverlay(h.u.win)); !strings.Contains(strings.Join(errs, "|"), "Enter a name.") {
			t.Errorf("an emptied name shows %q; want its problem", errs)
		}
	})

	t.Run("trying to save shows every problem", func(t *testing.T) {
		h := newHarness(t, nil)
		test.Tap(h.u.panel.addClient)
		d := shownDialog[*clientDialog](h.u.win)
		pressKey(h.u.win, fyne.KeyReturn) // in the name field
		errs := strings.Join(shownErrors(topOverlay(h.u.win)), "|")
		for _, want := range []string{"Enter a name.", "Enter the client ID"} {
			if !strings.Contains(errs, want) {
				t.Errorf("after a save was tried the dialog shows %q; want %q", errs, want)
			}
		}
		if h.u.win.Canvas().Focused() != d.name {
			t.Error("the focus is not on the first field with a problem")
		}
	})
}

func TestHowToFoldsAwayOnceAuthorized(t *testing.T) {
	h := newHarness(t, nil)
	help := h.u.panel.help
	if !help.Items[0].Open {
		t.Fatal("a first-time user does not see the steps")
	}
	c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
	if !help.Items[0].Open {
		t.Error("the steps folded away before any connection worked")
	}
	h.authorizedConnection("Production", c)
	h.u.refresh() // as after a sign-in
	if help.Items[0].Open {
		t.Error("the steps are still open after a connection was authorized")
	}
	help.Open(0) // the user wants them again
	h.u.refresh()
	if !help.Items[0].Open {
		t.Error("the steps folded away again after the user opened them")
	}
}

func TestRecordsChangedElsewhereShowWithoutRefocus(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-id")
	ticks := make(chan time.Time)
	stop := h.u.watchRecords(ticks)
	defer stop()

	// Nothing changed: a look costs a stat and nothing reaches the UI.
	ticks <- time.Now()
	ticks <- time.Now() // taken only once the first look is over
	select {
	case <-h.queue:
		t.Fatal("an unchanged records file was reloaded")
	default:
	}

	if _, err := h.otherInstance().SaveConnection("", "Added elsewhere", c.ID); err != nil {
		t.Fatal(err)
	}
	ticks <- time.Now()
	h.runQueued()
	h.wait()
	if !showsSubstring(h.u.list.content, "Added elsewhere") {
		t.Error("a connection added by another instance does not show")
	}

	stop()
	if _, err := h.otherInstance().SaveConnection("", "After closing", c.ID); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case ticks <- time.Now():
		case <-time.After(100 * time.Millisecond): // stopped: nobody takes it
		}
	}
	select {
	case <-h.queue:
		t.Error("the records were reloaded after the watch stopped")
	default:
	}
}

func TestTestConnectionIsEnabledWhenThereIsATokenToTest(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name         string
		status       store.Status
		authorizedAt *time.Time
		want         bool
	}{
		{"not authorized yet", store.StatusNeverAuthorized, nil, false},
		{"the first sign-in failed", store.StatusFailed, nil, false},
		{"authorized", store.StatusAuthorized, &now, true},
		{"a later sign-in failed", store.StatusFailed, &now, true},
		{"needs re-authorization", store.StatusNeedsReauth, &now, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			c := h.addClient("Production app", "prod-id")
			conn, err := h.store.SaveConnection("", "Production", c.ID)
			if err != nil {
				t.Fatal(err)
			}
			conn, err = h.store.RecordOutcome(conn.ID, func(c *store.Connection) {
				c.Status, c.LastAuthorizedAt = tc.status, tc.authorizedAt
			})
			if err != nil {
				t.Fatal(err)
			}
			h.u.refresh()
			h.clickRow("Production")
			if enabled := !h.u.panel.test.Disabled(); enabled != tc.want {
				t.Errorf("Test connection enabled = %v; want %v", enabled, tc.want)
			}
		})
	}
}
