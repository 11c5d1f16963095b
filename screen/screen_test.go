package screen

import "testing"

func TestFit(t *testing.T) {
	area := Rect{X: 0, Y: 0, W: 1366, H: 728} // 1366×768 less a 40-pixel taskbar
	for _, tc := range []struct {
		name        string
		frame, want Rect
	}{
		{"inside stays", Rect{100, 50, 800, 500}, Rect{100, 50, 800, 500}},
		{"too tall at 125 %: shrunk, moved down", Rect{98, -20, 1170, 780}, Rect{98, 0, 1170, 728}},
		{"too wide at 150 %: shrunk, moved right", Rect{-32, 10, 1400, 700}, Rect{0, 10, 1366, 700}},
		{"over the taskbar: moved up", Rect{10, 600, 800, 400}, Rect{10, 328, 800, 400}},
		{"on a monitor that is gone: moved in", Rect{2000, 100, 800, 500}, Rect{566, 100, 800, 500}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Fit(tc.frame, area)
			if got != tc.want {
				t.Errorf("Fit(%v) = %v, want %v", tc.frame, got, tc.want)
			}
			if !area.Contains(got) {
				t.Errorf("Fit(%v) = %v is not inside %v", tc.frame, got, area)
			}
		})
	}
	t.Run("centered on a monitor to the right, its taskbar on top", func(t *testing.T) {
		right := Rect{X: 1920, Y: 48, W: 1280, H: 976}
		if got, want := Centered(Rect{0, 0, 1350, 900}, right), (Rect{1920, 86, 1280, 900}); got != want {
			t.Errorf("Centered = %v, want %v", got, want)
		}
	})
}

func TestPlaceFileRoundTrip(t *testing.T) {
	r := Rect{X: -1280, Y: 24, W: 900, H: 600}
	if got, ok := DecodePlace(EncodePlace(r)); !ok || got != r {
		t.Errorf("DecodePlace(EncodePlace(%v)) = %v, %v", r, got, ok)
	}
	for name, data := range map[string]string{
		"not JSON": "window", "another version": `{"version":2,"frame":{"x":0,"y":0,"width":9,"height":9}}`,
		"no size": `{"version":1,"frame":{"x":0,"y":0,"width":0,"height":600}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, ok := DecodePlace([]byte(data)); ok {
				t.Errorf("DecodePlace(%s) took it", data)
			}
		})
	}
}
