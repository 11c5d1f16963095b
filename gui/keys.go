package gui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// escEntry is an entry that hands Escape to its dialog: Fyne delivers keys to
// the focused widget, so a dialog cannot see Escape typed into its fields.
type escEntry struct {
	widget.Entry
	onEscape func()
	rule     func(string) error // what the field must pass; see setRule
	touched  bool               // its text was set (typed, or filled in by the dialog), or a save was tried
}

func newEscEntry(onEscape func()) *escEntry {
	e := &escEntry{onEscape: onEscape}
	e.ExtendBaseWidget(e)
	return e
}

// newSecretEntry is a field for a client secret. The secret is never shown
// as text, so where Fyne would put its reveal button there is only space.
func newSecretEntry(onEscape func()) *escEntry {
	e := newEscEntry(onEscape)
	e.Password = true
	noReveal := canvas.NewRectangle(color.Transparent)
	noReveal.SetMinSize(fyne.NewSize(theme.InnerPadding(), 0))
	e.ActionItem = noReveal
	e.SetPlaceHolder("Secret token from Kantata")
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

// setRule makes rule judge the field. Its message shows once the field was
// touched: changed, or a save tried. A field nobody has typed in is not wrong
// yet, even after the focus left it (the dialog puts the focus in the first
// field by itself, and a click elsewhere takes it away).
func (e *escEntry) setRule(rule func(string) error) {
	e.rule = rule
	e.Validator = func(s string) error {
		if !e.touched {
			return nil
		}
		return rule(s)
	}
}

// check is what the rule says about the text, shown or not.
func (e *escEntry) check() error {
	if e.rule == nil {
		return nil
	}
	return e.rule(e.Text)
}

// touch shows what the rule says from now on.
func (e *escEntry) touch() {
	if !e.touched {
		e.touched = true
		e.Validate()
	}
}

// dialogKeys are what Escape and Return do in a dialog while none of its
// fields has focus (a field hands them over itself). depth is how many
// overlays the window shows while the dialog is the top one.
type dialogKeys struct {
	escape, submit func()
	depth          int
}

// pushDialogKeys makes escape and submit (either may be nil) what Escape and
// Return do for the dialog about to be shown; call it before the dialog's
// Show, and call the returned func when the dialog closes.
func (u *UI) pushDialogKeys(escape, submit func()) (pop func()) {
	depth := len(u.win.Canvas().Overlays().List()) + 1
	u.dialogKeys = append(u.dialogKeys, dialogKeys{escape, submit, depth})
	n := len(u.dialogKeys)
	return func() {
		if len(u.dialogKeys) >= n {
			u.dialogKeys = u.dialogKeys[:n-1]
		}
	}
}

// typedKey is what the window does with a key no widget took: Escape and
// Return for the dialog on top. Only for the dialog on top: a question
// stacked on a dialog that gave no keys of its own (one of Fyne's, a
// select's open list) must not pass Escape down, where it would cancel
// what the question was about.
func (u *UI) typedKey(k *fyne.KeyEvent) {
	if len(u.dialogKeys) == 0 {
		return
	}
	top := u.dialogKeys[len(u.dialogKeys)-1]
	if top.depth != len(u.win.Canvas().Overlays().List()) {
		return
	}
	switch k.Name {
	case fyne.KeyEscape:
		if top.escape != nil {
			top.escape()
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		if top.submit != nil {
			top.submit()
		}
	}
}

// escButton is the window's button. Focused, it has a ring around it, as a
// native button does (Fyne only tints a focused button, which over a
// coloured button such as Save & authorize hardly shows). In a dialog it
// hands Escape to the dialog: Fyne hands a key to the focused widget alone,
// and its button ignores Escape, so once Tab had put the focus on one,
// Escape would no longer reach the dialog. Return presses it as Space does.
type escButton struct {
	widget.Button
	onEscape func() // nil outside a dialog
	focused  bool
}

// newButton is a button outside a dialog: the focus ring, and Return.
func newButton(label string, icon fyne.Resource, tapped func()) *escButton {
	return newEscButton(label, icon, tapped, nil)
}

func newEscButton(label string, icon fyne.Resource, tapped, onEscape func()) *escButton {
	b := &escButton{onEscape: onEscape}
	b.Text, b.Icon, b.OnTapped = label, icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

func (b *escButton) FocusGained() {
	b.focused = true
	b.Button.FocusGained()
}

func (b *escButton) FocusLost() {
	b.focused = false
	b.Button.FocusLost()
}

func (b *escButton) CreateRenderer() fyne.WidgetRenderer {
	ring := canvas.NewRectangle(color.Transparent)
	ring.StrokeWidth = focusRingWidth
	ring.Hide()
	return &ringRenderer{WidgetRenderer: b.Button.CreateRenderer(), ring: ring, button: b}
}

// focusRingWidth and focusRingGap: the ring is 2 units wide, 1 unit outside
// the button, within the padding between two buttons.
const (
	focusRingWidth = 2
	focusRingGap   = 1
)

// ringRenderer draws a button and, while it has the focus, its ring.
type ringRenderer struct {
	fyne.WidgetRenderer
	ring   *canvas.Rectangle
	button *escButton
}

func (r *ringRenderer) Layout(size fyne.Size) {
	r.WidgetRenderer.Layout(size)
	out := float32(focusRingWidth + focusRingGap)
	r.ring.Move(fyne.NewPos(-out, -out))
	r.ring.Resize(size.AddWidthHeight(2*out, 2*out))
}

func (r *ringRenderer) Objects() []fyne.CanvasObject {
	inner := r.WidgetRenderer.Objects()
	return append(inner[:len(inner):len(inner)], r.ring) // a copy: the button's own list stays as it is
}

func (r *ringRenderer) Refresh() {
	r.WidgetRenderer.Refresh()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r.ring.StrokeColor = focusRingColor(v)
	r.ring.CornerRadius = currentTheme().Size(theme.SizeNameInputRadius) + focusRingWidth + focusRingGap
	r.ring.Hidden = !r.button.focused || r.button.Disabled()
	r.ring.Refresh()
}

func (b *escButton) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		if b.onEscape != nil {
			b.onEscape()
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		b.Tapped(nil)
	default:
		b.Button.TypedKey(k)
	}
}

// escCheck is a dialog's check box that hands Escape to the dialog: a click
// on a check box gives it the focus, and Escape went no further.
type escCheck struct {
	widget.Check
	onEscape func()
}

func newEscCheck(label string, changed func(bool), onEscape func()) *escCheck {
	c := &escCheck{onEscape: onEscape}
	c.Text, c.OnChanged = label, changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *escCheck) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && c.onEscape != nil {
		c.onEscape()
		return
	}
	c.Check.TypedKey(k)
}

// escSelect is a dialog's select that hands Escape to the dialog, as a click
// gives it the focus too (its open list of choices closes on Escape by
// itself).
type escSelect struct {
	widget.Select
	onEscape func()
}

func newEscSelect(options []string, onEscape func()) *escSelect {
	s := &escSelect{onEscape: onEscape}
	s.Options = options
	s.ExtendBaseWidget(s)
	return s
}

func (s *escSelect) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && s.onEscape != nil {
		s.onEscape()
		return
	}
	s.Select.TypedKey(k)
}
