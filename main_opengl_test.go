//go:build linux

package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"github.com/kantata-connect/kantata-connect/internal/glcheck"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// TestWindowWithoutOpenGL starts the real program where OpenGL 2.1 is
// missing, the two ways measured to hang it before: an X server without GLX,
// and Mesa capped at 1.1. It must end within 10 seconds with code 1, say why
// in plain words on stderr (none of the toolkit's text or source paths) and
// as a desktop notification. The last case skips the program's own check,
// so the toolkit meets the missing GLX itself: the program must still end
// with the same words, not hang.
func TestWindowWithoutOpenGL(t *testing.T) {
	testenv.RealPartsOnly(t, "Xvfb and a session D-Bus")
	if os.Getenv("DISPLAY") == "" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatal("no DISPLAY or session D-Bus: run the tests with make test or scripts/test-env.sh " +
			"(apt-get install -y xvfb dbus-x11)")
	}
	if _, err := exec.LookPath("Xvfb"); err != nil {
		t.Fatal("Xvfb is missing; install it with: apt-get install -y xvfb")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Fatal("xdotool is missing; install it with: apt-get install -y xdotool")
	}
	bin := binary(t)
	noGLX := xvfb(t, "-extension", "GLX")
	notes := notificationServer(t)

	for _, tc := range []struct {
		name    string
		env     []string
		offers  string // the version the message names, if any
		probing bool
	}{
		{"X server without GLX", []string{"DISPLAY=" + noGLX}, "", true},
		{"Mesa capped at OpenGL 1.1", []string{"MESA_GL_VERSION_OVERRIDE=1.1"}, "It offers OpenGL 1.1.", true},
		{"toolkit meets the X server without GLX", []string{"DISPLAY=" + noGLX, "KANTATA_CONNECT_SKIP_OPENGL_CHECK=1"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, "--config-dir", t.TempDir())
			cmd.Env = append(os.Environ(), tc.env...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("still running after 10 seconds (the hang is back)\nstderr:\n%s", &stderr)
			}
			t.Logf("ended after %v", time.Since(start).Round(time.Millisecond))
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Errorf("exit code %d (%v), want 1", code, err)
			}
			want := glcheck.Title + ".\n\n" + glcheck.Message(&glcheck.Error{Kind: glcheck.NoOpenGL}) + "\n"
			if tc.offers != "" {
				want = glcheck.Title + ".\n\n" + glcheck.Message(&glcheck.Error{Kind: glcheck.TooOld, Version: "1.1"}) + "\n"
				if !strings.Contains(want, tc.offers) {
					t.Fatalf("the message for a 1.1 driver does not say %q", tc.offers)
				}
			}
			if stderr.String() != want {
				t.Errorf("stderr:\n%s\nwant exactly:\n%s", &stderr, want)
			}
			for _, word := range []string{"Fyne", "GLX", "GLFW", ".go:", "/root/", "At:"} {
				if strings.Contains(stderr.String(), word) {
					t.Errorf("stderr holds toolkit text %q", word)
				}
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout: %q", &stdout)
			}
			n, ok := notes.waitFor(cmd.Process.Pid, 5*time.Second)
			if !ok {
				t.Fatal("no desktop notification reached the session bus's notification service")
			}
			if n.summary != glcheck.Title || !strings.Contains(n.body, "OpenGL 2.1") || !strings.Contains(n.body, "kantata-connect list") {
				t.Errorf("notification: %q / %q", n.summary, n.body)
			}
		})
	}
}

// xvfb starts an X server of the test's own with extra options and returns
// its display name, once a client can connect to it.
func xvfb(t *testing.T, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	display := startXvfb(t, &stderr, args...)
	for i := 0; ; i++ {
		cmd := exec.Command("xdotool", "getdisplaygeometry")
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := cmd.CombinedOutput()
		if err == nil {
			return display
		}
		if i == 100 {
			t.Fatalf("no client can connect to Xvfb on %s: %v %s\nXvfb's stderr:\n%s", display, err, out, &stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func startXvfb(t *testing.T, stderr *bytes.Buffer, args ...string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("Xvfb", append([]string{"-displayfd", "3", "-screen", "0", "1024x768x24", "-nolisten", "tcp", "-noreset"}, args...)...)
	cmd.ExtraFiles = []*os.File{w}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Xvfb writes the number, then a newline: read to the newline, and keep
	// the pipe open until it ends (a closed pipe is fatal to it).
	t.Cleanup(func() { r.Close() })
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		got <- strings.TrimSpace(line)
	}()
	select {
	case d := <-got:
		if d == "" {
			t.Fatal("Xvfb reported no display")
		}
		return ":" + d
	case <-time.After(10 * time.Second):
		t.Fatal("Xvfb reported no display within 10 seconds")
	}
	return ""
}

// notification is one Notify call the stand-in service received.
type notification struct {
	pid           uint32
	summary, body string
}

// notifications is a stand-in desktop notification service on the test's
// session bus: the program talks real D-Bus to it, as to a desktop's.
type notifications struct {
	conn *dbus.Conn
	mu   sync.Mutex
	got  []notification
}

// Notify is org.freedesktop.Notifications.Notify.
func (n *notifications) Notify(sender dbus.Sender, app string, replaces uint32, icon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	var pid uint32
	_ = n.conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, string(sender)).Store(&pid)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, notification{pid: pid, summary: summary, body: body})
	return uint32(len(n.got)), nil
}

func notificationServer(t *testing.T) *notifications {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("session D-Bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	n := &notifications{conn: conn}
	if err := conn.Export(n, "/org/freedesktop/Notifications", "org.freedesktop.Notifications"); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName("org.freedesktop.Notifications", dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own org.freedesktop.Notifications on the test's bus: %v (reply %d)", err, reply)
	}
	return n
}

// waitFor returns the notification process pid sent.
func (n *notifications) waitFor(pid int, timeout time.Duration) (notification, bool) {
	deadline := time.Now().Add(timeout)
	for {
		n.mu.Lock()
		for _, got := range n.got {
			if got.pid == uint32(pid) {
				n.mu.Unlock()
				return got, true
			}
		}
		n.mu.Unlock()
		if time.Now().After(deadline) {
			return notification{}, false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
