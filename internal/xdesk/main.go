//go:build linux && cgo

// Command xdesk plays, for tests under Xvfb, the two parts of a desktop the
// app meets that a bare X server lacks: a panel that takes part of the
// screen (a work area, as window managers announce it in _NET_WORKAREA), and
// a window manager's close button (WM_DELETE_WINDOW).
//
//	xdesk workarea X Y WIDTH HEIGHT   announce the work area on the root window
//	xdesk close WINDOW                ask the window to close, as a close button does
package main

/*
#cgo LDFLAGS: -lX11
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <string.h>

static int setWorkArea(long x, long y, long w, long h) {
	Display *d = XOpenDisplay(NULL);
	if (d == NULL) return 0;
	long area[4] = {x, y, w, h}, desk = 0;
	Window root = DefaultRootWindow(d);
	XChangeProperty(d, root, XInternAtom(d, "_NET_WORKAREA", False), XA_CARDINAL, 32, PropModeReplace, (unsigned char *)area, 4);
	XChangeProperty(d, root, XInternAtom(d, "_NET_CURRENT_DESKTOP", False), XA_CARDINAL, 32, PropModeReplace, (unsigned char *)&desk, 1);
	XSync(d, False);
	XCloseDisplay(d);
	return 1;
}

static int closeWindow(Window w) {
	Display *d = XOpenDisplay(NULL);
	if (d == NULL) return 0;
	XEvent e;
	memset(&e, 0, sizeof e);
	e.xclient.type = ClientMessage;
	e.xclient.window = w;
	e.xclient.message_type = XInternAtom(d, "WM_PROTOCOLS", False);
	e.xclient.format = 32;
	e.xclient.data.l[0] = XInternAtom(d, "WM_DELETE_WINDOW", False);
	e.xclient.data.l[1] = CurrentTime;
	XSendEvent(d, w, False, NoEventMask, &e);
	XSync(d, False);
	XCloseDisplay(d);
	return 1;
}
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
)

func main() {
	args := os.Args[1:]
	num := func(s string) int64 {
		n, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "xdesk:", err)
			os.Exit(2)
		}
		return n
	}
	ok := C.int(0)
	switch {
	case len(args) == 5 && args[0] == "workarea":
		ok = C.setWorkArea(C.long(num(args[1])), C.long(num(args[2])), C.long(num(args[3])), C.long(num(args[4])))
	case len(args) == 2 && args[0] == "close":
		ok = C.closeWindow(C.Window(num(args[1])))
	default:
		fmt.Fprintln(os.Stderr, "usage: xdesk workarea X Y WIDTH HEIGHT | xdesk close WINDOW")
		os.Exit(2)
	}
	if ok == 0 {
		fmt.Fprintln(os.Stderr, "xdesk: cannot open the display")
		os.Exit(1)
	}
}
