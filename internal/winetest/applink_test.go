//go:build linux

package winetest

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/kantata-connect/kantata-connect/cli"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// The app's own link, as the Windows build registers and answers it
// (issue 24).
const (
	linkScheme = appService // com.kantataconnect.desktop
	linkKey    = `Software\Classes\` + linkScheme
	// noSignInWaiting is what the programs say when no sign-in waits.
	noSignInWaiting = cli.NoSignInWaiting
)

// TestWineAppLink installs the app silently and checks that the installer
// registers the app's own link scheme for the user
// (HKCU\Software\Classes\com.kantataconnect.desktop, opened by the window's
// program with the address as its only argument), that Windows' shell
// (wine start, as a browser hands such an address on) starts the window's
// program with it, which with no sign-in waiting shows the plain words in a
// message box, stores nothing and ends with code 1 — no window — and that
// the command line says the same on stderr. With the app-link kind, an
// address from the stand-in Kantata's redirect completes a sign-in waiting
// in kantata-connect.exe authorize, and one with a forged state does not.
// Uninstalling removes the scheme's key and nothing else under Classes.
func TestWineAppLink(t *testing.T) {
	p := wine(t)
	d := dist(t)
	ctx := context.Background()
	installDir := filepath.Join(p.userDir(), "AppData", "Local", "Programs", "Kantata Connect")
	winInstallDir := `C:\users\` + winUser + `\AppData\Local\Programs\Kantata Connect`
	records := filepath.Join(p.userDir(), "AppData", "Roaming", "kantata-connect")

	// Something else of the user's under Classes, which uninstalling
	// must leave.
	const otherKey = `Software\Classes\kantata-connect-test-other`
	c, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if out, err := p.run(c, "reg", "add", `HKCU\`+otherKey, "/ve", "/d", "kept", "/f"); err != nil {
		t.Fatalf("reg add: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = p.run(context.Background(), "reg", "delete", `HKCU\`+otherKey, "/f") })

	c, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if out, err := p.run(c, filepath.Join(d, setupExe), "/S", "/NOPATH"); err != nil {
		t.Fatalf("%s /S /NOPATH: %v\n%s", setupExe, err, out)
	}
	uninstalled := false
	uninstall := func() {
		t.Helper()
		uninstalled = true
		c, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		if out, err := p.run(c, filepath.Join(installDir, "Uninstall Kantata Connect.exe"), "/S"); err != nil {
			t.Fatalf("uninstall /S: %v\n%s", err, out)
		}
		for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			if _, err := os.Stat(installDir); os.IsNotExist(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the install folder is still there 90 s after uninstalling")
			}
		}
		waitWine(t, p)
	}
	t.Cleanup(func() {
		if !uninstalled {
			_, _ = p.run(context.Background(), filepath.Join(installDir, "Uninstall Kantata Connect.exe"), "/S")
		}
	})

	gui := `"` + winInstallDir + `\` + guiExe + `"`
	for _, v := range []struct{ key, value, want string }{
		{linkKey, "", "URL:Kantata Connect link"},
		{linkKey, "URL Protocol", ""},
		{linkKey + `\DefaultIcon`, "", gui + ",0"},
		{linkKey + `\shell\open\command`, "", gui + ` "%1"`},
	} {
		if got, ok := p.regValue(t, v.key, v.value); !ok || got != v.want {
			t.Errorf(`HKCU\%s: value %q is %q (there: %v), want %q`, v.key, v.value, got, ok, v.want)
		}
	}
	bridgeUserClasses(t, p, linkScheme)

	t.Run("no sign-in waiting", func(t *testing.T) {
		before := snapshot(t, records)
		creds := p.credentials(t, appService+":")
		const address = linkScheme + ":/callback?code=x-never-shown&state=y"

		// The window's program, as Windows' shell starts it for a browser.
		code, text := startLink(t, p, address)
		if code != 0 {
			t.Errorf("wine start %s: the window's program ended with %d, want 0 (the link handled: its words said)", address, code)
		}
		if !strings.Contains(text, noSignInWaiting) {
			t.Errorf("the message box does not say %q:\n%s", noSignInWaiting, text)
		}
		if strings.Contains(text, "x-never-shown") {
			t.Errorf("the message box shows the address's code:\n%s", text)
		}

		// The command line, run with the address by hand.
		code, stdout, stderr := p.runCLI(t, filepath.Join(installDir, cliExe), "", address)
		if code != 0 || strings.TrimSpace(stderr) != noSignInWaiting || stdout != "" {
			t.Errorf("kantata-connect.exe ADDRESS: exit %d, stdout %q, stderr %q; want 0 and the plain words", code, stdout, stderr)
		}

		if after := snapshot(t, records); after != before {
			t.Errorf("the records folder changed:\nbefore: %s\nafter:  %s", before, after)
		}
		if after := p.credentials(t, appService+":"); strings.Join(after, ",") != strings.Join(creds, ",") {
			t.Errorf("the Credential Manager changed: %q, was %q", after, creds)
		}
	})

	// Needs the app-link callback kind (client add --callback app-link).
	t.Run("completes a sign-in waiting in authorize", func(t *testing.T) {
		cmdline := filepath.Join(installDir, cliExe)
		kantata := fakekantata.New(t)
		clientID, secret := "kc-link-"+testenv.RandomHex(t), "link-secret-"+testenv.RandomHex(t)
		kantata.SetHTTPSOnlyCallbacks(true) // Doorkeeper's default, which the app's own link passes
		kantata.AddClient(clientID, secret, linkScheme+":/callback")
		if code, stdout, stderr := p.runCLI(t, cmdline, secret+"\r\n", "client", "add", "Linked app", "--client-id", clientID,
			"--auth-url", kantata.AuthURL(), "--token-url", kantata.TokenURL(), "--api-url", kantata.APIBaseURL(),
			"--callback", "app-link"); code != 0 {
			t.Fatalf("client add --callback app-link: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		if code, stdout, stderr := p.runCLI(t, cmdline, "", "connection", "add", "Linked", "--client", "Linked app"); code != 0 {
			t.Fatalf("connection add: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		t.Cleanup(func() {
			c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			_, _ = p.run(c, cmdline, "delete", "client", "Linked app", "--cascade")
		})

		// The prefix's browser stand-in writes the sign-in address down;
		// the test clicks Authorize over HTTP, as the browser would, and
		// takes the address Kantata sends the browser to, which the
		// browser would hand to Windows.
		os.Remove(p.browserLog)
		waiting := p.startCLI(t, cmdline, "authorize", "Linked", "--timeout", "3m")
		authURL := waitForBrowser(t, p, waiting)
		loc, err := kantata.AuthorizeOverHTTP(authURL)
		if err != nil {
			t.Fatal(err)
		}
		if loc.Scheme != linkScheme || loc.Query().Get("code") == "" {
			t.Fatalf("Kantata sent the browser to %s:…, want the app's link with a code", loc.Scheme)
		}

		// A forged state: refused, and the sign-in still waits.
		forged := *loc
		q := forged.Query()
		q.Set("state", "forged-"+testenv.RandomHex(t))
		forged.RawQuery = q.Encode()
		code, text := startLink(t, p, forged.String())
		if code != 0 || !strings.Contains(text, "did not take this answer") {
			t.Errorf("wine start with a forged state: exit %d, the message box says %q; want the waiting sign-in's refusal", code, text)
		}
		if strings.Contains(text, loc.Query().Get("code")) {
			t.Errorf("the message box shows the code:\n%s", text)
		}
		t.Logf("a forged state: exit %d, the message box says:\n%s", code, text)
		select {
		case <-waiting.done:
			t.Fatalf("authorize ended on an address with a forged state:\n%s", waiting.output())
		case <-time.After(2 * time.Second):
		}
		if n := len(p.credentials(t, appService+":")); n != 1 {
			t.Errorf("after the forged state the Credential Manager holds %d entries of the app, want the secret alone", n)
		}

		// The real address completes the sign-in.
		if code, text := startLink(t, p, loc.String()); code != 0 {
			t.Errorf("wine start with Kantata's address: the window's program ended with %d, want 0\n%s", code, text)
		}
		if code := waiting.wait(t); code != 0 || !strings.Contains(waiting.output(), "Authorized as") {
			t.Fatalf("authorize: exit %d, want 0 and Authorized as\n%s", code, waiting.output())
		}
		if strings.Contains(waiting.output(), loc.Query().Get("code")) {
			t.Errorf("authorize printed the code:\n%s", waiting.output())
		}
	})

	uninstall()
	if got, ok := p.regValue(t, linkKey, ""); ok {
		t.Errorf(`HKCU\%s is still there after uninstalling (%q)`, linkKey, got)
	}
	if got, ok := p.regValue(t, otherKey, ""); !ok || got != "kept" {
		t.Errorf(`uninstalling removed HKCU\%s (%q, there: %v)`, otherKey, got, ok)
	}
}

// startLink starts the app's link as a browser hands it to Windows (wine
// start /wait: ShellExecute, which runs the scheme's command) and returns
// the exit code of the program it started, with the words of the message
// box that program showed (closed with OK, as a user would), if any.
func startLink(t *testing.T, p *prefix, address string) (code int, text string) {
	t.Helper()
	app := p.startCLI(t, "start", "/wait", address)
	seen := "" // the box's texts as last read: it is read until they hold still
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		select {
		case <-app.done:
			return app.cmd.ProcessState.ExitCode(), text
		default:
		}
		if text == "" {
			out, err := p.wininfo(t, "window-text", "Kantata Connect")
			if err == nil && out == seen {
				text = out
				if _, err := p.wininfo(t, "close", "Kantata Connect"); err != nil {
					t.Fatal(err)
				}
			}
			if err == nil {
				seen = out
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("wine start %s did not end within 90 seconds:\n%s", scrubLink(address), app.output())
		}
	}
}

// scrubLink is an address of the app's link without its query (a code).
func scrubLink(address string) string {
	u, err := url.Parse(address)
	if err != nil {
		return "(an address)"
	}
	u.RawQuery = ""
	return u.String() + "?…"
}

// waitForBrowser waits for the prefix's browser stand-in to be asked to open
// an address, and returns the last one.
func waitForBrowser(t *testing.T, p *prefix, waiting *background) string {
	t.Helper()
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		data, _ := os.ReadFile(p.browserLog)
		if lines := strings.Fields(string(data)); len(lines) > 0 {
			return lines[len(lines)-1]
		}
		select {
		case <-waiting.done:
			t.Fatalf("authorize ended before it opened the browser:\n%s", waiting.output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("authorize opened no browser within 90 seconds:\n%s", waiting.output())
		}
	}
}

// snapshot describes the records folder: each file's name and content.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return "(no folder)"
	}
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		b.WriteString(e.Name() + "=" + string(data) + ";")
	}
	return b.String()
}

// bridgeUserClasses copies the user's HKCU\Software\Classes\KEY, as the
// installer wrote it, to HKLM\Software\Classes: Windows' shell looks up a
// scheme in HKEY_CLASSES_ROOT, which on Windows merges the user's classes
// with the machine's, but is the machine's alone in Wine 8.0. The copy (for
// the tests only, removed when the test ends) holds exactly the
// installer's values.
func bridgeUserClasses(t *testing.T, p *prefix, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	file := filepath.Join(t.TempDir(), "classes.reg")
	if out, err := p.run(ctx, "reg", "export", `HKCU\Software\Classes\`+key, winPath(file), "/y"); err != nil {
		t.Fatalf("reg export: %v\n%s", err, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// reg export writes UTF-16LE with a byte-order mark.
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xfe || len(data)%2 != 0 {
		t.Fatalf("reg export wrote no UTF-16LE: % x", data[:min(len(data), 8)])
	}
	units := make([]uint16, 0, len(data)/2)
	for i := 2; i < len(data); i += 2 {
		units = append(units, uint16(data[i])|uint16(data[i+1])<<8)
	}
	text := string(utf16.Decode(units))
	const from, to = `[HKEY_CURRENT_USER\Software\Classes\`, `[HKEY_LOCAL_MACHINE\Software\Classes\`
	if !strings.Contains(text, from+key+"]") {
		t.Fatalf("reg export holds no key %s:\n%s", key, text)
	}
	text = strings.ReplaceAll(text, from, to)
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(text)) {
		out = append(out, byte(u), byte(u>>8))
	}
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := p.run(ctx, "reg", "import", winPath(file)); err != nil {
		t.Fatalf("reg import: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		_, _ = p.run(context.Background(), "reg", "delete", `HKLM\Software\Classes\`+key, "/f")
	})
}
