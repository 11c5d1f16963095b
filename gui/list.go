package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/store"
)

// emptyStateText is what a first-time user sees instead of the list.
const emptyStateText = "No connections yet.\n\nTo connect to Kantata: name your connection on the right, " +
	"add the OAuth 2.0 client Kantata gave you with the + button, then click Save & authorize."

// connectionList is the left side: saved connections with their status.
type connectionList struct {
	u     *UI
	items []store.Connection
	list  *keyList
	// selected is the row shown selected, or -1.
	selected   int
	emptyState *widget.Label
	newButton  *escButton
	testAll    *testAllBar
	content    fyne.CanvasObject
	// selecting guards against the list's OnSelected echoing our own Select.
	selecting bool
	// heights are the rows' own heights set on the list; rowHeight is a
	// row of one line.
	heights   map[widget.ListItemID]float32
	rowHeight float32
}

func newConnectionList(u *UI) *connectionList {
	l := &connectionList{u: u, selected: -1}
	l.emptyState = wrappedLabel(emptyStateText)
	l.list = newKeyList(
		func() int { return len(l.items) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			name.Truncation = fyne.TextTruncateEllipsis
			status := newCutLabel()
			status.SizeName = theme.SizeNameCaptionText
			// The count sits at the end of the name's line, where a long
			// status can't push it out of sight.
			projects := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{})
			projects.SizeName = theme.SizeNameCaptionText
			return container.NewBorder(nil, nil, widget.NewIcon(nil), nil,
				container.New(&tightVBox{}, container.NewBorder(nil, nil, nil, projects, name), status))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(l.items) {
				return
			}
			c := l.items[id]
			row := o.(*fyne.Container)
			lines := row.Objects[0].(*fyne.Container).Objects
			first := lines[0].(*fyne.Container).Objects
			first[0].(*widget.Label).SetText(c.Name)
			first[1].(*widget.Label).SetText(rowProjects(c))
			// The selected row shows its status whole: a failure's
			// reason may be long.
			selected := id == l.selected
			lines[1].(*cutLabel).setText(l.clientName(c)+" · "+connect.StatusText(c), selected)
			row.Objects[1].(*widget.Icon).SetResource(statusIcon(c))
			l.fitRow(id, o, selected)
		},
	)
	l.list.OnSelected = func(id widget.ListItemID) {
		if prev := l.selected; prev != id && prev >= 0 {
			l.selected = id
			l.list.RefreshItem(prev) // back to one line
		}
		l.selected = id
		l.list.RefreshItem(id)
		if l.selecting || id >= len(l.items) {
			return
		}
		next := l.items[id]
		// A new connection that isn't saved yet is asked about first;
		// kept, its row stays the selected one (none).
		u.panel.leave(func() { u.panel.edit(next) }, func() { l.selectID(u.panel.editingID) })
	}
	l.list.OnUnselected = func(id widget.ListItemID) {
		if l.selected == id {
			l.selected = -1
		}
		l.list.RefreshItem(id)
	}
	l.newButton = newButton("New connection", theme.ContentAddIcon(), func() {
		u.panel.leave(func() {
			l.list.UnselectAll()
			u.panel.startNew()
		}, nil)
	})
	header := container.NewBorder(nil, nil,
		widget.NewLabelWithStyle("Connections", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), l.newButton)
	l.testAll = newTestAllBar(u)
	// Objects in the order they are seen, which Tab follows: New
	// connection, the list, Test all.
	l.list.themed = container.NewThemeOverride(l.list, listTheme{focused: l.list.HasFocus})
	center := container.NewStack(l.list.themed, container.NewPadded(l.emptyState))
	l.content = container.New(layout.NewBorderLayout(header, l.testAll.content, nil, nil),
		header, center, l.testAll.content)
	return l
}

// refresh reloads the rows from the records and keeps the selection on the
// connection the panel shows.
func (l *connectionList) refresh() {
	l.items = nil
	if l.u.store != nil {
		l.items = l.u.store.Connections()
	}
	if len(l.items) == 0 {
		l.list.Hide()
		l.emptyState.Show()
		l.testAll.content.Hide()
	} else {
		l.emptyState.Hide()
		l.list.Show()
		l.testAll.content.Show()
	}
	l.list.Refresh()
	// The rows may have moved (added or deleted elsewhere, renamed): the
	// selection follows the connection, not the row number.
	if l.u.panel != nil {
		l.selectID(l.u.panel.editingID)
	}
	l.testAll.showSummary(l.items)
}

// fitRow makes row id as tall as its content: taller while selected, when
// its status shows whole; one line otherwise. Only rows that were ever
// taller are given a height of their own.
func (l *connectionList) fitRow(id widget.ListItemID, row fyne.CanvasObject, selected bool) {
	if l.rowHeight == 0 {
		l.rowHeight = l.list.CreateItem().MinSize().Height
	}
	h := l.rowHeight
	if selected {
		h = max(h, row.MinSize().Height)
	}
	if old, ok := l.heights[id]; ok && old == h || !ok && h == l.rowHeight {
		return
	}
	if l.heights == nil {
		l.heights = map[widget.ListItemID]float32{}
	}
	l.heights[id] = h
	l.list.SetItemHeight(id, h)
}

// selectID highlights the row of connection id without reloading the panel.
func (l *connectionList) selectID(id string) {
	for i, c := range l.items {
		if id != "" && c.ID == id {
			l.selecting = true
			l.list.Select(i)
			l.selecting = false
			return
		}
	}
	l.list.UnselectAll()
}

func (l *connectionList) clientName(c store.Connection) string {
	if cl, ok := l.u.store.Client(c.ClientRef); ok {
		return cl.Name
	}
	return "(client removed)"
}

// rowProjects is how many projects an authorized connection's user saw
// when last counted ("42 projects", "no projects", "couldn't count
// projects"), or "": Test all refreshes it with each row.
func rowProjects(c store.Connection) string {
	if p := connect.Projects(c); p.Known {
		return connect.ProjectsNoun(p.Visible)
	}
	return connect.ProjectsBrief(c)
}

// statusIcon marks a row: a connection that works but whose user sees no
// projects gets the warning sign, as it will sync nothing.
func statusIcon(c store.Connection) fyne.Resource {
	switch c.Status {
	case store.StatusAuthorized:
		if connect.SeesNoProjects(c) {
			return theme.NewWarningThemedResource(theme.WarningIcon())
		}
		return theme.NewSuccessThemedResource(theme.ConfirmIcon())
	case store.StatusNeedsReauth:
		return theme.NewWarningThemedResource(theme.WarningIcon())
	case store.StatusFailed:
		return theme.NewErrorThemedResource(theme.ErrorIcon())
	default:
		return theme.InfoIcon()
	}
}

// tightVBox stacks objects with no padding, so a row's two lines read as one item.
type tightVBox struct{}

func (tightVBox) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range objects {
		h := o.MinSize().Height
		o.Resize(fyne.NewSize(size.Width, h))
		o.Move(fyne.NewPos(0, y))
		y += h - theme.Padding()
	}
}

func (tightVBox) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height - theme.Padding()
	}
	s.Height += theme.Padding()
	return s
}
