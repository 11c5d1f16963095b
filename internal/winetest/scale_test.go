//go:build linux

package winetest

import (
	"context"
	"fmt"
	"image"
	"image/color"
	imagepng "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/screen"
)

// TestWineWindowFitsAScaledLaptop installs the app with its installer, as a
// user does (its welcome and finish pages must show the app's own picture),
// then opens the window program on a 1366×768
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
	gui := installWithPages(t, p, scr)

	for _, tc := range []struct {
		name string
		dpi  int
	}{{"125 %", 120}, {"150 %", 144}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
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
			// Under load Wine can drop a WM_CLOSE that arrives while the
			// window is still settling, so it is sent again, as a user
			// clicks X again, until the window is gone.
			closed := false
			for deadline := time.Now().Add(90 * time.Second); !closed && time.Now().Before(deadline); {
				if out, err := p.run(ctx, "taskkill", "/IM", guiExe); err != nil {
					t.Logf("taskkill: %v\n%s", err, out)
				}
				select {
				case <-app.done:
					closed = true
				case <-time.After(10 * time.Second):
				}
			}
			if !closed {
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

// installWithPages runs the installer as a user does, pressing Return on
// each page (Next, Next, Install), and checks that its welcome page and its
// finish page show the app's own picture, not NSIS's stock one. It returns
// the installed window program.
func installWithPages(t *testing.T, p *prefix, scr *testenv.XScreen) string {
	t.Helper()
	installed := filepath.Join(p.userDir(), "AppData", "Local", "Programs", "Kantata Connect", guiExe)
	want := installerPicture(t)
	setup := p.startCLI(t, filepath.Join(dist(t), setupExe))
	var win string
	for deadline := time.Now().Add(90 * time.Second); win == ""; time.Sleep(200 * time.Millisecond) {
		out, _ := scr.Command("xdotool", "search", "--onlyvisible", "--name", "Kantata Connect.*Setup").Output()
		if f := strings.Fields(string(out)); len(f) > 0 {
			win = f[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the installer showed no window:\n%s", setup.output())
		}
	}
	// page waits for a page that shows the picture: the welcome page at
	// once, the finish page once the files are in.
	page := func(name string) {
		t.Helper()
		shot := ""
		for deadline := time.Now().Add(time.Minute); ; {
			shot = stillCapture(t, scr, win, name)
			if showsPicture(t, shot, want) {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("the installer's %s page does not show the app's picture", name)
				break
			}
		}
		if dir := os.Getenv("KANTATA_CONNECT_SCALE_SHOTS"); dir != "" {
			scr.Run(t, "convert", shot, filepath.Join(dir, "installer-"+name+".png"))
		}
	}
	page("welcome")
	for range 3 { // Next (welcome), Next (components), Install (folder)
		scr.Run(t, "xdotool", "windowfocus", "--sync", win)
		scr.Run(t, "xdotool", "key", "Return")
		time.Sleep(time.Second)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(500 * time.Millisecond) {
		if _, err := os.Stat(installed); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the installer did not install %s:\n%s", guiExe, setup.output())
		}
	}
	page("finish")
	// Not Finish, which would start the app (its box is ticked): close it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, _ = p.run(ctx, "taskkill", "/F", "/IM", setupExe)
	<-setup.done
	return installed
}

// installerPicture is the picture the installer should show, as PNG.
func installerPicture(t *testing.T) image.Image {
	t.Helper()
	bmp := filepath.Join(t.TempDir(), "welcome.bmp")
	if out, err := exec.Command(filepath.Join(root, "scripts", "installer-picture.sh"), bmp).CombinedOutput(); err != nil {
		t.Fatalf("installer-picture.sh: %v\n%s", err, out)
	}
	return readImage(t, bmp)
}

// stillCapture captures win until two captures in a row are alike.
func stillCapture(t *testing.T, scr *testenv.XScreen, win, name string) string {
	t.Helper()
	dir := t.TempDir()
	prev := ""
	for i := 0; i < 100; i++ {
		time.Sleep(300 * time.Millisecond)
		f := filepath.Join(dir, fmt.Sprintf("%s-%03d.png", name, i))
		if scr.Command("import", "-window", win, f).Run() != nil {
			continue
		}
		if prev != "" && differ(prev, f) == 0 {
			return f
		}
		prev = f
	}
	t.Fatalf("the installer's %s page never held still", name)
	return ""
}

// readImage decodes an image file (any format ImageMagick reads) through
// a PNG copy.
func readImage(t *testing.T, file string) image.Image {
	t.Helper()
	png := file + ".png"
	if out, err := exec.Command("convert", file, "PNG24:"+png).CombinedOutput(); err != nil {
		t.Fatalf("convert %s: %v\n%s", file, err, out)
	}
	f, err := os.Open(png)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := imagepng.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", png, err)
	}
	return img
}

// showsPicture reports whether the capture in file shows want near its top
// left corner (inside the window's frame): 95 % of its pixels within a
// small tolerance, at some offset.
func showsPicture(t *testing.T, file string, want image.Image) bool {
	t.Helper()
	got := readImage(t, file)
	wb, gb := want.Bounds(), got.Bounds()
	close := func(a, b color.Color) bool {
		ar, ag, ab, _ := a.RGBA()
		br, bg, bb, _ := b.RGBA()
		d := func(x, y uint32) bool { return x>>8 <= y>>8+24 && y>>8 <= x>>8+24 }
		return d(ar, br) && d(ag, bg) && d(ab, bb)
	}
	for dy := 0; dy <= 80 && dy+wb.Dy() <= gb.Dy(); dy++ {
		for dx := 0; dx <= 20 && dx+wb.Dx() <= gb.Dx(); dx++ {
			match, total := 0, wb.Dx()*wb.Dy()
			for y := 0; y < wb.Dy() && match+(wb.Dy()-y)*wb.Dx() >= total*95/100; y++ {
				for x := 0; x < wb.Dx(); x++ {
					if close(want.At(wb.Min.X+x, wb.Min.Y+y), got.At(gb.Min.X+dx+x, gb.Min.Y+dy+y)) {
						match++
					}
				}
			}
			if match >= total*95/100 {
				return true
			}
		}
	}
	return false
}
