package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		xvfb.Process.Kill()
		xvfb.Wait()
	})
	num := make([]byte, 16)
	n, err := r.Read(num)
	r.Close()
	if err != nil || n == 0 {
		t.Fatalf("Xvfb reported no display: %v", err)
	}
	s := &XScreen{Display: ":" + strings.TrimSpace(string(num[:n])), xdesk: buildXDesk(t, t.TempDir())}
	// It answers a moment after it has named its display.
	for i := 0; ; i++ {
		out, err := s.Command("xdotool", "getdisplaygeometry").CombinedOutput()
		if err == nil {
			break
		}
		if i == 100 {
			t.Fatalf("Xvfb %s does not answer: %v\n%s", s.Display, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return s
}

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
// manager, the whole window.
func (s *XScreen) Geometry(t testing.TB, window string) (x, y, width, height int) {
	t.Helper()
	for _, line := range strings.Split(s.Run(t, "xdotool", "getwindowgeometry", "--shell", window), "\n") {
		k, v, _ := strings.Cut(line, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "X":
			x = n
		case "Y":
			y = n
		case "WIDTH":
			width = n
		case "HEIGHT":
			height = n
		}
	}
	return x, y, width, height
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
