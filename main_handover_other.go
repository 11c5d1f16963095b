//go:build !windows

package main

import (
	"os"

	"golang.org/x/term"
)

// hasTerminal reports whether the words written to stderr reach the user: a
// program the browser's link starts has no terminal.
func hasTerminal() bool { return term.IsTerminal(int(os.Stderr.Fd())) }
