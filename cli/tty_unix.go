//go:build unix

package cli

import (
	"os/signal"
	"syscall"
)

// ignoreBackgroundRead keeps authorize running when it is put in the
// background (a trailing &, or Ctrl-Z then bg) while it reads the terminal
// for a pasted address: by default the system stops such a reader
// (SIGTTIN); ignored, its read fails instead, and the wait for the
// browser's callback goes on.
func ignoreBackgroundRead() { signal.Ignore(syscall.SIGTTIN) }
