package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/cli"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/linkhandler"
	"github.com/kantata-connect/kantata-connect/oauth"
)

// appLinkRig is the real program against the stand-in Kantata with a client
// of kind app-link, in a desktop of the test's own: xdg-mime writes to the
// test's XDG folders, and $BROWSER is a headless Chromium that clicks
// Authorize and hands Kantata's redirect to xdg-open, as a browser does.
type appLinkRig struct {
	bin        string
	kantata    *fakekantata.Server
	env        []string // the desktop's: XDG folders, $BROWSER
	browserLog string
	data       string // XDG_DATA_HOME
}

func newAppLinkRig(t *testing.T) *appLinkRig {
	testenv.Chromium(t)
	for _, tool := range []string{"xdg-open", "xdg-mime"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install xdg-utils (apt-get install -y xdg-utils)", tool)
		}
	}
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("no DISPLAY (xdg-open asks a scheme's handler only with one): run the tests with make test or scripts/test-env.sh")
	}
	r := &appLinkRig{bin: binary(t), kantata: fakekantata.New(t), data: t.TempDir()}
	r.kantata.SetHTTPSOnlyCallbacks(true) // Doorkeeper's default accepts the app's own link
	helpers := t.TempDir()
	build := exec.Command("go", "build", "-o", helpers+"/", "./internal/browsertest/cmd/authorize-in-chromium")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	r.browserLog = filepath.Join(t.TempDir(), "browser.log")
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "BROWSER", "KANTATA_CONNECT_CONFIG_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CURRENT_DESKTOP",
			"DESKTOP_SESSION", "KDE_FULL_SESSION", "GNOME_DESKTOP_SESSION_ID":
			continue
		}
		r.env = append(r.env, kv)
	}
	r.env = append(r.env, "XDG_DATA_HOME="+r.data, "XDG_CONFIG_HOME="+t.TempDir(),
		"BROWSER="+filepath.Join(helpers, "authorize-in-chromium")+" -app-link -log "+r.browserLog)
	return r
}

// records makes a records folder with the client "App link" (and, when
// connection is set, the connection "Linked"), and returns the environment
// that names it as the default folder: the program xdg-open starts gets no
// --config-dir.
func (r *appLinkRig) records(t *testing.T, connection bool) []string {
	dir := t.TempDir()
	env := append(append([]string(nil), r.env...), "KANTATA_CONNECT_CONFIG_DIR="+dir)
	clientID, secret := "kc-link-"+testenv.RandomHex(t), "link-secret-"+testenv.RandomHex(t)
	r.kantata.AddClient(clientID, secret, oauth.AppLinkRedirectURI)
	r.mustRun(t, env, secret+"\n", "client", "add", "App link", "--client-id", clientID, "--callback", "app-link",
		"--auth-url", r.kantata.AuthURL(), "--token-url", r.kantata.TokenURL(), "--api-url", r.kantata.APIBaseURL())
	t.Cleanup(func() { r.run(env, "", "delete", "client", "App link", "--cascade") })
	if connection {
		r.mustRun(t, env, "", "connection", "add", "Linked", "--client", "App link")
	}
	return env
}

func (r *appLinkRig) run(env []string, stdin string, args ...string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bin, args...)
	cmd.Env, cmd.Stdin = env, strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState == nil {
		return -1, err.Error()
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

func (r *appLinkRig) mustRun(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	code, out := r.run(env, stdin, args...)
	if code != 0 {
		browser, _ := os.ReadFile(r.browserLog)
		t.Fatalf("%s: exit %d\n%s\nbrowser: %s", strings.Join(args, " "), code, out, browser)
	}
	return out
}

// status is the connection's status as list --json says it.
func (r *appLinkRig) status(t *testing.T, env []string) string {
	var l struct {
		Connections []struct{ Name, Status string } `json:"connections"`
	}
	out := r.mustRun(t, env, "", "list", "--json")
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.Connections) != 1 {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	return l.Connections[0].Status
}

// xdgOpen runs xdg-open with address as a browser does, with no browser to
// fall back on, and returns its exit code and what it (and the program it
// started) printed.
func (r *appLinkRig) xdgOpen(t *testing.T, env []string, address string) (int, string) {
	cmd := exec.Command("xdg-open", address)
	cmd.Env = append(append([]string(nil), env...), "BROWSER=false")
	out, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("xdg-open: %v", err)
	}
	// xdg-open names what it could not open; the program never does.
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "code=") && !strings.HasPrefix(line, "xdg-open:") {
			t.Errorf("the address was printed:\n%s", out)
		}
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// TestAppLinkEndToEnd: a sign-in of kind app-link registers the link with
// the desktop (the real desktop entry and xdg-mime), and the address Kantata
// redirects to, handed to xdg-open, starts the real program, which gives it
// to the sign-in that waits: in authorize and in the window. A forged state
// is refused and an answer nobody waits for stores nothing.
func TestAppLinkEndToEnd(t *testing.T) {
	r := newAppLinkRig(t)

	t.Run("authorize", func(t *testing.T) {
		env := r.records(t, true)
		out := r.mustRun(t, env, "", "authorize", "Linked", "--timeout", "1m")
		if !strings.Contains(out, "Authorized as Jane Doe <jane@example.com>") || !strings.Contains(out, "registered its own link") {
			browser, _ := os.ReadFile(r.browserLog)
			t.Fatalf("authorize: want authorized and the link registered:\n%s\nbrowser: %s", out, browser)
		}
		entry, err := os.ReadFile(filepath.Join(r.data, "applications", linkhandler.DesktopFile))
		if err != nil || !strings.Contains(string(entry), "Exec="+r.bin+" %u\n") {
			t.Errorf("desktop entry: %v\n%s", err, entry)
		}
		cmd := exec.Command("xdg-mime", "query", "default", linkhandler.MimeType)
		cmd.Env = env
		if got, _ := cmd.Output(); strings.TrimSpace(string(got)) != linkhandler.DesktopFile {
			t.Errorf("xdg-mime query default = %q", got)
		}
		if out := r.mustRun(t, env, "", "authorize", "Linked", "--timeout", "2m"); strings.Contains(out, "registered its own link") {
			t.Errorf("a second sign-in registered the link again:\n%s", out)
		}
	})

	// The link is registered now (by the sign-in above).
	t.Run("nobody waiting", func(t *testing.T) {
		env := r.records(t, true)
		before := r.kantata.TokenRequests()
		address := oauth.AppLinkRedirectURI + "?code=nobody-waits-code-0123456789&state=some-state"
		cmd := exec.Command(r.bin, address)
		cmd.Env = env
		out, _ := cmd.CombinedOutput()
		// It says so and ends handled (0): a failure would make xdg-open
		// offer the address to a web browser next.
		if code := cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(string(out), cli.NoSignInWaiting) ||
			strings.Contains(string(out), "nobody-waits-code") {
			t.Errorf("the program with the link and nobody waiting: exit %d; want 0 and %q, no code:\n%s", code, cli.NoSignInWaiting, out)
		}
		if code, out := r.xdgOpen(t, env, address); code != 0 || !strings.Contains(out, cli.NoSignInWaiting) {
			t.Errorf("xdg-open with nobody waiting: exit %d; want the link handled (0, no browser tried) and %q:\n%s", code, cli.NoSignInWaiting, out)
		}
		if r.kantata.TokenRequests() != before || r.status(t, env) != "never_authorized" {
			t.Errorf("something was exchanged or stored: %d token requests, status %s", r.kantata.TokenRequests()-before, r.status(t, env))
		}
	})

	t.Run("forged state", func(t *testing.T) {
		env := r.records(t, true)
		waiting := append(append([]string(nil), env...), "BROWSER=true") // opens nothing: the sign-in waits
		var out bytes.Buffer
		cmd := exec.Command(r.bin, "authorize", "Linked", "--timeout", "2m")
		cmd.Env, cmd.Stdout, cmd.Stderr = waiting, &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		dir := strings.TrimPrefix(env[len(env)-1], "KANTATA_CONNECT_CONFIG_DIR=")
		waitFor(t, "the sign-in to listen for the link", func() bool {
			_, err := os.Stat(filepath.Join(dir, "handover.sock"))
			return err == nil
		})
		before := r.kantata.TokenRequests()
		code, said := r.xdgOpen(t, env, oauth.AppLinkRedirectURI+"?code=forged-code-0123456789&state=forged-state")
		if code != 0 || !strings.Contains(said, "did not take this answer") {
			t.Errorf("xdg-open with a forged state: exit %d; want it handled (0) and the waiting sign-in's refusal said:\n%s", code, said)
		}
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != cli.ExitInterrupted {
			t.Errorf("authorize after the forged answer: exit %d, want it still waiting until interrupted:\n%s", code, &out)
		}
		if r.kantata.TokenRequests() != before || r.status(t, env) != "never_authorized" {
			t.Errorf("the forged answer was exchanged or stored")
		}
	})

	t.Run("window", func(t *testing.T) {
		env := r.records(t, false)
		signInInWindow(t, r, env)
		waitFor(t, "the window's sign-in to be authorized", func() bool { return r.status(t, env) == "authorized" })
	})
}

// signInInWindow opens the window on env's records (one client, no
// connection), names a connection and clicks Save & authorize, by keyboard.
func signInInWindow(t *testing.T, r *appLinkRig, env []string) {
	t.Helper()
	if _, err := exec.LookPath("xdotool"); err != nil {
		t.Fatal("xdotool is missing; install it with: apt-get install -y xdotool")
	}
	var logs bytes.Buffer
	cmd := exec.Command(r.bin)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			browser, _ := os.ReadFile(r.browserLog)
			t.Logf("window's output:\n%s\nbrowser: %s", &logs, browser)
		}
	})
	if err := waitForWindow(cmd.Process.Pid, exited); err != nil {
		t.Fatal(err)
	}
	window := strings.Fields(xdotool(t, "search", "--onlyvisible", "--pid", strconv.Itoa(cmd.Process.Pid), "--name", "^Kantata Connect$"))[0]
	// The window moves to its place after it maps, later on a busy machine;
	// without a window manager the keyboard goes to the window under the
	// pointer, so point at it once it has stopped moving.
	testenv.OnDisplay(os.Getenv("DISPLAY")).Settled(window)
	xdotool(t, "mousemove", "--window", window, "150", "590")
	xdotool(t, "key", "--delay", "80", "Tab", "Tab")
	xdotool(t, "type", "--delay", "30", "Linked")
	xdotool(t, "key", "--delay", "80", "Tab", "Tab", "Tab", "Tab", "space") // Save & authorize
}

func xdotool(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("xdotool", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("xdotool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// waitFor polls cond for up to two minutes (a hang guard).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
