//go:build !windows

package main

import (
	"os"

	"github.com/kantata-connect/kantata-connect/cli"
	"github.com/kantata-connect/kantata-connect/internal/glcheck"
)

// openWindowElsewhere is for Windows, where the command line hands the
// window to a program of its own (main_windows.go). Elsewhere the window
// opens in this process.
func openWindowElsewhere([]string) bool { return false }

// checkOpenGL returns the OpenGL that will draw the window, or tells the user
// why there is none and exits with code 1. --software-rendering asks Mesa
// for its software renderer (llvmpipe) instead of the graphics driver.
// Where the X server has no GLX at all, nothing here can draw: GLFW could
// reach Mesa's llvmpipe through EGL instead, but Fyne gives no way to ask it
// to (it sets no context-creation hint, and a build for Wayland is another
// program), so the message says what works instead.
func checkOpenGL(g cli.Global, _ []string) (glcheck.Info, bool) {
	if g.SoftwareRendering {
		os.Setenv("LIBGL_ALWAYS_SOFTWARE", "1")
	}
	info, err := glcheck.Probe()
	if err != nil {
		glcheck.Tell(os.Stderr, err)
		os.Exit(1)
	}
	return info, false
}
