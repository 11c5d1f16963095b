package gui

import (
	"image/color"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// texts lists what labels, buttons and form items under o show.
func texts(o fyne.CanvasObject) []string {
	var out []string
	for _, obj := range test.LaidOutObjects(o) {
		switch w := obj.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *cutLabel:
			out = append(out, w.full) // what it says; how much shows is its width's business
		case *widget.Button:
			out = append(out, w.Text)
		case *escButton:
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

// pressKey presses a key as the window passes it on: to the focused widget,
// or to the window's own handler when none has the focus.
func pressKey(w fyne.Window, name fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: name}
	if f := w.Canvas().Focused(); f != nil {
		f.TypedKey(ev)
		return
	}
	if handle := w.Canvas().OnTypedKey(); handle != nil {
		handle(ev)
	}
}

// tapButton taps the button labelled label under o.
func tapButton(t *testing.T, o fyne.CanvasObject, label string) {
	t.Helper()
	for _, obj := range test.LaidOutObjects(o) {
		switch b := obj.(type) {
		case *widget.Button:
			if b.Text == label {
				test.Tap(b)
				return
			}
		case *escButton:
			if b.Text == label {
				test.Tap(b)
				return
			}
		}
	}
	t.Fatalf("no button %q in %q", label, texts(o))
}

// tapRadio taps the option labelled label of a radio group in w, as a click
// does: the real driver gives the option the focus first (Fyne's test driver
// can't find its canvas, so here it gets it when the tap left none).
func tapRadio(t *testing.T, w fyne.Window, r *widget.RadioGroup, label string) {
	t.Helper()
	for _, obj := range test.LaidOutObjects(r) {
		v := reflect.ValueOf(obj)
		if tap, ok := obj.(fyne.Tappable); ok && v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
			if f := v.Elem().FieldByName("Label"); f.IsValid() && f.Kind() == reflect.String && f.String() == label {
				test.Tap(tap)
				if w.Canvas().Focused() == nil {
					w.Canvas().Focus(obj.(fyne.Focusable))
				}
				return
			}
		}
	}
	t.Fatalf("radio option %q not found", label)
}

// shownErrors lists the problems shown under o: texts drawn in the theme's
// error colour, and error icons (an entry's validation mark).
func shownErrors(o fyne.CanvasObject) []string {
	if o == nil {
		return nil
	}
	settings := fyne.CurrentApp().Settings()
	red := settings.Theme().Color(theme.ColorNameError, settings.ThemeVariant())
	var out []string
	for _, obj := range test.LaidOutObjects(o) {
		if !obj.Visible() {
			continue
		}
		switch x := obj.(type) {
		case *canvas.Text:
			if x.Text != "" && sameColor(x.Color, red) {
				out = append(out, x.Text)
			}
		case *canvas.Image:
			if x.Resource != nil && strings.Contains(x.Resource.Name(), "error") {
				out = append(out, "(error icon)")
			}
		}
	}
	return out
}

func sameColor(a, b color.Color) bool {
	if a == nil || b == nil {
		return false
	}
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	return ar == br && ag == bg && ab == bb && aa == ba
}

// pixelAt is the colour the window shows at (dx, dy) inside o.
func pixelAt(w fyne.Window, o fyne.CanvasObject, dx, dy float32) color.Color {
	img := w.Canvas().Capture()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	scale := w.Canvas().Scale()
	return img.At(int((pos.X+dx)*scale), int((pos.Y+dy)*scale))
}

// colorDistance is how far apart two colours are: the sum of the
// differences of their 8-bit red, green and blue.
func colorDistance(a, b color.Color) int {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) int {
		if x > y {
			return int(x-y) >> 8
		}
		return int(y-x) >> 8
	}
	return d(ar, br) + d(ag, bg) + d(ab, bb)
}

// shownDialog is the dialog of type T nearest the top of w's overlays (the
// dialog's content), or T's zero value when none shows.
func shownDialog[T fyne.CanvasObject](w fyne.Window) T {
	list := w.Canvas().Overlays().List()
	for i := len(list) - 1; i >= 0; i-- {
		if d, ok := findIn[T](list[i]); ok {
			return d
		}
	}
	var none T
	return none
}

// findIn finds an object of type T under o through the renderers the window
// uses. (test.LaidOutObjects makes new renderers, which would cut widgets
// such as a Form off what they later refresh.)
func findIn[T fyne.CanvasObject](o fyne.CanvasObject) (T, bool) {
	if d, ok := o.(T); ok {
		return d, true
	}
	var children []fyne.CanvasObject
	switch c := o.(type) {
	case *fyne.Container:
		children = c.Objects
	case fyne.Widget:
		children = test.WidgetRenderer(c).Objects()
	}
	for _, child := range children {
		if d, ok := findIn[T](child); ok {
			return d, true
		}
	}
	var none T
	return none, false
}

// answerYes taps the answer that goes ahead (Delete, Quit…) of the question
// on top of w: the one marked dangerous.
func answerYes(t *testing.T, w fyne.Window) {
	t.Helper()
	top := topOverlay(w)
	if top == nil {
		t.Fatal("no question shows")
	}
	for _, obj := range test.LaidOutObjects(top) {
		if b, ok := obj.(*escButton); ok && b.Importance == widget.DangerImportance {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("the dialog on top asks nothing: %q", texts(top))
}
