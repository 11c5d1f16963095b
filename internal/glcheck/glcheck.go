// Package glcheck asks, before the window opens, whether this computer's
// OpenGL can draw it (Fyne needs OpenGL 2.1), and says in plain words what to
// do when it can't. Without it the toolkit logs its own error and hangs with
// nothing on screen — the usual fate of remote desktops and virtual machines
// without a GPU driver.
//
// Probe makes a real context the way the toolkit will (GLX on Linux, WGL on
// Windows) and reads the version and renderer it gets. Message is the text a
// user sees when it fails; Tell shows it (stderr and a desktop notification
// on Linux, a message box on Windows). Watch guards the toolkit itself: a
// failure it logs after the probe passed still ends the program with the
// same words instead of a hang.
package glcheck

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Need is the OpenGL version the window needs (Fyne's GLFW driver asks for
// 2.1).
const needMajor, needMinor = 2, 1

// Timeout bounds a probe: a driver or X server that doesn't answer is
// treated as no OpenGL, so the program still ends within seconds. A healthy
// driver answers in well under a second, but a busy virtual machine (or
// Wine on a loaded 2-core machine: 6 s was measured too short) needs room.
const Timeout = 15 * time.Second

// Info is what drew, or will draw, the window.
type Info struct {
	Renderer string // GL_RENDERER, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)", "softpipe"
	Version  string // GL_VERSION, e.g. "4.5 (Compatibility Profile) Mesa 22.3.6"
	// Bundled is true when the renderer is the software OpenGL shipped
	// with the app (Windows), not the computer's own.
	Bundled bool
}

// String is the renderer for diagnostics, e.g. "softpipe, OpenGL 3.3 (...)".
func (i Info) String() string {
	if i.Renderer == "" && i.Version == "" {
		return ""
	}
	s := orUnknown(i.Renderer) + ", OpenGL " + orUnknown(i.Version)
	if i.Bundled {
		s += " (the software OpenGL bundled with the app)"
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// Kind says why there is no usable OpenGL.
type Kind int

const (
	// NoDisplay: no graphical display to open a window on.
	NoDisplay Kind = iota + 1
	// NoOpenGL: the display or driver offers no OpenGL at all (an X
	// server without GLX, Windows without a pixel format for it).
	NoOpenGL
	// NoContext: the driver refused to make an OpenGL context.
	NoContext
	// TooOld: a context was made, but its version is below 2.1.
	TooOld
	// NoAnswer: the driver or display did not answer within Timeout.
	NoAnswer
	// ToolkitFailed: the probe passed, but the toolkit could not make its
	// window's context all the same.
	ToolkitFailed
	// NoFallback: software rendering was asked for, but this copy of the
	// app has no software OpenGL beside it.
	NoFallback
)

// Error is a failed probe. Detail is for developers (the failing call); it
// never reaches the user's message.
type Error struct {
	Kind    Kind
	Version string // the version found, for TooOld
	Detail  string
}

func (e *Error) Error() string {
	switch e.Kind {
	case TooOld:
		return fmt.Sprintf("OpenGL %s is below %d.%d", e.Version, needMajor, needMinor)
	default:
		return "no usable OpenGL: " + e.Detail
	}
}

// checkVersion turns a context's GL_VERSION into nil or a TooOld error.
func checkVersion(version string) error {
	major, minor, ok := parseVersion(version)
	if !ok {
		return &Error{Kind: TooOld, Version: clean(version), Detail: "GL_VERSION " + strconv.Quote(version)}
	}
	if major < needMajor || major == needMajor && minor < needMinor {
		return &Error{Kind: TooOld, Version: fmt.Sprintf("%d.%d", major, minor), Detail: "GL_VERSION " + strconv.Quote(version)}
	}
	return nil
}

// parseVersion reads "MAJOR.MINOR" at the start of a GL_VERSION string
// ("2.1 Mesa 22.3.6", "1.1.0", "4.6.0 NVIDIA 535.54").
func parseVersion(v string) (major, minor int, ok bool) {
	head, rest, found := strings.Cut(strings.TrimSpace(v), ".")
	if !found {
		return 0, 0, false
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	major, err1 := strconv.Atoi(head)
	minor, err2 := strconv.Atoi(rest[:end])
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return major, minor, true
}

// clean keeps a driver's string printable and short: it comes from outside.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return strings.TrimSpace(s)
}

// Probe makes an OpenGL context as the window will, reads its version and
// renderer, and returns an *Error when it can't give 2.1. It never takes
// longer than Timeout: a stuck driver counts as none (the probe's thread is
// then left behind; the caller is about to exit).
func Probe() (Info, error) {
	if !canProbe {
		return Info{}, nil
	}
	type result struct {
		info Info
		err  error
	}
	done := make(chan result, 1)
	go func() {
		info, err := probe()
		if err == nil {
			err = checkVersion(info.Version)
		}
		info.Renderer, info.Version = clean(info.Renderer), clean(info.Version)
		done <- result{info, err}
	}()
	select {
	case r := <-done:
		return r.info, r.err
	case <-time.After(Timeout):
		return Info{}, &Error{Kind: NoAnswer, Detail: "no answer within " + Timeout.String()}
	}
}

// Title is the heading of the message (the message box's title, the
// notification's summary).
const Title = "Kantata Connect can't open its window"

// Message is what the user reads when the window can't open: what happened,
// what works anyway, what IT can change. It holds none of the toolkit's or
// driver's text beyond a version number.
func Message(err error) string {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Kind: ToolkitFailed}
	}
	var what string
	switch e.Kind {
	case NoDisplay:
		what = "Kantata Connect found no graphical display to open its window on: it was started outside a " +
			"desktop session (for example over SSH), or the display can't be reached."
	case NoAnswer:
		what = fmt.Sprintf("This computer's graphics driver did not answer within %d seconds when asked for "+
			"OpenGL 2.1, which the Kantata Connect window needs — usual in remote desktops and virtual machines.",
			int(Timeout/time.Second))
	case TooOld:
		what = "This computer's graphics driver doesn't offer OpenGL 2.1, which the Kantata Connect window needs " +
			"— usual in remote desktops and virtual machines."
		if e.Version != "" {
			what += " It offers OpenGL " + e.Version + "."
		}
	case NoFallback:
		what = "Software rendering was asked for (--software-rendering), but this copy of Kantata Connect has no " +
			"software OpenGL beside it: install it again with the installer."
	default:
		what = "This computer's graphics driver doesn't offer OpenGL 2.1, which the Kantata Connect window needs " +
			"— usual in remote desktops and virtual machines."
	}
	msg := what + "\n\n" +
		"The command line works anyway, with the same connections and clients:\n" +
		"    kantata-connect list\n" +
		"    kantata-connect authorize NAME\n" +
		"    kantata-connect test NAME\n" +
		"(kantata-connect help lists the rest.)"
	switch e.Kind {
	case NoDisplay:
		return msg
	case NoFallback:
		return msg + "\n\nWithout --software-rendering the window uses the graphics driver's OpenGL."
	}
	return msg + "\n\n" +
		"What your IT department can change: turn on 3D acceleration for this virtual machine or remote " +
		"desktop, or install the display driver of this computer's graphics card."
}
