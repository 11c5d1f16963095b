//go:build linux && cgo

package glcheck

/*
#cgo LDFLAGS: -lGL -lX11
#include <stdlib.h>
#include <string.h>
#include <X11/Xlib.h>
#include <GL/gl.h>
#include <GL/glx.h>

enum { KC_OK, KC_NO_DISPLAY, KC_NO_GLX, KC_OLD_GLX, KC_NO_CONFIG, KC_NO_WINDOW, KC_NO_CONTEXT, KC_NO_CURRENT };

// Xlib's default error handler ends the process; the probe's errors are
// answers, not reasons to exit.
static int kc_x_errors;
static int kc_on_x_error(Display *d, XErrorEvent *e) { (void)d; (void)e; kc_x_errors++; return 0; }

static void kc_copy(char *dst, size_t n, const GLubyte *src) {
	dst[0] = 0;
	if (src) { strncpy(dst, (const char *)src, n - 1); dst[n - 1] = 0; }
}

// kc_probe makes a GLX context on an unmapped window of the default display,
// as GLFW does (GLX 1.3 frame buffer configurations), makes it current and
// reads GL_VERSION and GL_RENDERER.
static int kc_probe(char *version, char *renderer, size_t n) {
	Display *dpy = XOpenDisplay(NULL);
	if (!dpy) return KC_NO_DISPLAY;
	int (*old)(Display *, XErrorEvent *) = XSetErrorHandler(kc_on_x_error);
	int rc = KC_OK, eb, ev, major = 0, minor = 0, count = 0;
	GLXFBConfig *configs = NULL;
	XVisualInfo *vi = NULL;
	Colormap cmap = 0;
	Window win = 0;
	GLXContext ctx = NULL;
	kc_x_errors = 0;
	if (!glXQueryExtension(dpy, &eb, &ev)) { rc = KC_NO_GLX; goto out; }
	if (!glXQueryVersion(dpy, &major, &minor) || major < 1 || (major == 1 && minor < 3)) { rc = KC_OLD_GLX; goto out; }
	int attrs[] = {
		GLX_X_RENDERABLE, True, GLX_DRAWABLE_TYPE, GLX_WINDOW_BIT, GLX_RENDER_TYPE, GLX_RGBA_BIT,
		GLX_RED_SIZE, 8, GLX_GREEN_SIZE, 8, GLX_BLUE_SIZE, 8, GLX_DOUBLEBUFFER, True, None,
	};
	configs = glXChooseFBConfig(dpy, DefaultScreen(dpy), attrs, &count);
	if (!configs || count == 0) { rc = KC_NO_CONFIG; goto out; }
	vi = glXGetVisualFromFBConfig(dpy, configs[0]);
	if (!vi) { rc = KC_NO_CONFIG; goto out; }
	Window root = RootWindow(dpy, vi->screen);
	cmap = XCreateColormap(dpy, root, vi->visual, AllocNone);
	XSetWindowAttributes swa;
	memset(&swa, 0, sizeof swa);
	swa.colormap = cmap;
	win = XCreateWindow(dpy, root, 0, 0, 16, 16, 0, vi->depth, InputOutput, vi->visual, CWColormap | CWBorderPixel, &swa);
	XSync(dpy, False);
	if (!win || kc_x_errors) { rc = KC_NO_WINDOW; goto out; }
	ctx = glXCreateNewContext(dpy, configs[0], GLX_RGBA_TYPE, NULL, True);
	XSync(dpy, False);
	if (!ctx || kc_x_errors) { rc = KC_NO_CONTEXT; goto out; }
	if (!glXMakeCurrent(dpy, win, ctx)) { rc = KC_NO_CURRENT; goto out; }
	kc_copy(version, n, glGetString(GL_VERSION));
	kc_copy(renderer, n, glGetString(GL_RENDERER));
	glXMakeCurrent(dpy, None, NULL);
out:
	if (ctx) glXDestroyContext(dpy, ctx);
	if (win) XDestroyWindow(dpy, win);
	if (cmap) XFreeColormap(dpy, cmap);
	if (vi) XFree(vi);
	if (configs) XFree(configs);
	XSync(dpy, False);
	XSetErrorHandler(old);
	XCloseDisplay(dpy);
	return rc;
}
*/
import "C"

import (
	"os"
	"runtime"
	"unsafe"
)

// canProbe: GLX answers the question before the toolkit asks.
const canProbe = true

// probe asks the X server named by DISPLAY for an OpenGL context (GLFW's
// way on X11; on Wayland the window goes through XWayland all the same).
func probe() (Info, error) {
	if os.Getenv("DISPLAY") == "" {
		return Info{}, &Error{Kind: NoDisplay, Detail: "DISPLAY is not set"}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const n = 256
	version := (*C.char)(C.calloc(n, 1))
	renderer := (*C.char)(C.calloc(n, 1))
	defer C.free(unsafe.Pointer(version))
	defer C.free(unsafe.Pointer(renderer))
	rc := C.kc_probe(version, renderer, n)
	info := Info{Version: C.GoString(version), Renderer: C.GoString(renderer)}
	switch rc {
	case C.KC_OK:
		return info, nil
	case C.KC_NO_DISPLAY:
		return info, &Error{Kind: NoDisplay, Detail: "XOpenDisplay failed"}
	case C.KC_NO_GLX:
		return info, &Error{Kind: NoOpenGL, Detail: "the X server has no GLX extension"}
	case C.KC_OLD_GLX:
		return info, &Error{Kind: NoOpenGL, Detail: "GLX is older than 1.3"}
	case C.KC_NO_CONFIG:
		return info, &Error{Kind: NoOpenGL, Detail: "no GLX frame buffer configuration for a window"}
	case C.KC_NO_WINDOW:
		return info, &Error{Kind: NoOpenGL, Detail: "no window for the configuration"}
	case C.KC_NO_CONTEXT:
		return info, &Error{Kind: NoContext, Detail: "glXCreateNewContext failed"}
	default:
		return info, &Error{Kind: NoContext, Detail: "glXMakeCurrent failed"}
	}
}
