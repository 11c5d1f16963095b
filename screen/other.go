//go:build !windows && !(linux && cgo)

package screen

// WorkAreaAt, Frame and MoveResize are not available on this system (macOS,
// whose window server keeps windows below its menu bar itself), or in a
// build without cgo: the window stays where the toolkit put it.
func WorkAreaAt(x, y int) (Rect, error) { return Rect{}, ErrUnsupported }

func Frame(Window) (Rect, error) { return Rect{}, ErrUnsupported }

func MoveResize(Window, Rect) error { return ErrUnsupported }
