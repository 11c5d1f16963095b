//go:build windows

package glcheck

import (
	"fmt"
	"io"

	"golang.org/x/sys/windows"
)

// Tell shows the message in a message box — the window's program has no
// console — and writes it to stderr too, for the command line's copy.
func Tell(stderr io.Writer, err error) {
	fmt.Fprintf(stderr, "%s.\n\n%s\n", Title, Message(err))
	Show(Title, Message(err))
}

// Show puts words where a user of a program with no console sees them: a
// message box, which returns once the user has clicked OK.
func Show(title, text string) {
	t, _ := windows.UTF16PtrFromString(text)
	c, _ := windows.UTF16PtrFromString(title)
	windows.MessageBox(0, t, c, windows.MB_OK|windows.MB_ICONERROR|windows.MB_SETFOREGROUND)
}
