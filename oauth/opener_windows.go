//go:build windows

package oauth

import (
	"path/filepath"

	"golang.org/x/sys/windows"
)

// platformOpener is the command that opens url in the default browser:
// rundll32 url.dll,FileProtocolHandler URL, what Windows itself runs for a
// link. Not "cmd /c start": cmd would read the '&' between the URL's
// parameters as the end of a command. The URL is one argument with no space
// or quote in it (it is percent-encoded), so it reaches url.dll untouched.
// rundll32 is named by its full path in the system folder, so no rundll32.exe
// in the current folder or on PATH can stand in for it.
func platformOpener(url string) (string, []string) {
	name := "rundll32.exe"
	if dir, err := windows.GetSystemDirectory(); err == nil && dir != "" {
		name = filepath.Join(dir, "rundll32.exe")
	}
	return name, []string{"url.dll,FileProtocolHandler", url}
}
