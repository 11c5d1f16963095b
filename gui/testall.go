package gui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/store"
)

// testAllBar sits under the list: a button that tests every authorized
// connection at once, its progress, and a summary of the list since.
type testAllBar struct {
	button   *widget.Button
	progress *widget.ProgressBar
	summary  *widget.Label
	content  fyne.CanvasObject

	// running: a Test all runs; its progress bar stands for the summary.
	running bool
	// lastRun is when the last Test all finished; zero before the first.
	// The summary then counts the list as it is now.
	lastRun time.Time
}

func newTestAllBar(u *UI) *testAllBar {
	b := &testAllBar{progress: widget.NewProgressBar(), summary: widget.NewLabel("")}
	b.summary.Wrapping = fyne.TextWrapWord
	b.summary.SizeName = theme.SizeNameCaptionText
	b.summary.Hide()
	b.progress.Hide()
	b.button = widget.NewButtonWithIcon("Test all", theme.MediaFastForwardIcon(), func() { u.testAll() })
	b.content = container.NewVBox(widget.NewSeparator(), b.progress, b.summary, b.button)
	return b
}

// testAll checks every authorized connection concurrently; each row shows
// its fresh status as its test finishes.
func (u *UI) testAll() {
	b := u.list.testAll
	b.running = true
	b.button.Disable()
	b.button.SetText("Testing…")
	b.progress.SetValue(0)
	b.progress.Show()
	b.summary.Hide()
	u.background(func() error {
		u.svc.TestAll(context.Background(), 0, func(done, total int, _ connect.TestResult) {
			u.do(func() {
				b.progress.Max = float64(total)
				b.progress.SetValue(float64(done))
				u.list.refresh()
			})
		})
		return nil
	}, func(error) {
		b.running = false
		b.progress.Hide()
		b.button.SetText("Test all")
		b.button.Enable()
		b.lastRun = time.Now()
		u.refresh() // shows the summary
		if conn, ok := u.store.Connection(u.panel.editingID); ok {
			u.panel.showStatus(&conn)
		}
	})
}

// showSummary says how the list stands since the last Test all, counted
// from conns, the connections listed now: run at every refresh of the list,
// so it follows later sign-ins, tests and deletes.
func (b *testAllBar) showSummary(conns []store.Connection) {
	switch {
	case b.running:
		b.summary.Hide() // the progress bar says it
		return
	case !b.lastRun.IsZero():
		b.summary.SetText(testAllSummary(conns, b.lastRun))
	default:
		b.summary.Hide()
		return
	}
	b.summary.Show()
}

// neverAuthorized reports whether a sign-in never succeeded for c: there is
// nothing to test, so it is "not tested", not a failure.
func neverAuthorized(c store.Connection) bool {
	return c.Status == store.StatusNeverAuthorized || (c.Status == store.StatusFailed && c.LastAuthorizedAt == nil)
}

// testAllSummary says in a line how the connections conns stand, after a
// Test all at at: those that work (tested, or signed in since), those that
// don't, and those never authorized, which were not tested.
func testAllSummary(conns []store.Connection, at time.Time) string {
	var works, fails, notTested, noProjects int
	for _, c := range conns {
		switch {
		case neverAuthorized(c):
			notTested++
		case c.Status == store.StatusAuthorized:
			works++
			if connect.SeesNoProjects(c) {
				noProjects++
			}
		default:
			fails++
		}
	}
	tested := works + fails
	if tested == 0 {
		return "Nothing to test yet: authorize a connection first."
	}
	var s string
	switch {
	case tested == 1 && works == 1:
		s = "The tested connection works"
	case tested == 1:
		s = "The tested connection doesn't work; its row says why"
	case works == tested:
		s = fmt.Sprintf("All %d tested connections work", tested)
	default:
		s = fmt.Sprintf("%d of %d connections work; the others say why", works, tested)
	}
	s = fmt.Sprintf("%s (%s).", s, at.Format("15:04"))
	switch notTested {
	case 0:
	case 1:
		s += " 1 is not authorized yet, so it was not tested."
	default:
		s += fmt.Sprintf(" %d are not authorized yet, so they were not tested.", notTested)
	}
	switch noProjects {
	case 0:
	case 1:
		s += " 1 sees no projects in Kantata."
	default:
		s += fmt.Sprintf(" %d see no projects in Kantata.", noProjects)
	}
	return s
}
