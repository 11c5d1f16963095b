//go:build linux

package winetest

import (
	"bufio"
	"context"
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
)

// appService is the keychain service of the real app: its Credential
// Manager entries are named "com.kantataconnect.desktop:KEY".
const appService = "com.kantataconnect.desktop"

// TestWineCommandLine runs the Windows command line (kantata-connect.exe,
// console subsystem) under Wine the way a user in cmd would, with the
// default records folder (%AppData%\kantata-connect of a user named
// winUser): a client added with its secret piped in with a Windows line end
// (CRLF), a connection, a sign-in at the stand-in Kantata where a headless
// Chromium clicks Authorize — opened by Windows' own opener (rundll32
// url.dll,FileProtocolHandler, which Wine hands to the browser it is told
// of), so the address's '&'s must arrive whole — then test, and delete,
// which must leave nothing in the Credential Manager. Exit codes are the
// README's.
func TestWineCommandLine(t *testing.T) {
	p := wine(t)
	needTools(t, "chromium", "ss")
	cli := filepath.Join(dist(t), cliExe)
	bin := filepath.Join(work(t), "bin")
	if err := goBuild(bin, "linux", "./internal/fakekantata/cmd/fakekantata-server",
		"./internal/browsertest/cmd/authorize-in-chromium"); err != nil {
		t.Fatal(err)
	}

	// The stand-in Kantata, with the client registered for a free port.
	port := testenv.FreePort(t)
	clientID, secret := "kc-wine-"+testenv.RandomHex(t), "wine-secret-"+testenv.RandomHex(t)
	kantata := startKantata(t, filepath.Join(bin, "fakekantata-server"), clientID, secret, port)

	// The browser Wine opens addresses with: Chromium clicking Authorize.
	browserLog := filepath.Join(work(t), "authorize-in-chromium.log")
	ctx := context.Background()
	if err := p.setBrowser(ctx, filepath.Join(bin, "authorize-in-chromium")+" -log "+browserLog); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.setBrowser(ctx, filepath.Join(filepath.Dir(p.dir), "record-browser.sh")) })

	records := filepath.Join(p.userDir(), "AppData", "Roaming", "kantata-connect", "records.json")
	run := func(stdin string, args ...string) (code int, stdout, stderr string) {
		t.Helper()
		return p.runCLI(t, cli, stdin, args...)
	}

	// Usage problems: exit 2.
	if code, _, stderr := run("", "frobnicate"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: exit %d, stderr %q; want 2", code, stderr)
	}
	if code, _, stderr := run("", "client", "add", "No secret", "--client-id", "x"); code != 2 || !strings.Contains(stderr, "secret") {
		t.Errorf("client add without a secret: exit %d, stderr %q; want 2 asking for the secret", code, stderr)
	}

	// The secret piped in as cmd's echo writes it: CRLF at the end.
	code, stdout, stderr := run(secret+"\r\n", "client", "add", "Kantata OX app", "--client-id", clientID,
		"--auth-url", kantata+"/oauth/authorize", "--token-url", kantata+"/oauth/token", "--api-url", kantata,
		"--redirect-port", strconv.Itoa(port))
	if code != 0 || !strings.Contains(stdout, "Its secret is in the system keychain") {
		t.Fatalf("client add: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if code, stdout, stderr = run("", "connection", "add", "Production", "--client", "Kantata OX app"); code != 0 {
		t.Fatalf("connection add: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if _, err := os.Stat(records); err != nil {
		t.Errorf("the records are not in %%AppData%%\\kantata-connect: %v", err)
	}
	creds := p.credentials(t, appService+":")
	if len(creds) != 1 || !strings.Contains(creds[0], fmt.Sprintf("\t%d bytes", len(secret))) {
		t.Errorf("Credential Manager after client add: %q; want the client secret alone, %d bytes (no CR, no LF)", creds, len(secret))
	}

	// Waiting for the browser: the callback listener is on 127.0.0.1 only
	// (so Windows' firewall has nothing to ask); an unanswered sign-in
	// times out with exit 1.
	waiting := p.startCLI(t, cli, "authorize", "Production", "--no-browser", "--timeout", "15s")
	waiting.waitFor(t, "Waiting", 60*time.Second)
	listeners := listening(t, port)
	if len(listeners) == 0 {
		t.Errorf("nothing listens on port %d while the sign-in waits", port)
	}
	for _, l := range listeners {
		if !strings.HasPrefix(l, "127.0.0.1:") {
			t.Errorf("the callback listener is on %s, want 127.0.0.1 only", l)
		}
	}
	if code := waiting.wait(t); code != 1 {
		t.Errorf("authorize that nobody answers: exit %d, want 1\n%s", code, waiting.output())
	}

	// The real sign-in: rundll32 → Wine's browser launcher → Chromium.
	code, stdout, stderr = run("", "authorize", "Production", "--timeout", "3m")
	if code != 0 || !strings.Contains(stdout, "Your browser is open") || !strings.Contains(stdout, "Authorized as") {
		browser, _ := os.ReadFile(browserLog)
		t.Fatalf("authorize: exit %d\nstdout: %s\nstderr: %s\nbrowser: %s", code, stdout, stderr, browser)
	}
	// The browser writes its outcome once the callback page has loaded,
	// which may be just after the command line has its answer.
	for i := 0; ; i++ {
		browser, _ := os.ReadFile(browserLog)
		if strings.Contains(string(browser), "authorized;") {
			break
		}
		if i == 300 {
			t.Errorf("the browser did not report the Authorize click: %s", browser)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, stdout, stderr = run("", "test", "Production"); code != 0 || !strings.Contains(stdout, "works") {
		t.Errorf("test: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	// Its output went to a file, as with > out.txt or a PowerShell pipe,
	// which read it in the OEM code page: plain quotes, or “ reads as â€œ.
	if strings.ContainsAny(stdout+stderr, "“”…") || !strings.Contains(stdout, `"Production" works`) {
		t.Errorf("test, redirected: typographic punctuation in %q; want plain quotes", stdout+stderr)
	}
	if code, stdout, _ = run("", "help"); code != 0 || !strings.Contains(stdout, "default %KANTATA_CONNECT_CONFIG_DIR%, else") ||
		strings.Contains(stdout, "$KANTATA_CONNECT_CONFIG_DIR") {
		t.Errorf("help on Windows: exit %d; want %%KANTATA_CONNECT_CONFIG_DIR%%, as cmd spells it:\n%s", code, stdout)
	}
	code, stdout, _ = run("", "list", "--json")
	var list struct {
		Connections []struct{ Name, Status string } `json:"connections"`
	}
	if err := json.Unmarshal([]byte(stdout), &list); code != 0 || err != nil || len(list.Connections) != 1 || list.Connections[0].Status != "authorized" {
		t.Errorf("list --json: exit %d, %v: %s", code, err, stdout)
	}
	if code, _, stderr = run("", "test", "Nope"); code != 2 || !strings.Contains(stderr, "Nope") {
		t.Errorf("test of an unknown connection: exit %d, stderr %q; want 2", code, stderr)
	}
	if n := len(p.credentials(t, appService+":")); n < 2 {
		t.Errorf("Credential Manager after authorize holds %d entries; want the secret and the token", n)
	}
	if data, err := os.ReadFile(records); err != nil || strings.Contains(string(data), secret) {
		t.Errorf("the records file is unreadable or holds the secret (%v)", err)
	}

	// Deleting removes every credential.
	code, stdout, stderr = run("", "delete", "client", "Kantata OX app", "--cascade")
	if code != 0 || !strings.Contains(stdout, "Deleted client") {
		t.Fatalf("delete client --cascade: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if left := p.credentials(t, appService+":"); len(left) != 0 {
		t.Errorf("Credential Manager after delete still holds %q", left)
	}
}

// startKantata runs fakekantata-server, with extra options, and returns its
// base URL.
func startKantata(t *testing.T, server, clientID, secret string, port int, extra ...string) string {
	t.Helper()
	cmd := exec.Command(server, append([]string{"-client-id", clientID, "-client-secret", secret,
		"-redirect-uri", fmt.Sprintf("http://127.0.0.1:%d/callback", port)}, extra...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http") {
		t.Fatalf("fakekantata-server printed no address: %q, %v", line, err)
	}
	return strings.TrimSpace(line)
}

// listening is the local addresses of the sockets listening on port.
func listening(t *testing.T, port int) []string {
	t.Helper()
	out, err := exec.Command("ss", "-Hltn", fmt.Sprintf("sport = :%d", port)).Output()
	if err != nil {
		t.Fatalf("ss: %v", err)
	}
	var addrs []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) >= 4 {
			addrs = append(addrs, f[3])
		}
	}
	return addrs
}

// runCLI runs the Windows command line to its end with stdin as standard
// input and returns its exit code and output.
func (p *prefix) runCLI(t *testing.T, exe, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	outPath, errPath := filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr")
	outF, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer outF.Close()
	errF, err := os.Create(errPath)
	if err != nil {
		t.Fatal(err)
	}
	defer errF.Close()
	cmd := p.command(ctx, exe, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = outF, errF
	err = cmd.Run()
	o, _ := os.ReadFile(outPath)
	e, _ := os.ReadFile(errPath)
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(o), string(e)
	}
	if err != nil {
		t.Fatalf("run %s %s: %v\n%s", filepath.Base(exe), strings.Join(args, " "), err, e)
	}
	return 0, string(o), string(e)
}

// background is a Windows program running under Wine.
type background struct {
	cmd  *exec.Cmd
	out  string // file with its stdout and stderr
	done chan struct{}
}

func (p *prefix) startCLI(t *testing.T, exe string, args ...string) *background {
	t.Helper()
	return p.startWith(t, nil, exe, args...)
}

// startWith starts a program with env ("NAME=value" entries) in place of
// the prefix's own values of those names.
func (p *prefix) startWith(t *testing.T, env []string, exe string, args ...string) *background {
	t.Helper()
	out := filepath.Join(t.TempDir(), "output")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	cmd := p.command(context.Background(), exe, args...)
	cmd.Env = replaceEnv(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b := &background{cmd: cmd, out: out, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(b.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-b.done
	})
	return b
}

func (b *background) output() string {
	o, _ := os.ReadFile(b.out)
	return string(o)
}

// waitFor waits until the output holds text.
func (b *background) waitFor(t *testing.T, text string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(b.output(), text) {
		select {
		case <-b.done:
			t.Fatalf("the program ended before it said %q:\n%s", text, b.output())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the program did not say %q within %s:\n%s", text, timeout, b.output())
		}
	}
}

// wait waits for the program to end and returns its exit code.
func (b *background) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-b.done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the program did not end:\n%s", b.output())
	}
	return b.cmd.ProcessState.ExitCode()
}
