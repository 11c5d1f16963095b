package gui

import (
	"context"
	"fmt"
	"strings"
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
	button   *escButton
	cancel   *escButton // shown while Test all runs
	progress *widget.ProgressBar
	summary  *widget.Label
	content  fyne.CanvasObject

	// stop cancels the Test all that runs; nil when none runs.
	stop context.CancelFunc
	// lastRun is when the last Test all that was not canceled finished;
	// zero before the first. The summary then counts the list as it is now,
	// with the times the connections record.
	lastRun time.Time
	// canceledNote replaces the summary after a canceled Test all.
	canceledNote string
}

func newTestAllBar(u *UI) *testAllBar {
	b := &testAllBar{progress: widget.NewProgressBar(), summary: widget.NewLabel("")}
	b.summary.Wrapping = fyne.TextWrapWord
	b.summary.SizeName = theme.SizeNameCaptionText
	b.summary.Hide()
	b.progress.Hide()
	// The bar's own percentage is drawn half over the bar, half over its
	// pale track, in one colour that can't read well on both: the button
	// counts instead ("Testing… 2 of 5").
	b.progress.TextFormatter = func() string { return "" }
	b.button = newButton("Test all", theme.MediaFastForwardIcon(), func() { u.testAll() })
	b.cancel = newButton("Cancel", theme.CancelIcon(), func() {
		if b.stop != nil {
			b.stop()
			b.cancel.Disable()
		}
	})
	b.cancel.Hide()
	b.content = container.NewVBox(widget.NewSeparator(), b.progress, b.summary,
		container.NewBorder(nil, nil, nil, b.cancel, b.button))
	return b
}

// testAll checks every authorized connection concurrently; each row shows
// its fresh status as its test finishes. Cancel stops it: the connections
// not tested yet stay as they were.
func (u *UI) testAll() {
	b := u.list.testAll
	if b.stop != nil {
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	b.stop = stop
	b.button.Disable()
	b.button.SetText("Testing…")
	b.cancel.Enable()
	b.cancel.Show()
	b.progress.SetValue(0)
	b.progress.Show()
	b.canceledNote = ""
	b.summary.Hide()
	var results []connect.TestResult
	u.background(func() error {
		results = u.svc.TestAll(ctx, 0, func(done, total int, _ connect.TestResult) {
			u.do(func() {
				b.progress.Max = float64(total)
				b.progress.SetValue(float64(done))
				b.button.SetText(fmt.Sprintf("Testing… %d of %d", done, total))
				u.list.refresh()
			})
		})
		return nil
	}, func(error) {
		stop()
		b.stop = nil
		b.progress.Hide()
		b.cancel.Hide()
		b.button.SetText("Test all")
		b.button.Enable()
		if note := canceledNote(results, time.Now()); note != "" {
			b.canceledNote, b.lastRun = note, time.Time{}
		} else {
			b.lastRun = time.Now()
		}
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
	case b.stop != nil:
		b.summary.Hide() // the progress bar says it
		return
	case b.canceledNote != "":
		b.summary.SetText(b.canceledNote)
	case !b.lastRun.IsZero():
		b.summary.SetText(testAllSummary(conns, time.Now()))
	default:
		b.summary.Hide()
		return
	}
	b.summary.Show()
}

// canceledNote says how far a canceled Test all got, or "" when it was not
// canceled (or every test had finished by then), counted by connect's
// rule (TestAllSummary.Tests): a connection never authorized is no test.
func canceledNote(results []connect.TestResult, at time.Time) string {
	sum := connect.SummarizeTestAll(results)
	total, canceled := sum.Tests(), len(sum.Canceled)
	switch {
	case canceled == 0:
		return ""
	case canceled == total:
		return fmt.Sprintf("Test all was canceled (%s): no connection was changed.", at.Format("15:04"))
	}
	return fmt.Sprintf("Test all was canceled (%s) after %d of %d tests; the others were left as they were.",
		at.Format("15:04"), total-canceled, total)
}

// testAllSummary says in a line how the connections conns stand, after a
// Test all: those that work and those that don't, among those Kantata was
// asked about (by a test, or by a sign-in's check of its user), and when
// that was. Their own LastTestedAt is the one source of "when": a
// connection signed in after the run counts with its sign-in's time, and
// one never asked is "not tested", whatever the run did. now places the
// times: a day other than today is named.
func testAllSummary(conns []store.Connection, now time.Time) string {
	st := connect.StandingOf(conns)
	works, fails, notAuthorized, unchecked, noProjects := st.Works, st.Fails, st.NotAuthorized, st.NotTested, st.NoProjects
	first, last := st.First, st.Last
	tested := works + fails
	if tested == 0 && unchecked == 0 {
		return "Nothing to test yet: authorize a connection first."
	}
	var s string
	switch {
	case tested == 0:
	case tested == 1 && works == 1:
		s = "The tested connection works"
	case tested == 1:
		s = "The tested connection doesn't work; its row says why"
	case works == tested:
		s = fmt.Sprintf("All %d tested connections work", tested)
	default:
		s = fmt.Sprintf("%d of %d connections work; the others say why", works, tested)
	}
	if s != "" {
		s = fmt.Sprintf("%s (%s).", s, testedWhen(first, last, now))
	}
	switch unchecked {
	case 0:
	case 1:
		s += " 1 has not been tested yet."
	default:
		s += fmt.Sprintf(" %d have not been tested yet.", unchecked)
	}
	switch notAuthorized {
	case 0:
	case 1:
		s += " 1 is not authorized yet, so it was not tested."
	default:
		s += fmt.Sprintf(" %d are not authorized yet, so they were not tested.", notAuthorized)
	}
	switch noProjects {
	case 0:
	case 1:
		s += " 1 sees no projects in Kantata."
	default:
		s += fmt.Sprintf(" %d see no projects in Kantata.", noProjects)
	}
	return strings.TrimSpace(s)
}

// testedWhen is when the tests from first to last were, to the minute:
// "tested 16:15", "tested 16:15–16:16", with the day when not today.
func testedWhen(first, last, now time.Time) string {
	when := func(t time.Time) string {
		if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
			return t.Format("15:04")
		}
		return t.Format("2 Jan 15:04")
	}
	from, to := when(first), when(last)
	if from == to {
		return "tested " + from
	}
	return "tested " + from + "–" + to
}
