package gui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Help › About names the version and links to the README's troubleshooting.
func TestHelpAboutShowsVersionAndTroubleshooting(t *testing.T) {
	h := newHarness(t, nil)
	h.u.version, h.u.website = "0.1.0 (build 1)", "https://github.com/kantata-connect/kantata-connect"
	var about *fyne.MenuItem
	for _, m := range h.u.mainMenu().Items {
		for _, it := range m.Items {
			if m.Label == "Help" && it.Label == "About Kantata Connect" {
				about = it
			}
		}
	}
	if about == nil {
		t.Fatal("no Help › About Kantata Connect")
	}
	about.Action()
	top := topOverlay(h.u.win)
	if !containsText(top, "Version 0.1.0 (build 1)") {
		t.Errorf("About shows %q; want the version", texts(top))
	}
	var link *widget.Hyperlink
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.Hyperlink); ok {
			link = l
		}
	}
	if link == nil || link.URL.String() != "https://github.com/kantata-connect/kantata-connect#troubleshooting" {
		t.Fatalf("About's link: %+v; want the README's troubleshooting", link)
	}
	pressKey(h.u.win, fyne.KeyEscape)
	if topOverlay(h.u.win) != nil {
		t.Error("Escape did not close About")
	}
}
