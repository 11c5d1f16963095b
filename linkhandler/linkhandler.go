// Package linkhandler registers this program as the handler of the app's
// own link (oauth.AppLinkScheme) for a program run in place on Linux: a
// desktop entry in the user's applications folder, made the scheme's
// default with xdg-mime. The Windows installer and macOS's bundle
// register the link when the app is installed; there Register does nothing.
package linkhandler

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// DesktopFile is the desktop entry's name.
const DesktopFile = "kantata-connect-link.desktop"

// MimeType is the scheme's, as desktop entries and xdg-mime name it.
const MimeType = "x-scheme-handler/" + oauth.AppLinkScheme

// Entry is the desktop entry that starts program with the address (%u).
// It is hidden from menus: it exists only to take the link.
func Entry(program string) (string, error) {
	exec, err := execQuote(program)
	if err != nil {
		return "", err
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Kantata Connect (sign-in link)\n" +
		"Comment=Takes Kantata's answer to a sign-in back to Kantata Connect\n" +
		"Exec=" + exec + " %u\n" +
		"MimeType=" + MimeType + ";\n" +
		"NoDisplay=true\n" +
		"Terminal=false\n", nil
}

// execReserved are the characters the Desktop Entry Specification ("The
// Exec key") reserves in an argument: one holding any must be quoted.
const execReserved = " \t\"'\\><~|&;$*?#()`"

// execQuote writes program for an Exec line: as it is when it holds no
// reserved character (xdg-open outside a desktop environment, as Debian's
// xdg-utils 1.1.3 has it, reads the program as the line's first word and
// does not unquote it), else in double quotes, with ", `, $ and \ escaped,
// then the value's own escaping (a backslash doubled); % is doubled.
func execQuote(program string) (string, error) {
	if program == "" || strings.ContainsFunc(program, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", errors.New("linkhandler: the program's path is empty or holds a control character")
	}
	if !strings.ContainsAny(program, execReserved) {
		return strings.ReplaceAll(program, "%", "%%"), nil
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range program {
		switch r {
		case '"', '`', '$':
			b.WriteString(`\\` + string(r))
		case '\\':
			b.WriteString(`\\\\`)
		case '%':
			b.WriteString("%%")
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}

// Error is a registration that did not happen, with what it tried.
type Error struct {
	Step string // what failed, e.g. "write the desktop entry"
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("linkhandler: %s: %v", e.Step, e.Err) }
func (e *Error) Unwrap() error { return e.Err }
