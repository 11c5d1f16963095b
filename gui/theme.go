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
