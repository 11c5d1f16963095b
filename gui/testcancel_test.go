package gui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/store"
)

// visibleButton is the button under o that shows text and can be seen, or nil.
func visibleButton(o fyne.CanvasObject, text string) *widget.Button {
	for _, obj := range test.LaidOutObjects(o) {
		b, ok := obj.(*widget.Button)
		if eb, esc := obj.(*escButton); esc {
			b, ok = &eb.Button, true
		}
		if ok && b.Text == text && b.Visible() {
			return b
		}
	}
	return nil
}

// A slow Test connection shows "Testing…" in neutral words instead of the
// status from before (one needing re-authorization is not tested at all:
// TestChangedAPIURLSendsTheOldTokenNowhere), offers Cancel, and Cancel puts the status from before
// back as it was and records nothing. The stand-in holds users/me for an
// hour, so only Cancel ends the test: h.wait would hit its hang guard
// otherwise.
func TestSlowTestConnectionCanBeCanceled(t *testing.T) {
	earlier := time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)
	later := earlier.Add(2 * time.Hour)
	projects := 42
	for _, tc := range []struct {
		name       string
		before     func(c *store.Connection)
		importance widget.Importance // of the status from before
	}{
		{"failed", func(c *store.Connection) {
			c.Status, c.LastAuthorizedAt, c.LastTestedAt = store.StatusFailed, &earlier, &later
			c.LastError = "Kantata could not be reached. Check the internet connection."
		}, widget.DangerImportance},
		{"authorized", func(c *store.Connection) {
			c.Status, c.LastAuthorizedAt, c.LastTestedAt = store.StatusAuthorized, &earlier, &later
			c.Identity = &store.Identity{UserID: "1", FullName: "Jane Doe", Email: "jane@example.com"}
			c.Projects = &store.ProjectCount{At: later, Visible: &projects}
		}, widget.SuccessImportance},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			c := h.addClient("Production app", "prod-"+testenv.RandomHex(t))
			other := h.authorizedConnection("Other", c)
			conn := h.authorizedConnection("Slow", c)
			conn, err := h.store.RecordOutcome(conn.ID, tc.before)
			if err != nil {
				t.Fatal(err)
			}
			h.u.refresh()
			p := h.u.panel
			p.edit(conn)
			oldStatus, oldTime := p.status.Text, p.statusTime.Text
			if p.status.Importance != tc.importance || oldTime == "" {
				t.Fatalf("before the test: status %q (importance %v), times %q", oldStatus, p.status.Importance, oldTime)
			}
			h.kantata.SetMeMode(fakekantata.MeSlow)
			h.kantata.SetSlowDelay(time.Hour)

			testing := func(when string) *widget.Button {
				t.Helper()
				if !strings.HasPrefix(p.status.Text, "Testing…") || p.status.Importance != widget.MediumImportance {
					t.Fatalf("%s: status %q (importance %v); want Testing… in neutral colour", when, p.status.Text, p.status.Importance)
				}
				if p.statusTime.Visible() || showsSubstring(p.content, oldStatus) {
					t.Errorf("%s: the status from before still shows: %q", when, texts(p.content))
				}
				cancel := visibleButton(p.content, "Cancel")
				if cancel == nil || cancel.Disabled() {
					t.Fatalf("%s: no Cancel to click: %q", when, texts(p.content))
				}
				if !p.test.Disabled() || p.test.Text != "Testing…" {
					t.Errorf("%s: Test connection %q, disabled %v; want Testing…, disabled", when, p.test.Text, p.test.Disabled())
				}
				return cancel
			}
			test.Tap(p.test)
			testing("while testing")

			// The records reloaded meanwhile (the window regains focus)
			// show the same.
			h.u.reloadRecords()
			h.runUntil(func() bool { return h.u.pending.Load() == 1 })
			testing("after a reload")

			// Another connection shows its own status and no Cancel; the
			// tested one shows Testing… again.
			p.edit(other)
			if p.status.Text != "Authorized" || visibleButton(p.content, "Cancel") != nil || !p.test.Disabled() {
				t.Errorf("another connection while one is tested: status %q, %q, Test disabled %v; "+
					"want its status, no Cancel, one test at a time", p.status.Text, texts(p.content), p.test.Disabled())
			}
			p.edit(conn)
			cancel := testing("back on the tested connection")

			test.Tap(cancel)
			h.wait()
			if p.status.Text != oldStatus || p.status.Importance != tc.importance ||
				p.statusTime.Text != oldTime || !p.statusTime.Visible() {
				t.Errorf("after Cancel: status %q (importance %v), times %q\nwant the status from before: %q (importance %v), %q",
					p.status.Text, p.status.Importance, p.statusTime.Text, oldStatus, tc.importance, oldTime)
			}
			after, _ := h.store.Connection(conn.ID)
			if after.Status != conn.Status || after.LastError != conn.LastError || !after.UpdatedAt.Equal(conn.UpdatedAt) ||
				!after.LastTestedAt.Equal(*conn.LastTestedAt) || after.LastTestTimings != nil {
				t.Errorf("a canceled test was recorded:\n%+v\nwas\n%+v", after, conn)
			}
			if top := topOverlay(h.u.win); top != nil {
				t.Errorf("a dialog after Cancel: %q", texts(top))
			}
			if visibleButton(p.content, "Cancel") != nil || p.test.Disabled() || p.test.Text != "Test connection" {
				t.Errorf("after Cancel: %q, Test disabled %v; want Test connection back and no Cancel", texts(p.content), p.test.Disabled())
			}
		})
	}
}
