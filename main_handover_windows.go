//go:build windows

package main

import "os"

// hasTerminal reports whether the words written to stderr reach the user:
// the command line (console subsystem) always has a console; the window's
// program, which the browser's link starts, has none.
func hasTerminal() bool {
	self, err := os.Executable()
	return err == nil && consoleSubsystem(self)
}
