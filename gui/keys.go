package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// escEntry is an entry that hands Escape to its dialog: Fyne delivers keys to
// the focused widget, so a dialog cannot see Escape typed into its fields.
type escEntry struct {
	widget.Entry
	onEscape func()
}

func newEscEntry(onEscape func()) *escEntry {
	e := &escEntry{onEscape: onEscape}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey handles Escape and leaves every other key to the entry.
func (e *escEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// pushEscape makes f what Escape does while nothing in the top dialog has
// focus; the returned func undoes it when the dialog closes.
func (u *UI) pushEscape(f func()) (pop func()) {
	u.escapes = append(u.escapes, f)
	n := len(u.escapes)
	return func() {
		if len(u.escapes) >= n {
			u.escapes = u.escapes[:n-1]
		}
	}
}

func (u *UI) typedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && len(u.escapes) > 0 {
		u.escapes[len(u.escapes)-1]()
	}
}
