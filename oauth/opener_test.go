package oauth_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// The URL has characters a shell would act on: the opener must pass it as
// one argument, untouched.
const openURL = "http://127.0.0.1:1/oauth/authorize?client_id=a b&state=x;y&redirect_uri=$(id)|`id`"

// recorder writes a script into dir that records its arguments, one per
// line, in dir/args-NAME, and exits with code.
func recorder(t *testing.T, dir, name string, code int) (script, out string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Fatal("the opener scripts need a POSIX shell")
	}
	script = filepath.Join(dir, name)
	out = filepath.Join(dir, "args-"+name)
	body := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '" + out + "'\nexit " + string(rune('0'+code)) + "\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, out
}

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
		t.Setenv("BROWSER", script+" --new-tab %s")
		if err := oauth.SystemOpener(openURL); err != nil {
			t.Fatal(err)
		}
		sameArgs(t, recordedArgs(t, out), []string{"--new-tab", openURL})
	})

	t.Run("URL appended", func(t *testing.T) {
		os.Remove(out)
		t.Setenv("BROWSER", script)
		if err := oauth.SystemOpener(openURL); err != nil {
			t.Fatal(err)
		}
		sameArgs(t, recordedArgs(t, out), []string{openURL})
	})

	t.Run("list: first fails, next runs", func(t *testing.T) {
		os.Remove(out)
		failing, failOut := recorder(t, dir, "failing", 3)
		t.Setenv("BROWSER", filepath.Join(dir, "missing-browser")+":"+failing+":"+script+" %s:"+failing)
		if err := oauth.SystemOpener(openURL); err != nil {
			t.Fatal(err)
		}
		sameArgs(t, recordedArgs(t, failOut), []string{openURL}) // tried, failed
		sameArgs(t, recordedArgs(t, out), []string{openURL})
	})

	t.Run("all fail", func(t *testing.T) {
		failing, _ := recorder(t, dir, "failing2", 4)
		t.Setenv("BROWSER", failing+":"+filepath.Join(dir, "missing-browser"))
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

	t.Run("platform opener without BROWSER", func(t *testing.T) {
		name := "xdg-open"
		if runtime.GOOS == "darwin" {
			name = "open"
		}
		bin := t.TempDir()
		_, xout := recorder(t, bin, name, 0)
		t.Setenv("BROWSER", "")
		t.Setenv("PATH", bin)
		if err := oauth.SystemOpener(openURL); err != nil {
			t.Fatal(err)
		}
		sameArgs(t, recordedArgs(t, xout), []string{openURL})
	})

	t.Run("platform opener missing", func(t *testing.T) {
		t.Setenv("BROWSER", "")
		t.Setenv("PATH", t.TempDir())
		if err := oauth.SystemOpener(openURL); err == nil {
			t.Error("no error without any opener")
		}
	})

	t.Run("still running counts as opened", func(t *testing.T) {
		// A browser started by $BROWSER may keep running; that is success.
		slow := filepath.Join(dir, "slow-browser")
		if err := os.WriteFile(slow, []byte("#!/bin/sh\nexec sleep 5\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("BROWSER", slow)
		if err := oauth.SystemOpener(openURL); err != nil {
			t.Errorf("a browser still running was reported as failing: %v", err)
		}
	})
}
