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
	text, _ := windows.UTF16PtrFromString(Message(err))
	title, _ := windows.UTF16PtrFromString(Title)
	windows.MessageBox(0, text, title, windows.MB_OK|windows.MB_ICONERROR|windows.MB_SETFOREGROUND)
}
