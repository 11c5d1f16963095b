//go:build !windows

package oauth_test

import (
	"runtime"
	"testing"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// Without $BROWSER, the platform's opener (xdg-open, or open on macOS) is
// found on PATH and gets the URL as one argument.
func TestSystemOpenerPlatform(t *testing.T) {
	t.Run("found on PATH", func(t *testing.T) {
		name := "xdg-open"
		if runtime.GOOS == "darwin" {
			name = "open"
		}
		bin := t.TempDir()
		_, xout := recorder(t, bin, name, 0)
		t.Setenv("BROWSER", "")
		t.Setenv("PATH", bin)
		if err := oauth.SystemOpener(openURL); err != nil {
			t.Fatal(err)
		}
		sameArgs(t, recordedArgs(t, xout), []string{openURL})
	})

	t.Run("missing", func(t *testing.T) {
		t.Setenv("BROWSER", "")
		t.Setenv("PATH", t.TempDir())
		if err := oauth.SystemOpener(openURL); err == nil {
			t.Error("no error without any opener")
		}
	})
}
