package testenv

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/screen"
)

// XScreen is an Xvfb of a test's own, of the size the test asks for (the
// shared test display is 1280×1024), with a panel's work area on it when
// asked: a bare X server has no desktop to announce one.
type XScreen struct {
	Display string // ":N", for DISPLAY
	xdesk   string
}

// NewXScreen starts an Xvfb of width×height pixels for t, ended when t ends.
func NewXScreen(t testing.TB, width, height int) *XScreen {
	t.Helper()
	RealPartsOnly(t, "Xvfb")
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing; install it with: apt-get install -y xvfb xdotool", tool)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", width, height),
		"-nolisten", "tcp", "-noreset")
	xvfb.ExtraFiles = []*os.File{w}
	var xlog strings.Builder
	xvfb.Stdout, xvfb.Stderr = &xlog, &xlog
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		xvfb.Process.Kill()
		xvfb.Wait()
	})
	// The display's number, then a line end: read both, and keep the
	// pipe open, or Xvfb's write of the line end fails and it ends.
	t.Cleanup(func() { r.Close() })
	num, err := bufio.NewReader(r).ReadString('\n')
	if strings.TrimSpace(num) == "" {
		t.Fatalf("Xvfb reported no display: %v\n%s", err, xlog.String())
	}
	s := &XScreen{Display: ":" + strings.TrimSpace(num), xdesk: buildXDesk(t, t.TempDir())}
	// It answers a moment after it has named its display.
	for i := 0; ; i++ {
		out, err := s.Command("xdotool", "getdisplaygeometry").CombinedOutput()
		if err == nil {
			break
		}
		if i == 100 {
			t.Fatalf("Xvfb %s does not answer: %v\n%s\nXvfb said:\n%s", s.Display, err, out, xlog.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s
}

// OnDisplay is an X server already running, such as the shared test display
// ($DISPLAY), to read its windows' geometry; WorkArea and Close need a
// screen of NewXScreen's.
func OnDisplay(display string) *XScreen { return &XScreen{Display: display} }

// Command is a program run on this screen.
func (s *XScreen) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+s.Display)
	return cmd
}

// Run runs a program on this screen to its end and returns its output.
func (s *XScreen) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := s.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// WorkArea announces a work area, as a desktop's window manager does for
// its panels (_NET_WORKAREA on the root window).
func (s *XScreen) WorkArea(t testing.TB, x, y, width, height int) {
	t.Helper()
	s.Run(t, s.xdesk, "workarea", strconv.Itoa(x), strconv.Itoa(y), strconv.Itoa(width), strconv.Itoa(height))
}

// Close asks window to close, as a window manager's close button does
// (WM_DELETE_WINDOW).
func (s *XScreen) Close(t testing.TB, window string) {
	t.Helper()
	s.Run(t, s.xdesk, "close", window)
}

// Geometry is a window's place and size on this screen: with no window
// manager, the whole window. Empty when the window is gone.
func (s *XScreen) Geometry(window string) screen.Rect {
	out, err := s.Command("xdotool", "getwindowgeometry", "--shell", window).Output()
	var r screen.Rect
	if err != nil {
		return r
	}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(line, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "X":
			r.X = n
		case "Y":
			r.Y = n
		case "WIDTH":
			r.W = n
		case "HEIGHT":
			r.H = n
		}
	}
	return r
}

// Settled is a window's geometry once it has stayed the same for a second
// (the app places its window a moment after it shows), or after 30 seconds.
func (s *XScreen) Settled(window string) screen.Rect {
	last, same := s.Geometry(window), 0
	for i := 0; i < 150 && same < 5; i++ {
		time.Sleep(200 * time.Millisecond)
		if g := s.Geometry(window); g == last {
			same++
		} else {
			last, same = g, 0
		}
	}
	return last
}

// buildXDesk builds the internal/xdesk tool into dir.
func buildXDesk(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "xdesk")
	cmd := exec.Command("go", "build", "-o", path, "github.com/kantata-connect/kantata-connect/internal/xdesk")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build xdesk: %v\n%s", err, out)
	}
	return path
}
