package gui

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/store"
)

// newHTTPSignInHarness is a harness whose browser clicks Authorize at the
// stand-in over plain HTTP and follows the redirect to the app's callback:
// a real sign-in without Chromium.
func newHTTPSignInHarness(t *testing.T) *harness {
	var wg sync.WaitGroup
	var h *harness
	h = newHarness(t, func(authURL string) error {
		wg.Go(func() {
			callback, err := h.kantata.AuthorizeOverHTTP(authURL)
			if err != nil {
				t.Errorf("browser: %v", err)
				return
			}
			resp, err := http.Get(callback.String())
			if err != nil {
				t.Errorf("browser: the callback: %v", err)
				return
			}
			resp.Body.Close()
		})
		return nil
	})
	t.Cleanup(wg.Wait)
	return h
}

// selectConnection clicks the row of the connection called name.
func (h *harness) selectConnection(name string) {
	h.t.Helper()
	for i, c := range h.u.list.items {
		if c.Name == name {
			h.u.list.list.Select(i)
			return
		}
	}
	h.t.Fatalf("no row for %q", name)
}

// Test all's summary counts the list as it is now, not as the last run left
// it: later deletes and sign-ins show, and connections never authorized are
// not tested rather than failed.
func TestTestAllSummaryFollowsTheList(t *testing.T) {
	h := newHTTPSignInHarness(t)
	c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
	for _, name := range []string{"Alpha", "Beta", "Gamma"} {
		h.authorizedConnection(name, c)
	}
	if _, err := h.store.SaveConnection("", "Never authorized", c.ID); err != nil {
		t.Fatal(err)
	}
	failed, err := h.store.SaveConnection("", "Sign-in denied", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.RecordOutcome(failed.ID, func(c *store.Connection) {
		c.Status, c.LastError = store.StatusFailed, "You chose not to authorize Kantata Connect in Kantata."
	}); err != nil {
		t.Fatal(err)
	}
	h.u.refresh()
	bar := h.u.list.testAll
	summary := func() string {
		if !bar.summary.Visible() {
			return "(hidden)"
		}
		return bar.summary.Text
	}
	expect := func(t *testing.T, parts ...string) {
		t.Helper()
		for _, part := range parts {
			if !strings.Contains(summary(), part) {
				t.Errorf("summary %q; want %q in it", summary(), part)
			}
		}
	}

	t.Run("never authorized are not tested, not failures", func(t *testing.T) {
		if summary() != "(hidden)" {
			t.Errorf("summary %q before the first Test all", summary())
		}
		test.Tap(bar.button)
		h.wait()
		expect(t, "All 3 tested connections work (", ". 2 are not authorized yet, so they were not tested.")
	})

	t.Run("a connection deleted since is gone from it", func(t *testing.T) {
		h.kantata.RevokeAll()
		test.Tap(bar.button)
		h.wait()
		expect(t, "0 of 3 connections work; the others say why (")
		h.selectConnection("Beta")
		test.Tap(h.u.panel.delete)
		answerYes(t, h.u.win)
		h.wait()
		if _, ok := h.store.ConnectionByName("Beta"); ok {
			t.Fatal("Beta was not deleted")
		}
		expect(t, "0 of 2 connections work; the others say why (", "2 are not authorized yet")
	})

	t.Run("a connection signed in since works", func(t *testing.T) {
		h.kantata.SetProjectCount(0)
		h.selectConnection("Alpha")
		test.Tap(h.u.panel.saveAuthorize)
		h.wait()
		if conn, _ := h.store.ConnectionByName("Alpha"); conn.Status != store.StatusAuthorized {
			t.Fatalf("the sign-in did not finish: %+v", conn)
		}
		expect(t, "1 of 2 connections work; the others say why (", "2 are not authorized yet",
			" 1 sees no projects in Kantata.")
	})

	t.Run("a connection authorized for the first time since works", func(t *testing.T) {
		h.kantata.SetProjectCount(42)
		h.selectConnection("Never authorized")
		test.Tap(h.u.panel.saveAuthorize)
		h.wait()
		expect(t, "2 of 3 connections work; the others say why (", " 1 is not authorized yet, so it was not tested.",
			" 1 sees no projects in Kantata.")
	})
}

// Test all offers Cancel while it runs; Cancel stops the tests, leaves every
// connection as it was and says so. The stand-in holds users/me for an
// hour, so only Cancel ends the run.
func TestTestAllCanBeCanceled(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
	h.authorizedConnection("Alpha", c)
	h.authorizedConnection("Beta", c)
	h.u.refresh()
	bar := h.u.list.testAll
	test.Tap(bar.button)
	h.wait()
	before := h.store.Connections()

	h.kantata.SetMeMode(fakekantata.MeSlow)
	h.kantata.SetSlowDelay(time.Hour)
	test.Tap(bar.button)
	cancel := visibleButton(h.u.list.content, "Cancel")
	if cancel == nil || cancel.Disabled() {
		t.Fatalf("no Cancel while Test all runs: %q", texts(h.u.list.content))
	}
	if bar.summary.Visible() || !bar.button.Disabled() {
		t.Errorf("while Test all runs: summary shown %v, Test all enabled %v", bar.summary.Visible(), !bar.button.Disabled())
	}
	test.Tap(cancel)
	h.wait()

	for i, after := range h.store.Connections() {
		if !after.UpdatedAt.Equal(before[i].UpdatedAt) || after.Status != before[i].Status {
			t.Errorf("%s changed by a canceled Test all:\n%+v\nwas\n%+v", after.Name, after, before[i])
		}
	}
	if !strings.HasPrefix(bar.summary.Text, "Test all was canceled (") || !bar.summary.Visible() ||
		!strings.HasSuffix(bar.summary.Text, "): no connection was changed.") {
		t.Errorf("summary after Cancel %q (shown %v)", bar.summary.Text, bar.summary.Visible())
	}
	if bar.button.Disabled() || bar.button.Text != "Test all" || visibleButton(h.u.list.content, "Cancel") != nil {
		t.Errorf("after Cancel: %q, Test all disabled %v", texts(h.u.list.content), bar.button.Disabled())
	}
	if top := topOverlay(h.u.win); top != nil {
		t.Errorf("a dialog after Cancel: %q", texts(top))
	}
}

// The note after a canceled Test all counts the tests that finished; a
// connection never authorized is not a test, as in the summary.
func TestCanceledNote(t *testing.T) {
	at := time.Date(2025, 3, 4, 9, 30, 0, 0, time.Local)
	canceled := connect.TestResult{Err: &kantata.Error{Kind: kantata.KindCanceled}}
	works := connect.TestResult{}
	fails := connect.TestResult{Err: &kantata.Error{Kind: kantata.KindRejected}}
	noToken := connect.TestResult{Err: &connect.NotAuthorizedError{Name: "Sign-in denied"}}
	skipped := connect.TestResult{Skipped: true}
	for _, tc := range []struct {
		name    string
		results []connect.TestResult
		want    string
	}{
		{"not canceled", []connect.TestResult{works, fails, noToken, skipped}, ""},
		{"none finished", []connect.TestResult{canceled, canceled, noToken, skipped},
			"Test all was canceled (09:30): no connection was changed."},
		{"some finished", []connect.TestResult{works, fails, canceled, noToken, skipped},
			"Test all was canceled (09:30) after 2 of 3 tests; the others were left as they were."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := canceledNote(tc.results, at); got != tc.want {
				t.Errorf("canceledNote = %q\nwant          %q", got, tc.want)
			}
		})
	}
}

// The summary takes "when" from each connection's own LastTestedAt, the one
// source diagnostics and the command line's list read too: a connection
// signed in after the run counts with its sign-in's time, and one Kantata
// was never asked about is "not tested", not among the working.
func TestTestAllSummaryTimesComeFromTheConnections(t *testing.T) {
	now := time.Date(2026, 12, 2, 16, 30, 0, 0, time.Local)
	at := func(hh, mm int) *time.Time {
		t := time.Date(2026, 12, 2, hh, mm, 0, 0, time.Local)
		return &t
	}
	works := func(name string, tested *time.Time) store.Connection {
		return store.Connection{Name: name, Status: store.StatusAuthorized, LastAuthorizedAt: at(9, 0), LastTestedAt: tested}
	}
	for _, tc := range []struct {
		name  string
		conns []store.Connection
		want  string
	}{
		{"one run", []store.Connection{works("A", at(16, 15)), works("B", at(16, 15))},
			"All 2 tested connections work (tested 16:15)."},
		{"a sign-in after the run", []store.Connection{works("A", at(16, 15)), works("B", at(16, 16))},
			"All 2 tested connections work (tested 16:15–16:16)."},
		{"signed in, its user never checked", []store.Connection{works("A", at(16, 15)), works("B", nil)},
			"The tested connection works (tested 16:15). 1 has not been tested yet."},
		{"never authorized", []store.Connection{works("A", at(16, 15)), {Name: "C"}},
			"The tested connection works (tested 16:15). 1 is not authorized yet, so it was not tested."},
		{"tested yesterday", []store.Connection{works("A", at(16, 15)), works("B", func() *time.Time {
			t := time.Date(2026, 12, 1, 8, 5, 0, 0, time.Local)
			return &t
		}())}, "All 2 tested connections work (tested 1 Dec 08:05–16:15)."},
		{"rejected at its test", []store.Connection{works("A", at(16, 15)),
			{Name: "B", Status: store.StatusNeedsReauth, LastAuthorizedAt: at(9, 0), LastTestedAt: at(16, 15)}},
			"1 of 2 connections work; the others say why (tested 16:15)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := testAllSummary(tc.conns, now); got != tc.want {
				t.Errorf("summary = %q\nwant      %q", got, tc.want)
			}
		})
	}
}
