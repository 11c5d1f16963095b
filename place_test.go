package main

import (
	"bytes"
	"encoding/json"
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

// appRun is the window program running on an xScreen.
type appRun struct {
	cmd    *exec.Cmd
	win    string
	done   chan struct{}
	stderr bytes.Buffer
}

func startOn(t *testing.T, s *testenv.XScreen, configDir string) *appRun {
	t.Helper()
	a := &appRun{cmd: exec.Command(binary(t), "--config-dir", configDir), done: make(chan struct{})}
	a.cmd.Env = append(os.Environ(), "DISPLAY="+s.Display)
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
		out, _ := s.Command("xdotool", "search", "--onlyvisible", "--pid", strconv.Itoa(a.cmd.Process.Pid), "--name", "^Kantata Connect$").Output()
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

// The window opens inside the work area of a small screen (a 1024×600
// netbook whose panel takes the bottom 40 pixels), shrunk to it from its
// 900×600; moved and resized, it opens there again next time; on a screen
// with less room, that place is fitted into it.
func TestWindowFitsASmallScreen(t *testing.T) {
	s := testenv.NewXScreen(t, 1024, 600)
	area := screen.Rect{X: 0, Y: 0, W: 1024, H: 560}
	s.WorkArea(t, area.X, area.Y, area.W, area.H)
	dir := t.TempDir()

	a := startOn(t, s, dir)
	g := s.Settled(a.win)
	if !area.Contains(g) {
		t.Fatalf("the window is %v; want it inside the work area %v", g, area)
	}
	if g.H > area.H || g.H < 500 {
		t.Errorf("the window is %d high; want it shrunk to the work area's %d, not far below", g.H, area.H)
	}
	if os.Getenv("KANTATA_CONNECT_PLACE_SHOT") != "" {
		s.Run(t, "import", "-window", "root", os.Getenv("KANTATA_CONNECT_PLACE_SHOT"))
	}

	// Moved and resized by the user, then closed with the window's close
	// button: the place is kept beside the records, not in them.
	moved := screen.Rect{X: 40, Y: 30, W: 700, H: 420}
	s.Run(t, "xdotool", "windowsize", a.win, strconv.Itoa(moved.W), strconv.Itoa(moved.H))
	s.Run(t, "xdotool", "windowmove", a.win, strconv.Itoa(moved.X), strconv.Itoa(moved.Y))
	if g := s.Settled(a.win); g != moved {
		t.Fatalf("the window did not take the size and place it was given: %v, want %v", g, moved)
	}
	s.Close(t, a.win)
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
		a := startOn(t, s, dir)
		if g := s.Settled(a.win); g != moved {
			t.Errorf("the window opened at %v; want where it was closed, %v", g, moved)
		}
	})

	t.Run("fitted to a screen with less room", func(t *testing.T) {
		small := screen.Rect{X: 0, Y: 100, W: 640, H: 400} // a panel at the top this time
		s.WorkArea(t, small.X, small.Y, small.W, small.H)
		a := startOn(t, s, dir)
		if g := s.Settled(a.win); !small.Contains(g) {
			t.Errorf("the window opened at %v; want it inside %v", g, small)
		}
	})
}
