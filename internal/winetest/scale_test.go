//go:build linux

package winetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/screen"
)

// TestWineWindowFitsAScaledLaptop opens the window program on a 1366×768
// laptop whose taskbar takes the bottom 40 pixels, at 125 % and at 150 %
// (Wine's LogPixels 120 and 144), where Fyne's 900×600 comes out 1125×750
// and 1350×900 plus the title bar: the window must open inside the work
// area (the title bar and File menu on the screen, nothing under the
// taskbar), shrunk to it. Closed (WM_CLOSE, as the title bar's X does), it
// keeps its place in %AppData%\kantata-connect\window.json.
func TestWineWindowFitsAScaledLaptop(t *testing.T) {
	needTools(t, "wine", "wineserver", "xdotool", "import")
	scr := testenv.NewXScreen(t, 1366, 768)
	area := screen.Rect{X: 0, Y: 0, W: 1366, H: 728}
	scr.WorkArea(t, area.X, area.Y, area.W, area.H)
	p, err := newPrefix(filepath.Join(work(t), "wine prefix laptop"), "DISPLAY="+scr.Display)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.stop)
	records := filepath.Join(p.userDir(), "AppData", "Roaming", "kantata-connect")
	gui := filepath.Join(dist(t), guiExe)

	for _, tc := range []struct {
		name string
		dpi  int
	}{{"125 %", 120}, {"150 %", 144}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			// A new DPI takes effect for programs started after Wine's
			// own have restarted.
			p.stop()
			if out, err := p.run(ctx, "reg", "add", `HKCU\Control Panel\Desktop`, "/v", "LogPixels",
				"/t", "REG_DWORD", "/d", strconv.Itoa(tc.dpi), "/f"); err != nil {
				t.Fatalf("set LogPixels: %v\n%s", err, out)
			}
			p.stop()
			os.Remove(filepath.Join(records, screen.PlaceFile)) // opens as on a first start

			app := p.startCLI(t, gui)
			win := windowOn(t, scr, app)
			g := scr.Settled(win)
			if !area.Contains(g) {
				t.Errorf("at %s the window is %v; want it inside the work area %v", tc.name, g, area)
			}
			if g.H < area.H-40 {
				t.Errorf("at %s the window is %d high; want it shrunk to about the work area's %d", tc.name, g.H, area.H)
			}
			if dir := os.Getenv("KANTATA_CONNECT_SCALE_SHOTS"); dir != "" {
				scr.Run(t, "import", "-window", "root", filepath.Join(dir, fmt.Sprintf("wine-%d.png", tc.dpi)))
			}

			// The title bar's X: WM_CLOSE, through the window's own close.
			if out, err := p.run(ctx, "taskkill", "/IM", guiExe); err != nil {
				t.Logf("taskkill: %v\n%s", err, out)
			}
			select {
			case <-app.done:
			case <-time.After(60 * time.Second):
				t.Fatalf("the window did not close on WM_CLOSE:\n%s", app.output())
			}
			data, err := os.ReadFile(filepath.Join(records, screen.PlaceFile))
			if err != nil {
				t.Fatalf("the window's place was not kept: %v\n%s", err, app.output())
			}
			if saved, ok := screen.DecodePlace(data); !ok || !area.Contains(saved) {
				t.Errorf("kept %s; want a frame inside %v", data, area)
			}
		})
	}
}

// windowOn waits for the window program's window on scr.
func windowOn(t *testing.T, scr *testenv.XScreen, app *background) string {
	t.Helper()
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		out, _ := scr.Command("xdotool", "search", "--onlyvisible", "--classname", `^kantata connect\.exe$`).Output()
		for _, id := range strings.Fields(string(out)) {
			if name, _ := scr.Command("xdotool", "getwindowname", id).Output(); strings.TrimSpace(string(name)) == "Kantata Connect" {
				return id
			}
		}
		select {
		case <-app.done:
			t.Fatalf("the window program ended before its window showed:\n%s", app.output())
		default:
		}
	}
	t.Fatal(`no window titled "Kantata Connect" showed within 90 seconds`)
	return ""
}
