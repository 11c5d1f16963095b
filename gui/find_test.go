package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// containsText reports whether a label, button or form item under o shows text.
func containsText(o fyne.CanvasObject, text string) bool {
	for _, obj := range test.LaidOutObjects(o) {
		switch w := obj.(type) {
		case *widget.Label:
			if w.Text == text {
				return true
			}
		case *widget.Button:
			if w.Text == text {
				return true
			}
		case *widget.Form:
			for _, it := range w.Items {
				if it.Text == text {
					return true
				}
			}
		}
	}
	return false
}
