package gui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestShellShowsEmptyStateAndConnectionFields(t *testing.T) {
	test.NewTempApp(t)
	s := NewShell()
	w := test.NewWindow(s.Content)
	defer w.Close()

	if !strings.Contains(s.EmptyState.Text, "No connections yet") ||
		!strings.Contains(s.EmptyState.Text, "+ button") {
		t.Errorf("empty state = %q; want it to say there are none and what to do first", s.EmptyState.Text)
	}
	for _, label := range []string{"Name your connection *", "OAuth 2.0 client *", "Create connection"} {
		if !containsText(w.Content(), label) {
			t.Errorf("window has no %q", label)
		}
	}
	if !s.EditClient.Disabled() {
		t.Error("the pencil button is enabled although no client is selected")
	}
}
