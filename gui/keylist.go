package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// keyList is the connections list for the keyboard: Tab reaches it, Up and
// Down move the focus among its rows, and Return opens the focused row as
// Space does. Its focused row is marked in the focus colour (listTheme).
type keyList struct {
	widget.List
	focused bool
	themed  *container.ThemeOverride // the list in listTheme
}

func newKeyList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *keyList {
	l := &keyList{}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

func (l *keyList) FocusGained() {
	l.focused = true
	if l.themed != nil {
		// Fyne makes each row's own widget as it first shows, outside the
		// theme's reach: bring the rows there now into it.
		l.themed.Refresh()
	}
	l.List.FocusGained()
}

func (l *keyList) FocusLost() {
	l.focused = false
	l.List.FocusLost()
}

// HasFocus reports whether the list has the keyboard focus.
func (l *keyList) HasFocus() bool { return l.focused }

func (l *keyList) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter {
		k = &fyne.KeyEvent{Name: fyne.KeySpace, Physical: k.Physical}
	}
	l.List.TypedKey(k)
}
