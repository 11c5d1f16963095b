package gui

import (
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver"

	"github.com/kantata-connect/kantata-connect/screen"
)

// The window's size: what it asks for at first, and below which its
// content scrolls instead of shrinking (a 1366×768 laptop at 150 % has
// about 910×480 to offer; 1024×600 at 125 %, 820×450).
var (
	windowSize    = fyne.NewSize(900, 600)
	windowMinimum = fyne.NewSize(480, 320)
	placeSettle   = 250 * time.Millisecond // for the window manager's frame to show
	placeAttempts = 4
)

// scrollingContent is the window's content in a scroll that lets the window
// shrink to windowMinimum: below the content's own minimum size it
// scrolls, rather than the window growing past a small screen.
func scrollingContent(content fyne.CanvasObject) fyne.CanvasObject {
	s := container.NewScroll(content)
	s.SetMinSize(windowMinimum)
	return s
}

// nativeWindow is the window as the system knows it; false in Fyne's test
// driver, or before the window shows.
func (u *UI) nativeWindow() (screen.Window, bool) {
	nw, ok := u.win.(driver.NativeWindow)
	if !ok {
		return 0, false
	}
	var w screen.Window
	nw.RunNative(func(ctx any) {
		switch c := ctx.(type) {
		case driver.X11WindowContext:
			w = screen.Window(c.WindowHandle)
		case driver.WindowsWindowContext:
			w = screen.Window(c.HWND)
		}
	})
	return w, w != 0
}

// placeWindow puts the shown window inside the work area of its screen
// (taskbar and panels excluded), where Fyne, which knows only the whole
// screen, may have put its title bar or menu out of reach: where it was
// last time, or in the middle, and no larger than the work area. It runs off
// the UI thread: the system calls are quick, but the window manager draws
// its frame a moment after the window shows, and the fit is checked again
// once it has.
func (u *UI) placeWindow() {
	w, ok := u.nativeWindow()
	if !ok {
		return
	}
	saved, haveSaved := u.savedPlace()
	go func() {
		for attempt := range placeAttempts {
			frame, err := screen.Frame(w)
			if err != nil {
				return // no way to place it here: it stays where Fyne put it
			}
			target := frame
			if haveSaved && attempt == 0 {
				target = saved
			}
			area, err := screen.WorkAreaAt(target.Center())
			if err != nil {
				return
			}
			fitted := screen.Fit(target, area)
			if !haveSaved && attempt == 0 {
				fitted = screen.Centered(frame, area)
			}
			if fitted != frame {
				if err := screen.MoveResize(w, fitted); err != nil {
					return
				}
			} else if attempt > 0 {
				return // settled inside the work area
			}
			time.Sleep(placeSettle)
		}
	}()
}

// savedPlace is the window's frame from its last run, if kept.
func (u *UI) savedPlace() (screen.Rect, bool) {
	if u.store == nil {
		return screen.Rect{}, false
	}
	data, err := u.store.ReadSideFile(screen.PlaceFile)
	if err != nil {
		return screen.Rect{}, false
	}
	return screen.DecodePlace(data)
}

// savePlace keeps the window's frame for the next start, beside the
// records (never in records.json, which other windows and the command
// line share).
func (u *UI) savePlace() {
	w, ok := u.nativeWindow()
	if !ok || u.store == nil {
		return
	}
	frame, err := screen.Frame(w)
	if err != nil || frame.Empty() {
		return
	}
	if saved, ok := u.savedPlace(); ok && saved == frame {
		return
	}
	if err := u.store.WriteSideFile(screen.PlaceFile, screen.EncodePlace(frame)); err != nil {
		slog.Warn("could not keep the window's place", "err", err) // a read-only records folder: next time it opens in the middle
	}
}
