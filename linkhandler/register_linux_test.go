package linkhandler_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/linkhandler"
)

// needXDGMime fails (never skips) without xdg-utils.
func needXDGMime(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("xdg-mime"); err != nil {
		t.Fatal("xdg-mime not found: install xdg-utils (apt-get install -y xdg-utils)")
	}
}

// TestRegisterProgram: the desktop entry lands in $XDG_DATA_HOME, xdg-mime
// names it the scheme's handler, and a second registration changes
// nothing and says so.
func TestRegisterProgram(t *testing.T) {
	needXDGMime(t)
	data, config := t.TempDir(), t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv("XDG_CURRENT_DESKTOP", "")
	program := "/opt/Kantata Connect/kantata-connect"
	if got := linkhandler.Describe(); !strings.HasPrefix(got, "none registered") {
		t.Errorf("Describe before registering = %q", got)
	}

	t.Run("first time", func(t *testing.T) {
		registered, err := linkhandler.RegisterProgram(program)
		if err != nil || !registered {
			t.Fatalf("RegisterProgram = %v, %v; want registered", registered, err)
		}
		b, err := os.ReadFile(filepath.Join(data, "applications", linkhandler.DesktopFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range []string{
			"MimeType=x-scheme-handler/com.kantataconnect.desktop;",
			`Exec="/opt/Kantata Connect/kantata-connect" %u`,
			"NoDisplay=true",
		} {
			if !strings.Contains(string(b), line+"\n") {
				t.Errorf("desktop entry lacks %q:\n%s", line, b)
			}
		}
		out, err := exec.Command("xdg-mime", "query", "default", linkhandler.MimeType).Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != linkhandler.DesktopFile {
			t.Errorf("xdg-mime query default = %q, %v; want %s", got, err, linkhandler.DesktopFile)
		}
	})
	t.Run("described", func(t *testing.T) {
		if got := linkhandler.Describe(); !strings.HasPrefix(got, linkhandler.DesktopFile) {
			t.Errorf("Describe = %q", got)
		}
	})
	t.Run("again", func(t *testing.T) {
		if registered, err := linkhandler.RegisterProgram(program); err != nil || registered {
			t.Errorf("RegisterProgram again = %v, %v; want nothing done", registered, err)
		}
	})
	t.Run("default taken by another program", func(t *testing.T) {
		if out, err := exec.Command("xdg-mime", "default", "other.desktop", linkhandler.MimeType).CombinedOutput(); err != nil {
			t.Fatalf("xdg-mime default: %v\n%s", err, out)
		}
		if registered, err := linkhandler.RegisterProgram(program); err != nil || !registered {
			t.Errorf("RegisterProgram = %v, %v; want registered again", registered, err)
		}
	})
	t.Run("moved program", func(t *testing.T) {
		if registered, err := linkhandler.RegisterProgram("/usr/local/bin/kantata-connect"); err != nil || !registered {
			t.Errorf("RegisterProgram for a moved program = %v, %v; want registered anew", registered, err)
		}
	})
}
