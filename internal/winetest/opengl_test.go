//go:build linux

package winetest

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/glcheck"
)

// TestWineWithoutOpenGL runs the Windows window program where the system's
// OpenGL can't give 2.1: Wine's OpenGL capped at 1.1, which gives exactly
// Windows' "WGL: Failed to create OpenGL context" in the toolkit. With the
// software copy beside it (software-opengl\, as make windows and the
// installer lay it out) the program hands the window to that copy, which
// must show the painted form drawn by Mesa's opengl32.dll from its own
// folder. --software-rendering must do the same with no cap. With the copy
// taken away, it must show a message box with the plain words and end with
// code 1.
//
// Wine, unlike Windows, prefers its builtin opengl32 even with a DLL beside
// the program: opengl32=n,b makes it behave as Windows does (a program with
// no DLL beside it still gets the builtin one).
func TestWineWithoutOpenGL(t *testing.T) {
	p := wine(t)
	needTools(t, "xdotool", "import", "convert")
	d := dist(t)
	native := "WINEDLLOVERRIDES=" + dllOverrides + ";opengl32=n,b"
	capped := []string{native, "MESA_GL_VERSION_OVERRIDE=1.1"}

	// drawnBySoftware waits for the window, checks it is painted and that
	// the process showing it loaded software-opengl\opengl32.dll.
	drawnBySoftware := func(t *testing.T, app *background) {
		t.Helper()
		// The program hands the window to its software copy and ends.
		select {
		case <-app.done:
		case <-time.After(60 * time.Second):
			t.Fatal("the window program did not hand the window to its software copy within 60 seconds")
		}
		if code := app.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("the window program: exit %d\n%s", code, app.output())
		}
		win := waitForWindow(t, nil)
		settledCapture(t, win)
		mods, err := p.wininfo(t, "modules", guiExe)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.ToLower(mods), `\software-opengl\opengl32.dll`) {
			t.Errorf("the window's process did not load software-opengl\\opengl32.dll; its modules:\n%s", mods)
		}
		closeWindow(t, p, win)
	}

	t.Run("software copy when OpenGL is 1.1", func(t *testing.T) {
		drawnBySoftware(t, p.startWith(t, capped, filepath.Join(d, guiExe)))
	})

	t.Run("software copy with --software-rendering", func(t *testing.T) {
		drawnBySoftware(t, p.startWith(t, []string{native}, filepath.Join(d, guiExe), "--software-rendering"))
	})

	t.Run("message box without the software copy", func(t *testing.T) {
		dir := t.TempDir()
		copyFile(t, filepath.Join(d, guiExe), filepath.Join(dir, guiExe))
		app := p.startWith(t, capped, filepath.Join(dir, guiExe))
		var text string
		deadline := time.Now().Add(60 * time.Second)
		for {
			out, err := p.wininfo(t, "window-text", glcheck.Title)
			if err == nil {
				text = out
				break
			}
			select {
			case <-app.done:
				t.Fatalf("the program ended without a message box (exit %d)\n%s", app.cmd.ProcessState.ExitCode(), app.output())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("no message box titled %q within 60 seconds: %v", glcheck.Title, err)
			}
			time.Sleep(300 * time.Millisecond)
		}
		for _, want := range []string{glcheck.Title, "doesn't offer OpenGL 2.1", "remote desktops and virtual machines",
			"kantata-connect list", "kantata-connect authorize NAME", "kantata-connect test NAME", "3D acceleration", "display driver"} {
			if !strings.Contains(text, want) {
				t.Errorf("the message box does not say %q:\n%s", want, text)
			}
		}
		for _, never := range []string{"WGL", "Fyne", ".go:"} {
			if strings.Contains(text, never) {
				t.Errorf("the message box holds toolkit text %q:\n%s", never, text)
			}
		}
		t.Logf("the message box says:\n%s", text)
		// OK, as a user would.
		if _, err := p.wininfo(t, "close", glcheck.Title); err != nil {
			t.Fatal(err)
		}
		select {
		case <-app.done:
		case <-time.After(30 * time.Second):
			t.Fatal("the program did not end after its message box was closed")
		}
		if code := app.cmd.ProcessState.ExitCode(); code != 1 {
			t.Errorf("exit %d, want 1\n%s", code, app.output())
		}
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
