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
)

// testAllBar sits under the list: a button that tests every authorized
// connection at once, its progress, and the last run's summary.
type testAllBar struct {
	button   *widget.Button
	progress *widget.ProgressBar
	summary  *widget.Label
	content  fyne.CanvasObject
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
	b.button.Disable()
	b.button.SetText("Testing…")
	b.progress.SetValue(0)
	b.progress.Show()
	b.summary.Hide()
	var results []connect.TestResult
	u.background(func() error {
		results = u.svc.TestAll(context.Background(), 0, func(done, total int, _ connect.TestResult) {
			u.do(func() {
				b.progress.Max = float64(total)
				b.progress.SetValue(float64(done))
				u.list.refresh()
			})
		})
		return nil
	}, func(error) {
		b.progress.Hide()
		b.button.SetText("Test all")
		b.button.Enable()
		b.summary.SetText(testAllSummary(results))
		b.summary.Show()
		u.refresh()
		if conn, ok := u.store.Connection(u.panel.editingID); ok {
			u.panel.showStatus(&conn)
		}
	})
}

// testAllSummary says in a line how the last Test all went.
func testAllSummary(results []connect.TestResult) string {
	var tested, passed, noProjects int
	for _, r := range results {
		if r.Skipped {
			continue
		}
		tested++
		if r.OK() {
			passed++
			if connect.SeesNoProjects(r.Connection) {
				noProjects++
			}
		}
	}
	at := time.Now().Format("15:04")
	var s string
	switch {
	case tested == 0:
		return "Nothing to test yet: authorize a connection first."
	case passed == tested:
		s = fmt.Sprintf("All %d tested connections work", tested)
	default:
		s = fmt.Sprintf("%d of %d connections work; the others say why", passed, tested)
	}
	s = fmt.Sprintf("%s (%s).", s, at)
	switch noProjects {
	case 0:
	case 1:
		s += " 1 sees no projects in Kantata."
	default:
		s += fmt.Sprintf(" %d see no projects in Kantata.", noProjects)
	}
	return s
}
