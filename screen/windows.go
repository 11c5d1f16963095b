//go:build windows

package screen

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32              = windows.NewLazySystemDLL("user32.dll")
	procMonitorFromRect = user32.NewProc("MonitorFromRect")
	procGetMonitorInfoW = user32.NewProc("GetMonitorInfoW")
	procGetWindowRect   = user32.NewProc("GetWindowRect")
	procSetWindowPos    = user32.NewProc("SetWindowPos")
)

const (
	monitorDefaultToNearest = 2
	swpNoZOrder             = 0x0004
	swpNoActivate           = 0x0010
)

type rect struct{ Left, Top, Right, Bottom int32 }

type monitorInfo struct {
	Size    uint32
	Monitor rect
	Work    rect
	Flags   uint32
}

func (r rect) toRect() Rect {
	return Rect{int(r.Left), int(r.Top), int(r.Right - r.Left), int(r.Bottom - r.Top)}
}

// WorkAreaAt is the work area (rcWork: the monitor less the taskbar and
// docked bars) of the monitor nearest the point (x, y). The program is
// DPI-aware (GLFW makes it so): these are the monitor's own pixels, as
// are the window's.
func WorkAreaAt(x, y int) (Rect, error) {
	// MonitorFromRect rather than MonitorFromPoint, whose POINT goes by
	// value.
	at := rect{int32(x), int32(y), int32(x) + 1, int32(y) + 1}
	mon, _, err := procMonitorFromRect.Call(uintptr(unsafe.Pointer(&at)), monitorDefaultToNearest)
	if mon == 0 {
		return Rect{}, err
	}
	mi := monitorInfo{Size: uint32(unsafe.Sizeof(monitorInfo{}))}
	if ok, _, err := procGetMonitorInfoW.Call(mon, uintptr(unsafe.Pointer(&mi))); ok == 0 {
		return Rect{}, err
	}
	return mi.Work.toRect(), nil
}

// Frame is w's outer frame (GetWindowRect).
func Frame(w Window) (Rect, error) {
	var r rect
	if ok, _, err := procGetWindowRect.Call(uintptr(w), uintptr(unsafe.Pointer(&r))); ok == 0 {
		return Rect{}, err
	}
	return r.toRect(), nil
}

// MoveResize gives w the outer frame f (SetWindowPos).
func MoveResize(w Window, f Rect) error {
	ok, _, err := procSetWindowPos.Call(uintptr(w), 0, uintptr(f.X), uintptr(f.Y), uintptr(f.W), uintptr(f.H),
		swpNoZOrder|swpNoActivate)
	if ok == 0 {
		return err
	}
	return nil
}
