package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// binDir holds the binary the tests build; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds the real kantata-connect once per test run, on first use, so
// go test -short, which skips the tests that need it, does not pay for it.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "kantata-connect-main-test")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "kantata-connect")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// localeEnv is this process's environment without any locale variable,
// plus set ("NAME=value" entries).
func localeEnv(set ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "LANG" || name == "LANGUAGE" || strings.HasPrefix(name, "LC_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, set...)
}

// The C and POSIX locales are what Debian containers and many SSH sessions
// run with. Fyne 2.7.1 logs that it cannot parse "C.UTF-8" (as the language
// "C"), "POSIX.UTF-8" or "C@euro"; C, POSIX and no locale at all must stay
// quiet too.
var cLocales = []struct {
	name string
	env  []string
}{
	{"LANG=C", []string{"LANG=C"}},
	{"LANG=C.UTF-8", []string{"LANG=C.UTF-8"}},
	{"LANG=C.utf8", []string{"LANG=C.utf8"}},
	{"LANG=POSIX", []string{"LANG=POSIX"}},
	{"LANG=POSIX.UTF-8", []string{"LANG=POSIX.UTF-8"}},
	{"LANG=C@euro", []string{"LANG=C@euro"}},
	{"unset", nil},
	{"LC_ALL=C.UTF-8 over LANG=en_US.UTF-8", []string{"LANG=en_US.UTF-8", "LC_ALL=C.UTF-8"}},
	{"LC_MESSAGES=C.UTF-8 over LANG=en_US.UTF-8", []string{"LANG=en_US.UTF-8", "LC_MESSAGES=C.UTF-8"}},
}

// TestCommandLineQuietInCLocale: a command's stderr holds only what the
// program says itself, whatever C-like locale the shell runs in.
func TestCommandLineQuietInCLocale(t *testing.T) {
	testenv.RealPartsOnly(t, "the built binary")
	bin := binary(t)
	for _, tc := range cLocales {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, "--config-dir", t.TempDir(), "list")
			cmd.Env = localeEnv(tc.env...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("list: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
			}
			if stderr.Len() > 0 {
				t.Errorf("list wrote on stderr:\n%s", &stderr)
			}
			if !strings.Contains(stdout.String(), "No connections yet") {
				t.Errorf("list stdout = %q, want the empty-list message", &stdout)
			}
		})
	}
}

// TestWindowQuietInCLocale: the window may log things of its own, but none
// of Fyne's complaints about the locale.
func TestWindowQuietInCLocale(t *testing.T) {
	testenv.RealPartsOnly(t, "a display")
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("no DISPLAY: run the tests with make test or scripts/test-env.sh, which start Xvfb " +
			"(install it with: apt-get install -y xvfb xdotool)")
	}
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Fatal("xdotool is missing; install it with: apt-get install -y xdotool")
	}
	bin := binary(t)
	for _, tc := range cLocales {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.Command(bin, "--config-dir", t.TempDir())
			cmd.Env = localeEnv(tc.env...)
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			var waitErr error
			go func() { waitErr = cmd.Wait(); close(done) }()

			err := waitForWindow(cmd.Process.Pid, done)
			if err == nil {
				// Fyne asks for the locale again as it lays out the
				// first widgets; give those a moment.
				time.Sleep(500 * time.Millisecond)
			}
			cmd.Process.Kill()
			<-done
			if err != nil {
				t.Fatalf("%v (%v)\nstderr:\n%s", err, waitErr, &stderr)
			}
			for _, line := range strings.Split(stderr.String(), "\n") {
				if strings.Contains(strings.ToLower(line), "locale") || strings.Contains(line, "Fyne error") {
					t.Errorf("the window logged about the locale:\n%s", &stderr)
					break
				}
			}
		})
	}
}

// waitForWindow returns once process pid shows a window titled "Kantata
// Connect", or an error when the app ends first or none shows within 20 seconds.
func waitForWindow(pid int, exited <-chan struct{}) error {
	deadline := time.After(20 * time.Second)
	for {
		out, _ := exec.Command("xdotool", "search", "--onlyvisible", "--pid", strconv.Itoa(pid), "--name", "^Kantata Connect$").Output()
		if len(bytes.TrimSpace(out)) > 0 {
			return nil
		}
		select {
		case <-exited:
			return errors.New("the app exited before its window showed")
		case <-deadline:
			return errors.New(`no window titled "Kantata Connect" showed within 20 seconds`)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
