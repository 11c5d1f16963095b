package gui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Focus colours. Fyne 2.7 shows a focused button by blending its focus colour
// (a blue at 16 %) over the button: over the blue of a primary button such as
// Save & authorize that changes nothing a person can see. These are strong
// enough to show over every button colour, and far from the hover tint (6 %),
// so a focused button never looks merely hovered.
var (
	focusDark  = color.NRGBA{R: 0x9e, G: 0xc2, B: 0xff, A: 0x66} // a light blue: lightens any dark or coloured button
	focusLight = color.NRGBA{R: 0x00, G: 0x2a, B: 0x80, A: 0x40} // a dark blue: darkens any light or coloured button
)

// appTheme is Fyne's theme with a focus colour that shows on every button.
// Buttons of Fyne's own dialogs, checks, radio buttons and selects use it too.
type appTheme struct{ fyne.Theme }

func newAppTheme() fyne.Theme { return appTheme{theme.DefaultTheme()} }

func (t appTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameFocus {
		return focusColor(v)
	}
	return t.Theme.Color(n, v)
}

func focusColor(v fyne.ThemeVariant) color.Color {
	if v == theme.VariantLight {
		return focusLight
	}
	return focusDark
}

// listTheme marks the focused row of a list in the focus colour while the list
// has the keyboard focus (Fyne marks it with the faint hover tint, which a
// person tabbing through the window does not notice); all else is the app's
// theme of the moment.
type listTheme struct{ focused func() bool }

func (t listTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameHover && t.focused() {
		return focusColor(v)
	}
	return currentTheme().Color(n, v)
}

func (listTheme) Font(s fyne.TextStyle) fyne.Resource     { return currentTheme().Font(s) }
func (listTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return currentTheme().Icon(n) }
func (listTheme) Size(n fyne.ThemeSizeName) float32       { return currentTheme().Size(n) }

func currentTheme() fyne.Theme { return fyne.CurrentApp().Settings().Theme() }
