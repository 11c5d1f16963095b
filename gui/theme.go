package gui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// palette replaces the colours of Fyne's theme that text is drawn in, so that
// every text reads at WCAG AA contrast (4.5:1) on every surface it is drawn
// on, in the light and the dark theme (theme_test.go computes it). Fyne's own
// are brighter: its success green on white is about 1.5:1, its warning
// orange 2.2:1, its error red 3.7:1, its hint grey 3.5:1. Its text grey
// (7.5:1) is darkened too, to stay readable on a selected and focused row of
// the list. Disabled text (inactive controls, which WCAG exempts) is kept at
// 3:1 at least, so that a greyed-out button still says what it is.
var palette = map[fyne.ThemeVariant]map[fyne.ThemeColorName]color.Color{
	theme.VariantLight: {
		theme.ColorNameForeground:          rgb(0x3d3d3d),
		theme.ColorNamePrimary:             rgb(0x1a5fd6),
		theme.ColorNameHyperlink:           rgb(0x1a5fd6),
		theme.ColorNameForegroundOnPrimary: rgb(0xffffff),
		theme.ColorNameSuccess:             rgb(0x1e7b34),
		theme.ColorNameWarning:             rgb(0xa35200),
		theme.ColorNameError:               rgb(0xc62828),
		theme.ColorNamePlaceHolder:         rgb(0x6b6b6b),
		theme.ColorNameDisabled:            rgb(0x8a8a8a),
		theme.ColorNameFocus:               focusLight,
		theme.ColorNameSelection:           color.NRGBA{R: 0x00, G: 0x6c, B: 0xff, A: 0x30},
	},
	theme.VariantDark: {
		theme.ColorNamePrimary:             rgb(0x6ea8ff),
		theme.ColorNameHyperlink:           rgb(0x6ea8ff),
		theme.ColorNameForegroundOnPrimary: rgb(0x171718),
		theme.ColorNameError:               rgb(0xff6b5e),
		theme.ColorNameDisabled:            rgb(0x7a7a7a),
		theme.ColorNameFocus:               focusDark,
		theme.ColorNamePressed:             color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x33},
	},
}

// Focus colours, blended over a focused button and the focused row of the
// list: a tint that leaves the text on them readable. The ring that
// focusedButton draws is what makes a focused button stand out.
var (
	focusDark  = color.NRGBA{R: 0x9e, G: 0xc2, B: 0xff, A: 0x66} // a light blue: lightens any dark or coloured button
	focusLight = color.NRGBA{R: 0x00, G: 0x2a, B: 0x80, A: 0x20} // a dark blue: darkens any light or coloured button
)

func rgb(v uint32) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// appTheme is Fyne's theme with the palette's colours. Fyne's own dialogs,
// checks, radio buttons and selects use them too.
type appTheme struct{ fyne.Theme }

func newAppTheme() fyne.Theme { return appTheme{theme.DefaultTheme()} }

func (t appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if c, ok := palette[v][n]; ok {
		return c
	}
	return t.Theme.Color(n, v)
}

// focusRingColor is the ring around a focused button: the text colour, as
// on a native button, which stands out on the window and beside every
// button colour.
func focusRingColor(v fyne.ThemeVariant) color.Color {
	return currentTheme().Color(theme.ColorNameForeground, v)
}

// listTheme marks the focused row of a list in the focus colour while the list
// has the keyboard focus (Fyne marks it with the faint hover tint, which a
// person tabbing through the window does not notice); all else is the app's
// theme of the moment.
type listTheme struct{ focused func() bool }

func (t listTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameHover && t.focused() {
		return currentTheme().Color(theme.ColorNameFocus, v)
	}
	return currentTheme().Color(n, v)
}

func (listTheme) Font(s fyne.TextStyle) fyne.Resource     { return currentTheme().Font(s) }
func (listTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return currentTheme().Icon(n) }
func (listTheme) Size(n fyne.ThemeSizeName) float32       { return currentTheme().Size(n) }

func currentTheme() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }
