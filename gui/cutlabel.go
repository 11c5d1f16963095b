package gui

import (
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// cutLabel is a line of text that fits its width: cut after the last whole
// word that fits, with "…" (Fyne cuts in the middle of a word). Expanded, it
// shows the whole text, wrapped.
type cutLabel struct {
	widget.Label
	full     string
	expanded bool
}

func newCutLabel() *cutLabel {
	l := &cutLabel{}
	l.ExtendBaseWidget(l)
	return l
}

// setText shows full, cut to the width or, expanded, whole.
func (l *cutLabel) setText(full string, expanded bool) {
	l.full, l.expanded = full, expanded
	if expanded {
		l.Wrapping = fyne.TextWrapWord
		l.Label.SetText(full)
		return
	}
	l.Wrapping = fyne.TextWrapOff
	l.Label.SetText(l.cut(l.Size().Width))
}

func (l *cutLabel) Resize(s fyne.Size) {
	l.Label.Resize(s)
	if !l.expanded {
		if text := l.cut(s.Width); text != l.Text {
			l.Label.SetText(text)
		}
	}
}

// MinSize is a line's height and no width while cut: the text gives way to
// the space there is, not the other way round.
func (l *cutLabel) MinSize() fyne.Size {
	m := l.Label.MinSize()
	if !l.expanded {
		m.Width = 2 * theme.InnerPadding()
	}
	return m
}

// cut is the full text as it fits in width.
func (l *cutLabel) cut(width float32) string {
	if width <= 0 {
		return l.full // not laid out yet
	}
	size := currentTheme().Size(l.SizeName)
	if l.SizeName == "" {
		size = currentTheme().Size(theme.SizeNameText)
	}
	room := width - 2*theme.InnerPadding()
	return cutOnWord(l.full, func(s string) bool {
		return fyne.MeasureText(s, size, l.TextStyle).Width <= room
	})
}

// cutOnWord is text if it fits, else the longest run of its whole words
// that fits with "…" after it; a first word too long for the room is cut
// within itself.
func cutOnWord(text string, fits func(string) bool) string {
	if fits(text) {
		return text
	}
	const ellipsis = "…"
	words := strings.FieldsFunc(text, unicode.IsSpace)
	best := ""
	end := 0 // where the words taken so far end in text
	for _, w := range words {
		at := strings.Index(text[end:], w) + end
		candidate := strings.TrimRightFunc(text[:at+len(w)], func(r rune) bool { return unicode.IsPunct(r) && r != ')' })
		if !fits(candidate + ellipsis) {
			break
		}
		best, end = candidate, at+len(w)
	}
	if best != "" {
		return best + ellipsis
	}
	runes := []rune(text)
	for n := len(runes) - 1; n > 0; n-- {
		if fits(string(runes[:n]) + ellipsis) {
			return string(runes[:n]) + ellipsis
		}
	}
	return ellipsis
}
