//go:build windows

package main

import (
	"os"

	"github.com/kantata-connect/kantata-connect/internal/glcheck"
)

// showOutsideTerminal shows handOver's words in a message box, unless this
// is the command line (console subsystem), whose console shows its stderr:
// the window's program, which the browser's link starts, has none.
func showOutsideTerminal(words string) {
	if self, err := os.Executable(); err == nil && consoleSubsystem(self) {
		return
	}
	glcheck.Show(handOverTitle, words)
}
