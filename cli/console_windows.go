//go:build windows

package cli

import (
	"io"
	"os"

	"golang.org/x/sys/windows"
)

// redirected reports whether w is a file of the process (standard output
// or error) that is not a console: a file, a pipe, NUL.
func redirected(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	var mode uint32
	return windows.GetConsoleMode(windows.Handle(f.Fd()), &mode) != nil
}
