package gui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// texts lists what labels, buttons and form items under o show.
func texts(o fyne.CanvasObject) []string {
	var out []string
	for _, obj := range test.LaidOutObjects(o) {
		switch w := obj.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		case *widget.Form:
			for _, it := range w.Items {
				out = append(out, it.Text, it.HintText)
			}
		}
	}
	return out
}

// containsText reports whether something under o shows exactly text.
func containsText(o fyne.CanvasObject, text string) bool {
	for _, s := range texts(o) {
		if s == text {
			return true
		}
	}
	return false
}

// showsSubstring reports whether something under o shows text within it.
func showsSubstring(o fyne.CanvasObject, text string) bool {
	for _, s := range texts(o) {
		if strings.Contains(s, text) {
			return true
		}
	}
	return false
}

// topOverlay is the dialog on top, or nil.
func topOverlay(w fyne.Window) fyne.CanvasObject { return w.Canvas().Overlays().Top() }
