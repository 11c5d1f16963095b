//go:build windows

package oauth

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/windows"
)

// Without $BROWSER, Windows opens the address the way Explorer opens a link:
// the system folder's rundll32 with url.dll,FileProtocolHandler, and the
// address as one argument, '&' and all. (The end-to-end run under Wine,
// internal/winetest, opens a real sign-in this way.)
func TestPlatformOpenerWindows(t *testing.T) {
	url := "http://127.0.0.1:38917/oauth/authorize?client_id=a&state=b%20c&redirect_uri=http%3A%2F%2F127.0.0.1%3A38917%2Fcallback"
	name, args := platformOpener(url)
	sys, err := windows.GetSystemDirectory()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(name, filepath.Join(sys, "rundll32.exe")) {
		t.Errorf("opener = %q, want rundll32.exe in %s", name, sys)
	}
	if _, err := os.Stat(name); err != nil {
		t.Errorf("opener %s: %v", name, err)
	}
	if len(args) != 2 || args[0] != "url.dll,FileProtocolHandler" || args[1] != url {
		t.Errorf("opener args = %q, want url.dll,FileProtocolHandler and the URL", args)
	}
	// The command line Windows builds carries the address as it is: no
	// quotes for rundll32 to pass on, and no shell to read '&'.
	if got := syscall.EscapeArg(url); got != url {
		t.Errorf("the address is changed on the command line: %q", got)
	}
}
