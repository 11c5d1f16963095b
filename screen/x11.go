//go:build linux && cgo

package screen

/*
#cgo LDFLAGS: -lX11 -lXrandr
#include <stdlib.h>
#include <X11/Xlib.h>
#include <X11/Xatom.h>
#include <X11/extensions/Xrandr.h>

// ignoreErrors keeps an X error (a window closed meanwhile) from ending the
// program, which Xlib's default handler does. The handler is the
// process's: set again before each use, as GLFW resets it to the default.
static int ignoreErrors(Display *d, XErrorEvent *e) { return 0; }

static Display *openDisplay(void) {
	XSetErrorHandler(ignoreErrors);
	return XOpenDisplay(NULL);
}

// cardinals reads a CARDINAL[] property of w into out (at most max); it
// returns how many it read, 0 when the property is missing.
static int cardinals(Display *d, Window w, const char *name, long *out, int max) {
	Atom prop = XInternAtom(d, name, True);
	if (prop == None) return 0;
	Atom type; int format; unsigned long n, after; unsigned char *data = NULL;
	if (XGetWindowProperty(d, w, prop, 0, max, False, XA_CARDINAL, &type, &format, &n, &after, &data) != Success || data == NULL) return 0;
	int got = 0;
	if (type == XA_CARDINAL && format == 32) {
		long *v = (long *)data;
		for (; got < (int)n && got < max; got++) out[got] = v[got];
	}
	XFree(data);
	return got;
}

// workArea is the work area of the monitor holding the point (x, y): the
// monitor (XRandR) cut by the desktop's _NET_WORKAREA, which window
// managers and panels keep. Returns 0 when no display answers.
static int workArea(int x, int y, long *r) {
	Display *d = openDisplay();
	if (d == NULL) return 0;
	Window root = DefaultRootWindow(d);
	long mon[4] = {0, 0, DisplayWidth(d, DefaultScreen(d)), DisplayHeight(d, DefaultScreen(d))};
	int n = 0;
	XRRMonitorInfo *ms = XRRGetMonitors(d, root, True, &n);
	if (ms != NULL) {
		int best = -1;
		for (int i = 0; i < n; i++) {
			if (x >= ms[i].x && x < ms[i].x + ms[i].width && y >= ms[i].y && y < ms[i].y + ms[i].height) { best = i; break; }
			if (best < 0 && ms[i].primary) best = i;
		}
		if (best < 0 && n > 0) best = 0;
		if (best >= 0) { mon[0] = ms[best].x; mon[1] = ms[best].y; mon[2] = ms[best].width; mon[3] = ms[best].height; }
		XRRFreeMonitors(ms);
	}
	r[0] = mon[0]; r[1] = mon[1]; r[2] = mon[2]; r[3] = mon[3];
	long desk = 0, area[4 * 32];
	cardinals(d, root, "_NET_CURRENT_DESKTOP", &desk, 1);
	int got = cardinals(d, root, "_NET_WORKAREA", area, 4 * 32);
	if (desk >= 0 && got >= 4 * (desk + 1)) {
		long *a = area + 4 * desk;
		long x0 = a[0] > mon[0] ? a[0] : mon[0], y0 = a[1] > mon[1] ? a[1] : mon[1];
		long x1 = a[0] + a[2] < mon[0] + mon[2] ? a[0] + a[2] : mon[0] + mon[2];
		long y1 = a[1] + a[3] < mon[1] + mon[3] ? a[1] + a[3] : mon[1] + mon[3];
		if (x1 > x0 && y1 > y0) { r[0] = x0; r[1] = y0; r[2] = x1 - x0; r[3] = y1 - y0; }
	}
	XCloseDisplay(d);
	return 1;
}

// frame reads w's outer frame: its place on the root window less the
// frame the window manager drew around it (_NET_FRAME_EXTENTS: left,
// right, top, bottom; none without a window manager). Returns 0 on failure.
static int frame(Window w, long *r, long *ext) {
	Display *d = openDisplay();
	if (d == NULL) return 0;
	XWindowAttributes a;
	int ok = 0;
	int x, y; Window child;
	if (XGetWindowAttributes(d, w, &a) && XTranslateCoordinates(d, w, DefaultRootWindow(d), 0, 0, &x, &y, &child)) {
		ext[0] = ext[1] = ext[2] = ext[3] = 0;
		cardinals(d, w, "_NET_FRAME_EXTENTS", ext, 4);
		r[0] = x - ext[0]; r[1] = y - ext[2];
		r[2] = a.width + ext[0] + ext[1]; r[3] = a.height + ext[2] + ext[3];
		ok = 1;
	}
	XCloseDisplay(d);
	return ok;
}

// moveResize gives w the outer frame r. GLFW's windows ask for static
// gravity, so the place asked for is the place of their content: the frame
// is added back around it.
static int moveResize(Window w, long *r) {
	Display *d = openDisplay();
	if (d == NULL) return 0;
	long ext[4] = {0, 0, 0, 0};
	cardinals(d, w, "_NET_FRAME_EXTENTS", ext, 4);
	long cw = r[2] - ext[0] - ext[1], ch = r[3] - ext[2] - ext[3];
	if (cw < 1) cw = 1;
	if (ch < 1) ch = 1;
	XMoveResizeWindow(d, w, r[0] + ext[0], r[1] + ext[2], cw, ch);
	XSync(d, False);
	XCloseDisplay(d);
	return 1;
}
*/
import "C"

import (
	"errors"
	"unsafe"
)

// errNoDisplay: no X display answered ($DISPLAY unset, or the server gone).
var errNoDisplay = errors.New("screen: no X display")

// WorkAreaAt is the work area of the monitor that holds the point (x, y),
// or of the primary monitor when none does.
func WorkAreaAt(x, y int) (Rect, error) {
	var r [4]C.long
	if C.workArea(C.int(x), C.int(y), (*C.long)(unsafe.Pointer(&r[0]))) == 0 {
		return Rect{}, errNoDisplay
	}
	return Rect{int(r[0]), int(r[1]), int(r[2]), int(r[3])}, nil
}

// Frame is w's outer frame, with what the window manager drew around it.
func Frame(w Window) (Rect, error) {
	var r, ext [4]C.long
	if C.frame(C.Window(w), (*C.long)(unsafe.Pointer(&r[0])), (*C.long)(unsafe.Pointer(&ext[0]))) == 0 {
		return Rect{}, errNoDisplay
	}
	return Rect{int(r[0]), int(r[1]), int(r[2]), int(r[3])}, nil
}

// MoveResize gives w the outer frame f.
func MoveResize(w Window, f Rect) error {
	r := [4]C.long{C.long(f.X), C.long(f.Y), C.long(f.W), C.long(f.H)}
	if C.moveResize(C.Window(w), (*C.long)(unsafe.Pointer(&r[0]))) == 0 {
		return errNoDisplay
	}
	return nil
}
