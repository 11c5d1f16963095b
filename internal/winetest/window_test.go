//go:build linux

package winetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// envScreenshot names a file for the window's picture (make
// windows-screenshot writes the README's with it).
const envScreenshot = "KANTATA_CONNECT_WINDOWS_SCREENSHOT"

// TestWineWindow opens the Windows window program under Wine on the test
// display, with the default records folder, and checks that it shows the
// form: a window titled "Kantata Connect", painted (many colours, not one
// flat one) and still. Then the command line started with no command (what
// a double-click on kantata-connect.exe does) must hand the window to the
// window program and exit at once, so no console window stays open.
func TestWineWindow(t *testing.T) {
	p := wine(t)
	needTools(t, "xdotool", "import", "convert")
	d := dist(t)

	t.Run("window program", func(t *testing.T) {
		app := p.startCLI(t, filepath.Join(d, guiExe))
		win := waitForWindow(t, app)
		shot := settledCapture(t, win)
		if out := os.Getenv(envScreenshot); out != "" {
			if err := exec.Command("convert", shot, "-strip", out).Run(); err != nil {
				t.Fatalf("write %s: %v", out, err)
			}
			t.Logf("wrote %s", out)
		}
		closeWindow(t, p, win)
	})

	t.Run("command line with no command", func(t *testing.T) {
		cli := p.startCLI(t, filepath.Join(d, cliExe))
		select {
		case <-cli.done:
		case <-time.After(60 * time.Second):
			t.Fatalf("kantata-connect.exe with no command did not exit: it should leave the window to %s", guiExe)
		}
		if code := cli.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("kantata-connect.exe with no command: exit %d\n%s", code, cli.output())
		}
		win := waitForWindow(t, nil)
		settledCapture(t, win)
		closeWindow(t, p, win)
	})
}

// waitForWindow waits for a visible window titled "Kantata Connect" of the
// Windows program and returns its X id. app, when given, is the program that must show it.
func waitForWindow(t *testing.T, app *background) string {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if id := findWindow(); id != "" {
			return id
		}
		if app != nil {
			select {
			case <-app.done:
				t.Fatalf("the window program ended before its window showed:\n%s", app.output())
			default:
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal(`no window titled "Kantata Connect" showed within 90 seconds`)
	return ""
}

// findWindow is the X id of a visible window titled "Kantata Connect" of the
// Windows program, or "". Wine names the window's class after the program,
// which tells it from a Linux build's window that another package's test may
// show on the same display.
func findWindow() string {
	out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--classname", `^kantata connect\.exe$`).Output()
	for _, id := range strings.Fields(string(out)) {
		if name, _ := exec.Command("xdotool", "getwindowname", id).Output(); strings.TrimSpace(string(name)) == "Kantata Connect" {
			return id
		}
	}
	return ""
}

// settledCapture waits until the window is painted (not one flat colour:
// more than 10 colours) and still (three captures in a row alike), checks
// its size, and returns the last capture's path.
func settledCapture(t *testing.T, win string) string {
	t.Helper()
	dir := t.TempDir()
	prev, still := "", 0
	for i := 0; i < 150; i++ {
		time.Sleep(300 * time.Millisecond)
		f := filepath.Join(dir, fmt.Sprintf("shot-%03d.png", i))
		if err := exec.Command("import", "-window", win, f).Run(); err != nil {
			continue
		}
		colours := imageInfo(t, f, "%k")
		if prev != "" && colours > 10 && differ(prev, f) <= 100 {
			still++
		} else {
			still = 0
		}
		prev = f
		if still >= 2 {
			w, h := imageInfo(t, f, "%w"), imageInfo(t, f, "%h")
			if w < 400 || h < 300 {
				t.Errorf("the window is %dx%d: too small to hold the form", w, h)
			}
			t.Logf("the window is painted: %dx%d, %d colours", w, h, colours)
			return f
		}
	}
	t.Fatal("the window never showed a still, painted picture (more than 10 colours)")
	return ""
}

func imageInfo(t *testing.T, file, format string) int {
	t.Helper()
	out, err := exec.Command("convert", file, "-format", format, "info:").Output()
	if err != nil {
		t.Fatalf("convert %s: %v", file, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("convert %s -format %s: %q", file, format, out)
	}
	return n
}

// differ is how many pixels differ between two captures (many when compare
// fails, so a broken capture never counts as still).
func differ(a, b string) int {
	out, _ := exec.Command("compare", "-metric", "AE", "-fuzz", "2%", a, b, "null:").CombinedOutput()
	f, err := strconv.ParseFloat(strings.Fields(string(out) + " x")[0], 64)
	if err != nil {
		return 1 << 30
	}
	return int(f)
}

// closeWindow ends the window program the Windows way (taskkill) and waits
// for its window to go.
func closeWindow(t *testing.T, p *prefix, win string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := p.run(ctx, "taskkill", "/F", "/IM", guiExe); err != nil {
		t.Logf("taskkill: %v\n%s", err, out)
	}
	for i := 0; i < 100; i++ {
		if exec.Command("xdotool", "getwindowname", win).Run() != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("the window %s stayed open after taskkill", win)
}
