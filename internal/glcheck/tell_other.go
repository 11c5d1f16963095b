//go:build !linux && !windows

package glcheck

import (
	"fmt"
	"io"
)

// Tell writes the message to stderr.
func Tell(stderr io.Writer, err error) {
	fmt.Fprintf(stderr, "%s.\n\n%s\n", Title, Message(err))
}

// Show is for programs started with no terminal: nothing more here.
func Show(title, text string) {}
