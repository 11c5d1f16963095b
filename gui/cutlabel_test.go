package gui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2/test"

	"github.com/kantata-connect/kantata-connect/store"
)

func TestCutOnWord(t *testing.T) {
	upTo := func(n int) func(string) bool { return func(s string) bool { return utf8.RuneCountInString(s) <= n } }
	for _, tc := range []struct {
		name, text string
		room       int
		want       string
	}{
		{"fits whole", "Failed: denied", 20, "Failed: denied"},
		{"cut after a whole word", "Failed: Kantata refused the sign-in", 22, "Failed: Kantata…"},
		{"no punctuation left before the mark", "Failed: Kantata refused", 12, "Failed…"},
		{"one long word is cut within", "Supercalifragilistic", 8, "Superca…"},
		{"other spaces count as spaces", "a\u00a0bbbbbbbbbb", 5, "a…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cutOnWord(tc.text, upTo(tc.room)); got != tc.want {
				t.Errorf("cutOnWord(%q, %d) = %q, want %q", tc.text, tc.room, got, tc.want)
			}
		})
	}
}

// A row of the list cuts a long failure reason after a whole word, and the
// selected row shows it whole, taller.
func TestListRowCutsOnAWordAndShowsAllWhenSelected(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-id")
	reason := "Kantata could not be reached: the connection to api.mavenlink.com timed out after 30 seconds. " +
		"Check your network, VPN or proxy settings, then try again."
	conn, err := h.store.SaveConnection("", "Kantata production", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.RecordOutcome(conn.ID, func(c *store.Connection) {
		c.Status, c.LastError = store.StatusFailed, reason
	}); err != nil {
		t.Fatal(err)
	}
	h.u.win.Resize(h.u.win.Canvas().Size()) // lays the rows out at their width
	h.u.refresh()
	status := func() *cutLabel {
		for _, o := range test.LaidOutObjects(h.u.list.list) {
			if l, ok := o.(*cutLabel); ok && strings.HasPrefix(l.full, "Production app · Failed") {
				return l
			}
		}
		t.Fatal("no row for the connection")
		return nil
	}
	full := "Production app · Failed: " + reason
	l := status()
	shown, cut := strings.CutSuffix(l.Text, "…")
	if !cut || !strings.HasPrefix(full, shown) {
		t.Fatalf("the row shows %q; want the start of %q, cut with …", l.Text, full)
	}
	if next := full[len(shown):]; next[0] != ' ' && next[0] != ':' && next[0] != '.' {
		t.Errorf("the row cut within a word: %q | %q", shown, next)
	}
	oneLine := l.Size().Height

	h.selectConnection("Kantata production")
	h.wait()
	l = status()
	if l.Text != full {
		t.Errorf("the selected row shows %q; want the whole status", l.Text)
	}
	if l.Size().Height <= oneLine {
		t.Errorf("the selected row is %v high, as one line (%v): the whole status can't show", l.Size().Height, oneLine)
	}
}
