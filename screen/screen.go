// Package screen tells where a window may go: the work area of the screen
// it is on (the screen less its taskbars and panels, which Fyne does not
// expose), and the window's outer frame, which it reads and sets through
// the system (Xlib on Linux, user32 on Windows). All in the system's own
// pixels: no scale to convert, as frame and work area come from the same
// place. Fit and the place file's format are plain Go.
package screen

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Rect is a rectangle in screen pixels: X and Y its top left corner.
type Rect struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"width"`
	H int `json:"height"`
}

// Center is the middle of r.
func (r Rect) Center() (x, y int) { return r.X + r.W/2, r.Y + r.H/2 }

// Empty reports whether r has no area.
func (r Rect) Empty() bool { return r.W <= 0 || r.H <= 0 }

// Contains reports whether o lies wholly inside r.
func (r Rect) Contains(o Rect) bool {
	return o.X >= r.X && o.Y >= r.Y && o.X+o.W <= r.X+r.W && o.Y+o.H <= r.Y+r.H
}

func (r Rect) String() string { return fmt.Sprintf("%dx%d at %d,%d", r.W, r.H, r.X, r.Y) }

// ErrUnsupported: this system, or this build, can't place windows.
var ErrUnsupported = errors.New("screen: placing windows is not supported here")

// Window is a top-level window of the system: an X11 window ID, or an HWND.
type Window uintptr

// Fit is frame made to fit area: no larger than it, and moved in as little
// as it takes to lie wholly inside it.
func Fit(frame, area Rect) Rect {
	if area.Empty() {
		return frame
	}
	frame.W, frame.H = min(frame.W, area.W), min(frame.H, area.H)
	frame.X = max(area.X, min(frame.X, area.X+area.W-frame.W))
	frame.Y = max(area.Y, min(frame.Y, area.Y+area.H-frame.H))
	return frame
}

// Centered is a frame of frame's size, fitted to area, in its middle.
func Centered(frame, area Rect) Rect {
	frame = Fit(frame, area)
	frame.X = area.X + (area.W-frame.W)/2
	frame.Y = area.Y + (area.H-frame.H)/2
	return frame
}

// PlaceFile is the file beside the records that keeps the window's last
// place (the records themselves stay in records.json).
const PlaceFile = "window.json"

// place is PlaceFile's content.
type place struct {
	Version int  `json:"version"`
	Frame   Rect `json:"frame"`
}

// EncodePlace is PlaceFile's content for frame.
func EncodePlace(frame Rect) []byte {
	data, _ := json.MarshalIndent(place{Version: 1, Frame: frame}, "", "  ") // plain ints: can't fail
	return append(data, '\n')
}

// DecodePlace is the frame PlaceFile's content holds, if it is usable.
func DecodePlace(data []byte) (Rect, bool) {
	var p place
	if json.Unmarshal(data, &p) != nil || p.Version != 1 || p.Frame.Empty() {
		return Rect{}, false
	}
	return p.Frame, true
}
