package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/cli"
	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/store"
)

// Environment of a child process that is a second app instance: the command
// line's arguments (JSON) and the keychain service the test uses.
const (
	instanceArgs    = "CLI_DRILL_INSTANCE_ARGS"
	instanceService = "CLI_DRILL_INSTANCE_SERVICE"
)

// Fault drill: a second app instance runs. While one instance waits for a
// sign-in (holding the callback port), another is told plainly that the port
// is taken, can still list and change connections, and signs in once the
// first has finished. A connection one instance deletes is reported as
// deleted, not as never authorized, by the other, which still shows it.
// Nothing saved before is lost. Every instance is its own process (this test
// binary running the command line), like two windows or a window and a
// terminal.
func TestDrillSecondInstance(t *testing.T) {
	testenv.RealPartsOnly(t, "the real keychain shared by several processes, and a headless Chromium")
	testenv.LinuxOnly(t, "a headless Chromium")
	if args := os.Getenv(instanceArgs); args != "" {
		os.Exit(runInstance(args))
	}
	ctx := context.Background()
	k := fakekantata.New(t)
	dir := t.TempDir()
	service := "com.kantataconnect.test.cli.drill." + testenv.RandomHex(t)
	kc := store.NewSystemKeychain(service)
	if err := kc.Set("probe", "x"); err != nil {
		t.Fatalf("no usable keychain: run the tests with make test (gnome-keyring, dbus-x11): %v", err)
	}
	_ = kc.Delete("probe")

	// Saved before the drill: a client, an authorized connection with its
	// token, two more connections. This process is the window that shows them.
	st, err := store.Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	c := store.Client{ClientSettings: store.DefaultClientSettings()}
	c.Name, c.ClientID = "Acme", "client-"+testenv.RandomHex(t)
	c.AuthURL, c.TokenURL, c.APIBaseURL = k.AuthURL(), k.TokenURL(), k.APIBaseURL()
	c.RedirectPort = testenv.FreePort(t)
	k.AddClient(c.ClientID, "drill-secret", c.RedirectURI())
	if c, err = st.SaveClient(c.ID, c.ClientSettings, "drill-secret"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.DeleteClient(c.ID, true) })
	var old store.Connection
	for _, name := range []string{"Old", "Prod", "Stage"} {
		conn, err := st.SaveConnection("", name, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if name == "Old" {
			old = conn
		}
	}
	oldToken := k.IssueToken(t, c.ClientID, "drill-secret", c.RedirectURI())
	if err := st.SaveToken(old.ID, store.Token{AccessToken: oldToken}); err != nil {
		t.Fatal(err)
	}
	window := connect.New(st, nil)
	if old, err = window.Test(ctx, old.ID); err != nil {
		t.Fatal(err)
	}

	instance := func(args ...string) *exec.Cmd {
		a, _ := json.Marshal(append([]string{"--config-dir", dir}, args...))
		cmd := exec.Command(os.Args[0], "-test.run=^TestDrillSecondInstance$", "-test.count=1")
		cmd.Env = append(os.Environ(), instanceArgs+"="+string(a), instanceService+"="+service)
		return cmd
	}
	run := func(args ...string) result {
		var out, errOut bytes.Buffer
		cmd := instance(args...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("instance %v: %v", args, err)
		}
		return result{code: code, out: out.String(), errOut: errOut.String()}
	}
	b := browsertest.New(t)

	// Instance 1 starts signing in Prod and waits for the browser.
	first := instance("authorize", "Prod", "--no-browser", "--timeout", "2m")
	var firstOut bytes.Buffer
	stdout, err := first.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	first.Stderr = &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Process.Kill(); first.Wait() })
	signInURL := readSignInURL(t, stdout, &firstOut)

	// Instance 2 meanwhile: the port is taken, said plainly; the rest works.
	res := run("authorize", "Stage", "--no-browser", "--timeout", "1m")
	if res.code != cli.ExitUsage {
		t.Errorf("second sign-in while the first waits: %v; want exit %d", res, cli.ExitUsage)
	}
	mustContain(t, "second sign-in while the first waits", res.errOut, strconv.Itoa(c.RedirectPort), "in use")
	if res = run("list"); res.code != 0 || !strings.Contains(res.out, "Prod") || !strings.Contains(res.out, "Stage") {
		t.Errorf("list in the second instance: %v", res)
	}
	if res = run("connection", "add", "Extra", "--client", "Acme"); res.code != 0 {
		t.Errorf("adding a connection in the second instance: %v", res)
	}

	// Instance 1's sign-in completes in the browser.
	if page, err := b.Authorize(signInURL); err != nil || !strings.Contains(page, "You're connected") {
		t.Fatalf("browser: %q, %v", page, err)
	}
	go io.Copy(io.Discard, stdout)
	if err := first.Wait(); err != nil {
		t.Fatalf("the first instance's sign-in: %v\n%s", err, firstOut.String())
	}

	// Now the second instance signs in.
	second := instance("authorize", "Stage", "--no-browser", "--timeout", "2m")
	var secondOut bytes.Buffer
	stdout2, err := second.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	second.Stderr = &secondOut
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Process.Kill(); second.Wait() })
	if page, err := b.Authorize(readSignInURL(t, stdout2, &secondOut)); err != nil || !strings.Contains(page, "You're connected") {
		t.Fatalf("browser: %q, %v", page, err)
	}
	go io.Copy(io.Discard, stdout2)
	if err := second.Wait(); err != nil {
		t.Fatalf("the second instance's sign-in once the port was free: %v\n%s", err, secondOut.String())
	}

	// One instance deletes Old while this one still shows it: testing it
	// here says it was deleted, not that it was never authorized.
	if res = run("delete", "connection", "Old"); res.code != 0 {
		t.Fatalf("delete in the other instance: %v", res)
	}
	_, err = window.Test(ctx, old.ID)
	if msg, _ := connect.Explain(err); !strings.Contains(msg, "no longer exists") {
		t.Errorf("testing a connection another instance deleted: %q (%v); want that it no longer exists", msg, err)
	}

	// Everything from both instances is there; nothing before was lost
	// except what was deleted on purpose.
	if err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	want := map[string]store.Status{"Prod": store.StatusAuthorized, "Stage": store.StatusAuthorized, "Extra": store.StatusNeverAuthorized}
	got := map[string]store.Status{}
	for _, conn := range st.Connections() {
		got[conn.Name] = conn.Status
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("connections after the drill: %v; want %v", got, want)
	}
	for _, name := range []string{"Prod", "Stage"} {
		conn, _ := st.ConnectionByName(name)
		if _, err := st.Token(conn.ID); err != nil {
			t.Errorf("%s has no token: %v", name, err)
		}
	}
	if s, err := st.ClientSecret(c.ID); err != nil || s != "drill-secret" {
		t.Errorf("client secret after the drill: %v", err)
	}
	if _, err := st.Token(old.ID); err == nil {
		t.Error("the deleted connection's token is still in the keychain")
	}
}

// runInstance is a child process's whole life: the command line, as main
// runs it, on the test's keychain service.
func runInstance(argsJSON string) int {
	var args []string
	if err := json.Unmarshal([]byte(argsJSON), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 99
	}
	g, rest, err := cli.ParseGlobal(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return cli.ExitUsage
	}
	return cli.Run(context.Background(), g, rest, cli.Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Keychain: store.NewSystemKeychain(os.Getenv(instanceService)),
		Opener:   func(string) error { return fmt.Errorf("no browser in the drill") },
		Version:  "drill",
	})
}

// readSignInURL reads an instance's output up to the sign-in address it
// prints for the user to open.
func readSignInURL(t *testing.T, stdout io.Reader, errOut *bytes.Buffer) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "http") {
				found <- line
				return
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatalf("the instance ended without printing a sign-in address:\n%s", errOut.String())
		}
		return u
	case <-time.After(hangGuard):
		t.Fatal("the instance printed no sign-in address")
	}
	return ""
}
