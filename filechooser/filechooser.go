// Package filechooser shows the system's own file dialog: Windows' Save and
// Open dialogs, and on Linux the desktop portal's FileChooser (over D-Bus),
// which shows the desktop's dialog (GNOME's, KDE's) also to sandboxed apps.
// Where there is none it says so (ErrUnavailable), and the window shows
// Fyne's dialog instead.
package filechooser

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// ErrUnavailable means this system offers no file dialog to the app (no
// desktop portal answers, or another OS): use the toolkit's own.
var ErrUnavailable = errors.New("filechooser: no system file dialog")

// Options describe a file dialog.
type Options struct {
	// Title is the dialog's title.
	Title string
	// Save asks for a file to write (the name may be new; the dialog asks
	// before replacing one); otherwise for an existing file to read.
	Save bool
	// Name is the file name a save dialog suggests.
	Name string
	// Folder is where the dialog starts; "" is Documents.
	Folder string
	// FilterName and Extensions narrow the files shown, e.g. "Setup files"
	// and ["json"]; the dialog also offers all files.
	FilterName string
	Extensions []string
	// Parent is the window the dialog belongs to: an HWND on Windows, an
	// X11 window ID on Linux; 0 for none.
	Parent uintptr
}

// Choose shows the dialog and waits for the user: the chosen file's path,
// "" when they canceled, or an error (ErrUnavailable: no system dialog).
// It blocks until the dialog closes: call it off the UI thread. ctx ends
// the wait (the dialog may stay open where the system can't be told to
// close it).
func Choose(ctx context.Context, o Options) (string, error) {
	if o.Folder == "" {
		o.Folder = Documents()
	}
	return choose(ctx, o)
}

// Documents is the user's Documents folder (Windows' known folder, the XDG
// user directory on Linux), or their home folder when there is none.
func Documents() string {
	if d := documents(); d != "" {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	home, _ := os.UserHomeDir()
	return home
}

// xdgDocuments is XDG_DOCUMENTS_DIR from user-dirs.dirs in configHome
// ("$HOME/Documents" style, the home folder written as $HOME), or "".
func xdgDocuments(configHome, home string) string {
	data, err := os.ReadFile(filepath.Join(configHome, "user-dirs.dirs"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "XDG_DOCUMENTS_DIR=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		if rest, ok := strings.CutPrefix(v, "$HOME"); ok {
			v = home + rest
		}
		if !filepath.IsAbs(v) || filepath.Clean(v) == filepath.Clean(home) {
			return "" // the spec: a folder equal to $HOME means "not set"
		}
		return v
	}
	return ""
}
