package oauth_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// The URL has characters a shell would act on: the opener must pass it as
// one argument, untouched.
const openURL = "http://127.0.0.1:1/oauth/authorize?client_id=a b&state=x;y&redirect_uri=$(id)|`id`"

// recorder makes a command in dir that records its arguments, one per line,
// in dir/args-NAME, and exits with code: a shell script on Unix; on Windows a
// copy of this test binary named NAME.exe, which TestMain turns into the
// recorder (see recordAndExit).
func recorder(t *testing.T, dir, name string, code int) (script, out string) {
	t.Helper()
	out = filepath.Join(dir, "args-"+name)
	if runtime.GOOS == "windows" {
		return windowsRecorder(t, dir, name, strconv.Itoa(code)), out
	}
	script = filepath.Join(dir, name)
	body := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + out + "'\nexit " + strconv.Itoa(code) + "\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, out
}

// sleeper makes a command in dir that runs for 5 seconds, like a browser
// that stays open.
func sleeper(t *testing.T, dir string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		return windowsRecorder(t, dir, "slow-browser", "sleep")
	}
	slow := filepath.Join(dir, "slow-browser")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\nexec sleep 5\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return slow
}

// recorderEnv tells a copy of the test binary to be a recorder.
const recorderEnv = "KANTATA_CONNECT_OPENER_RECORDER"

// windowsRecorder copies this test binary to dir/NAME.exe, with what it
// should do (an exit code, or "sleep") in NAME.exe.do beside it.
func windowsRecorder(t *testing.T, dir, name, do string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, name+".exe")
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe+".do", []byte(do), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(recorderEnv, "1")
	// Windows can't delete a program while it runs: wait for it to end
	// before the test's folders are removed.
	t.Cleanup(func() {
		for i := 0; i < 100; i++ {
			if err := os.Remove(exe); err == nil || errors.Is(err, fs.ErrNotExist) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return exe
}

func TestMain(m *testing.M) {
	if os.Getenv(recorderEnv) == "1" {
		recordAndExit()
	}
	os.Exit(m.Run())
}

// recordAndExit is the Windows recorder: it writes its arguments to
// args-NAME beside itself and exits as NAME.exe.do says.
func recordAndExit() {
	self, err := os.Executable()
	if err != nil {
		os.Exit(99)
	}
	do, _ := os.ReadFile(self + ".do")
	if string(do) == "sleep" {
		time.Sleep(5 * time.Second)
		os.Exit(0)
	}
	name := strings.TrimSuffix(filepath.Base(self), ".exe")
	var b strings.Builder
	for _, a := range os.Args[1:] {
		b.WriteString(a + "\n")
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(self), "args-"+name), []byte(b.String()), 0o644); err != nil {
		os.Exit(98)
	}
	code, err := strconv.Atoi(string(do))
	if err != nil {
		os.Exit(97)
	}
	os.Exit(code)
}

// quoted is path in double quotes, as $BROWSER needs a path with spaces
// (Windows temp folders are in the user's profile, "C:\Users\Jane Doe\...").
func quoted(path string) string { return `"` + path + `"` }

// sep separates $BROWSER's entries: ':' on Unix, ';' on Windows.
const sep = string(os.PathListSeparator)

func recordedArgs(t *testing.T, out string) []string {
	t.Helper()
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("the opener script did not run: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func sameArgs(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("opener got args %q, want %q", got, want)
	}
}

func TestSystemOpenerBrowserEnv(t *testing.T) {
	dir := t.TempDir()
	script, out := recorder(t, dir, "browser", 0)

	t.Run("percent-s replaced", func(t *testing.T) {
		os.Remove(out)
		t.Setenv("BROWSER", quoted(script)+" --new-tab %s")
		if err := oauth.SystemOpener(openURL); err != nil {
			t.Fatal(err)
		}
		sameArgs(t, recordedArgs(t, out), []string{"--new-tab", openURL})
	})

	t.Run("URL appended", func(t *testing.T) {
		os.Remove(out)
		t.Setenv("BROWSER", quoted(script))
		if err := oauth.SystemOpener(openURL); err != nil {
			t.Fatal(err)
		}
		sameArgs(t, recordedArgs(t, out), []string{openURL})
	})

	t.Run("list: first fails, next runs", func(t *testing.T) {
		os.Remove(out)
		failing, failOut := recorder(t, dir, "failing", 3)
		t.Setenv("BROWSER", quoted(filepath.Join(dir, "missing-browser"))+sep+quoted(failing)+sep+quoted(script)+" %s"+sep+quoted(failing))
		if err := oauth.SystemOpener(openURL); err != nil {
			t.Fatal(err)
		}
		sameArgs(t, recordedArgs(t, failOut), []string{openURL}) // tried, failed
		sameArgs(t, recordedArgs(t, out), []string{openURL})
	})

	t.Run("all fail", func(t *testing.T) {
		failing, _ := recorder(t, dir, "failing2", 4)
		t.Setenv("BROWSER", quoted(failing)+sep+quoted(filepath.Join(dir, "missing-browser")))
		err := oauth.SystemOpener(openURL)
		if err == nil {
			t.Fatal("no error when every $BROWSER entry fails")
		}
		if strings.Contains(err.Error(), "state=") {
			t.Errorf("error %q repeats the URL", err)
		}
		if !strings.Contains(err.Error(), "failing2") || !strings.Contains(err.Error(), "missing-browser") {
			t.Errorf("error %q does not name the commands tried", err)
		}
	})

	t.Run("quoted path with spaces", func(t *testing.T) {
		spaced := filepath.Join(dir, "my browser")
		if err := os.Mkdir(spaced, 0o755); err != nil {
			t.Fatal(err)
		}
		s2, out2 := recorder(t, spaced, "open it", 0)
		t.Setenv("BROWSER", `"`+s2+`" --url=%s 'two words'`)
		if err := oauth.SystemOpener(openURL); err != nil {
			t.Fatal(err)
		}
		sameArgs(t, recordedArgs(t, out2), []string{"--url=" + openURL, "two words"})
	})

	t.Run("still running counts as opened", func(t *testing.T) {
		// A browser started by $BROWSER may keep running; that is success.
		t.Setenv("BROWSER", quoted(sleeper(t, dir)))
		if err := oauth.SystemOpener(openURL); err != nil {
			t.Errorf("a browser still running was reported as failing: %v", err)
		}
	})
}
