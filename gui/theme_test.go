package gui

import (
	"fmt"
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/kantata-connect/kantata-connect/store"
)

// Every text colour the theme hands out reads at WCAG AA contrast (4.5:1)
// on every surface it is drawn on, in the light and the dark theme; computed
// from the theme's colours, with translucent tints (hover, selection,
// focus) blended over what they cover, as the window draws them.
func TestThemeTextContrast(t *testing.T) {
	a := test.NewTempApp(t)
	th := newAppTheme()
	a.Settings().SetTheme(th)
	const aa, inactive = 4.5, 3.0
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		name := map[fyne.ThemeVariant]string{theme.VariantLight: "light", theme.VariantDark: "dark"}[v]
		t.Run(name, func(t *testing.T) {
			c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, v) }
			check := func(t *testing.T, text, surface string, fg, bg color.Color, want float64) {
				t.Helper()
				if got := contrast(fg, bg); got < want {
					t.Errorf("%s on %s: %s on %s is %.2f:1; want at least %.1f:1",
						text, surface, hex(fg), hex(bg), got, want)
				}
			}
			// Labels (of every importance), hints and placeholders, links,
			// the error under a field: on the window, a dialog, a field, a
			// menu, a header.
			texts := []fyne.ThemeColorName{theme.ColorNameForeground, theme.ColorNamePlaceHolder,
				theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameSuccess,
				theme.ColorNameWarning, theme.ColorNameError}
			surfaces := []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameOverlayBackground,
				theme.ColorNameInputBackground, theme.ColorNameMenuBackground, theme.ColorNameHeaderBackground}
			for _, text := range texts {
				for _, surface := range surfaces {
					check(t, string(text), string(surface), c(text), c(surface), aa)
				}
			}
			// A menu item under the pointer.
			check(t, "foreground", "hovered menu item", c(theme.ColorNameForeground),
				over(c(theme.ColorNameMenuBackground), c(theme.ColorNameHover)), aa)
			// A row of the connections list: hovered, selected, focused
			// (listTheme), selected and focused.
			bg := c(theme.ColorNameBackground)
			focus := c(theme.ColorNameFocus)
			for surface, row := range map[string]color.Color{
				"hovered row":             over(bg, c(theme.ColorNameHover)),
				"selected row":            over(bg, c(theme.ColorNameSelection)),
				"focused row":             over(bg, focus),
				"selected, focused row":   over(bg, c(theme.ColorNameSelection), focus),
				"selected, hovered row":   over(bg, c(theme.ColorNameSelection), c(theme.ColorNameHover)),
				"selected row in dialogs": over(c(theme.ColorNameOverlayBackground), c(theme.ColorNameSelection)),
			} {
				check(t, "foreground", surface, c(theme.ColorNameForeground), row, aa)
			}
			// Buttons of each importance, as they are, hovered, focused
			// and pressed.
			for _, b := range []struct{ text, face fyne.ThemeColorName }{
				{theme.ColorNameForeground, theme.ColorNameButton},
				{theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary},
				{theme.ColorNameForegroundOnError, theme.ColorNameError},
				{theme.ColorNameForegroundOnSuccess, theme.ColorNameSuccess},
				{theme.ColorNameForegroundOnWarning, theme.ColorNameWarning},
			} {
				for state, tint := range map[string]fyne.ThemeColorName{"": "", "hovered ": theme.ColorNameHover,
					"focused ": theme.ColorNameFocus, "pressed ": theme.ColorNamePressed} {
					face := c(b.face)
					if tint != "" {
						face = over(face, c(tint))
					}
					check(t, string(b.text), state+string(b.face)+" button", c(b.text), face, aa)
				}
			}
			// Disabled controls: WCAG exempts them; still legible.
			for _, surface := range []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameOverlayBackground,
				theme.ColorNameDisabledButton, theme.ColorNameInputBackground} {
				check(t, "disabled", string(surface), c(theme.ColorNameDisabled), c(surface), inactive)
			}
			// The focus ring, on the window or a dialog, a gap of their
			// colour away from the button: a mark that is not text needs
			// 3:1 (WCAG 1.4.11).
			for _, surface := range []fyne.ThemeColorName{theme.ColorNameBackground, theme.ColorNameOverlayBackground} {
				check(t, "the focus ring", string(surface), focusRingColor(v), c(surface), inactive)
			}
		})
	}
}

// Fyne's own theme fails the test above: it can fail.
func TestContrastOfFynesStatusColours(t *testing.T) {
	test.NewTempApp(t)
	for n, want := range map[fyne.ThemeColorName]float64{theme.ColorNameSuccess: 1.5, theme.ColorNameWarning: 2.1} {
		got := contrast(theme.DefaultTheme().Color(n, theme.VariantLight), color.White)
		if math.Abs(got-want) > 0.1 {
			t.Errorf("Fyne's %s on white is %.2f:1; the issue measured about %.1f:1", n, got, want)
		}
	}
}

func TestContrast(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fg, bg color.Color
		want   float64
	}{
		{"black on white", color.Black, color.White, 21},
		{"white on white", color.White, color.White, 1},
		{"#777 on white (WCAG's own example, about 4.48)", rgb(0x777777), color.White, 4.48},
		{"half-transparent black over white is mid grey", over(color.White, color.NRGBA{A: 0x80}), color.White, 4.00},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := contrast(tc.fg, tc.bg); math.Abs(got-tc.want) > 0.02 {
				t.Errorf("contrast = %.3f, want %.2f", got, tc.want)
			}
		})
	}
}

// contrast is the WCAG 2 contrast ratio of two opaque colours, 1 to 21.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is WCAG 2's relative luminance of an opaque colour.
func luminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(n.R) + 0.7152*lin(n.G) + 0.0722*lin(n.B)
}

// over is base with each tint drawn over it in turn, by its alpha.
func over(base color.Color, tints ...color.Color) color.Color {
	b := color.NRGBAModel.Convert(base).(color.NRGBA)
	for _, tint := range tints {
		t := color.NRGBAModel.Convert(tint).(color.NRGBA)
		a := float64(t.A) / 255
		mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-a) + float64(y)*a)) }
		b = color.NRGBA{R: mix(b.R, t.R), G: mix(b.G, t.G), B: mix(b.B, t.B), A: 0xff}
	}
	return b
}

func hex(c color.Color) string {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return fmt.Sprintf("#%02x%02x%02x", n.R, n.G, n.B)
}

// The status of a connection is carried by a mark too, in the panel as in
// the list, not by the colour of its words alone.
func TestStatusHasAMarkBesideItsColour(t *testing.T) {
	h := newHarness(t, nil)
	c := h.addClient("Production app", "prod-id")
	conn, err := h.store.SaveConnection("", "Kantata production", c.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]store.Status{}
	for _, st := range []store.Status{store.StatusNeverAuthorized, store.StatusAuthorized, store.StatusNeedsReauth, store.StatusFailed} {
		t.Run(string(st), func(t *testing.T) {
			saved, err := h.store.RecordOutcome(conn.ID, func(c *store.Connection) { c.Status = st })
			if err != nil {
				t.Fatal(err)
			}
			h.u.panel.showStatus(&saved)
			mark := h.u.panel.statusIcon.Resource
			if mark == nil || !h.u.panel.statusIcon.Visible() {
				t.Fatalf("the panel shows no mark beside %q", h.u.panel.status.Text)
			}
			if other, ok := seen[mark.Name()]; ok {
				t.Errorf("%s has the same mark as %s (%s)", st, other, mark.Name())
			}
			seen[mark.Name()] = st
			if want := statusIcon(saved); want.Name() != mark.Name() {
				t.Errorf("the panel's mark %s differs from the list's %s", mark.Name(), want.Name())
			}
		})
	}
}
