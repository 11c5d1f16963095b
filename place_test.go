package main

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// xScreen is an Xvfb of its own size, for one test.
type xScreen struct {
	display string
	xdesk   string // the test tool that plays a panel and a close button
}

func newXScreen(t *testing.T, width, height int) *xScreen {
	t.Helper()
	testenv.RealPartsOnly(t, "Xvfb")
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
	s := &xScreen{display: ":" + strings.TrimSpace(string(num[:n]))}
	s.xdesk = filepath.Join(t.TempDir(), "xdesk")
	defer func() {
		// The display answers once Xvfb has set itself up.
		for i := 0; i < 50; i++ {
			cmd := exec.Command("xdotool", "getdisplaygeometry")
			cmd.Env = append(os.Environ(), "DISPLAY="+s.display)
			if out, err := cmd.CombinedOutput(); err == nil {
				return
			} else if i == 49 {
				t.Fatalf("Xvfb %s does not answer: %v\n%s", s.display, err, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	if out, err := exec.Command("go", "build", "-o", s.xdesk, "./internal/xdesk").CombinedOutput(); err != nil {
		t.Fatalf("build xdesk: %v\n%s", err, out)
	}
	return s
}

func (s *xScreen) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+s.display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// workArea announces a panel's work area, as a desktop's window manager does.
func (s *xScreen) workArea(t *testing.T, r screen.Rect) {
	t.Helper()
	s.run(t, s.xdesk, "workarea", strconv.Itoa(r.X), strconv.Itoa(r.Y), strconv.Itoa(r.W), strconv.Itoa(r.H))
}

// appRun is the window program running on an xScreen.
type appRun struct {
	cmd    *exec.Cmd
	win    string
	done   chan struct{}
	stderr bytes.Buffer
}

func (s *xScreen) start(t *testing.T, configDir string) *appRun {
	t.Helper()
	a := &appRun{cmd: exec.Command(binary(t), "--config-dir", configDir), done: make(chan struct{})}
	a.cmd.Env = append(os.Environ(), "DISPLAY="+s.display)
	a.cmd.Stderr = &a.stderr
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.cmd.Wait(); close(a.done) }()
	t.Cleanup(func() {
		a.cmd.Process.Kill()
		<-a.done
	})
	for deadline := time.Now().Add(30 * time.Second); a.win == ""; time.Sleep(100 * time.Millisecond) {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--pid", strconv.Itoa(a.cmd.Process.Pid), "--name", "^Kantata Connect$")
		cmd.Env = append(os.Environ(), "DISPLAY="+s.display)
		out, _ := cmd.Output()
		if f := strings.Fields(string(out)); len(f) > 0 {
			a.win = f[0]
		}
		select {
		case <-a.done:
			t.Fatalf("the app ended before its window showed:\n%s", &a.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no window within 30 seconds:\n%s", &a.stderr)
		}
	}
	return a
}

// geometry is the window's place and size on the screen (no window
// manager here: no frame around it).
func (s *xScreen) geometry(t *testing.T, a *appRun) screen.Rect {
	t.Helper()
	var r screen.Rect
	for _, line := range strings.Split(s.run(t, "xdotool", "getwindowgeometry", "--shell", a.win), "\n") {
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

// settled is the window's geometry once it stays the same for a second.
func (s *xScreen) settled(t *testing.T, a *appRun) screen.Rect {
	t.Helper()
	last, same := s.geometry(t, a), 0
	for i := 0; i < 100 && same < 5; i++ {
		time.Sleep(200 * time.Millisecond)
		if g := s.geometry(t, a); g == last {
			same++
		} else {
			last, same = g, 0
		}
	}
	return last
}

// The window opens inside the work area of a small screen (a 1024×600
// netbook whose panel takes the bottom 40 pixels), shrunk to it from its
// 900×600; moved and resized, it opens there again next time; on a screen
// with less room, that place is fitted into it.
func TestWindowFitsASmallScreen(t *testing.T) {
	s := newXScreen(t, 1024, 600)
	area := screen.Rect{X: 0, Y: 0, W: 1024, H: 560}
	s.workArea(t, area)
	dir := t.TempDir()

	a := s.start(t, dir)
	g := s.settled(t, a)
	if !area.Contains(g) {
		t.Fatalf("the window is %v; want it inside the work area %v", g, area)
	}
	if g.H > area.H || g.H < 500 {
		t.Errorf("the window is %d high; want it shrunk to the work area's %d, not far below", g.H, area.H)
	}
	if os.Getenv("KANTATA_CONNECT_PLACE_SHOT") != "" {
		s.run(t, "import", "-window", "root", os.Getenv("KANTATA_CONNECT_PLACE_SHOT"))
	}

	// Moved and resized by the user, then closed with the window's close
	// button: the place is kept beside the records, not in them.
	moved := screen.Rect{X: 40, Y: 30, W: 700, H: 420}
	s.run(t, "xdotool", "windowsize", a.win, strconv.Itoa(moved.W), strconv.Itoa(moved.H))
	s.run(t, "xdotool", "windowmove", a.win, strconv.Itoa(moved.X), strconv.Itoa(moved.Y))
	if g := s.settled(t, a); g != moved {
		t.Fatalf("the window did not take the size and place it was given: %v, want %v", g, moved)
	}
	s.run(t, s.xdesk, "close", a.win)
	select {
	case <-a.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("the close button did not close the window:\n%s", &a.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, screen.PlaceFile))
	if err != nil {
		t.Fatalf("the window's place was not kept: %v\n%s", err, &a.stderr)
	}
	if saved, ok := screen.DecodePlace(data); !ok || saved != moved {
		t.Errorf("kept %s; want %v", data, moved)
	}
	if records, err := os.ReadFile(filepath.Join(dir, "records.json")); err == nil && bytes.Contains(records, []byte(`"frame"`)) {
		t.Error("the window's place went into records.json")
	}
	var check map[string]any
	if err := json.Unmarshal(data, &check); err != nil {
		t.Errorf("%s is not JSON: %v", screen.PlaceFile, err)
	}

	t.Run("opens where it was", func(t *testing.T) {
		a := s.start(t, dir)
		if g := s.settled(t, a); g != moved {
			t.Errorf("the window opened at %v; want where it was closed, %v", g, moved)
		}
	})

	t.Run("fitted to a screen with less room", func(t *testing.T) {
		small := screen.Rect{X: 0, Y: 100, W: 640, H: 400} // a panel at the top this time
		s.workArea(t, small)
		a := s.start(t, dir)
		if g := s.settled(t, a); !small.Contains(g) {
			t.Errorf("the window opened at %v; want it inside %v", g, small)
		}
	})
}
