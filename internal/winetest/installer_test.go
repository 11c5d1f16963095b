//go:build linux

package winetest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/fyneapp"
)

// TestWineInstaller runs "Kantata Connect Setup.exe" silently (/S) under
// Wine as a user without administrator rights would, and checks what a user
// gets: the programs (with the software-drawn copy of the window) in
// %LocalAppData%\Programs\Kantata Connect, a
// Start-menu entry, an entry in Apps & features, the command line on PATH,
// and programs that start. Uninstalling (silently, as Apps & features' quiet
// command does) removes all that but keeps the user's connections and
// secrets; with /REMOVEDATA it removes them too. /NOPATH leaves PATH alone.
func TestWineInstaller(t *testing.T) {
	p := wine(t)
	needTools(t, "xdotool")
	setup := filepath.Join(dist(t), setupExe)
	ctx := context.Background()

	installDir := filepath.Join(p.userDir(), "AppData", "Local", "Programs", "Kantata Connect")
	winInstallDir := `C:\users\` + winUser + `\AppData\Local\Programs\Kantata Connect`
	shortcut := filepath.Join(p.userDir(), "AppData", "Roaming", "Microsoft", "Windows", "Start Menu", "Programs", "Kantata Connect.lnk")
	uninstaller := filepath.Join(installDir, "Uninstall Kantata Connect.exe")
	records := filepath.Join(p.userDir(), "AppData", "Roaming", "kantata-connect", "records.json")
	const uninstallKey = `Software\Microsoft\Windows\CurrentVersion\Uninstall\` + appService

	install := func(args ...string) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		if out, err := p.run(c, setup, append([]string{"/S"}, args...)...); err != nil {
			t.Fatalf("%s /S %s: %v\n%s", setupExe, strings.Join(args, " "), err, out)
		}
		for _, f := range []string{guiExe, cliExe, "Uninstall Kantata Connect.exe", filepath.Join(softDir, guiExe),
			filepath.Join(softDir, "opengl32.dll"), filepath.Join(softDir, "libgallium_wgl.dll"), filepath.Join(softDir, "Mesa licence.txt")} {
			if _, err := os.Stat(filepath.Join(installDir, f)); err != nil {
				t.Fatalf("not installed: %v", err)
			}
		}
	}
	// The uninstaller copies itself to %Temp% and runs from there, so that
	// it can delete itself: the first process ends at once. Wait for the
	// work to be done.
	uninstall := func(args ...string) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		if out, err := p.run(c, uninstaller, append([]string{"/S"}, args...)...); err != nil {
			t.Fatalf("uninstall /S %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		deadline := time.Now().Add(90 * time.Second)
		for {
			if _, err := os.Stat(installDir); os.IsNotExist(err) {
				break
			}
			if time.Now().After(deadline) {
				entries, _ := os.ReadDir(installDir)
				t.Fatalf("the install folder is still there 90 s after uninstalling: %v", entries)
			}
			time.Sleep(200 * time.Millisecond)
		}
		waitWine(t, p)
	}
	userPath := func() string {
		t.Helper()
		path, _ := p.regValue(t, "Environment", "Path")
		return path
	}

	install()
	if _, err := os.Stat(shortcut); err != nil {
		t.Errorf("no Start-menu entry: %v", err)
	}
	quiet := `"` + winInstallDir + `\Uninstall Kantata Connect.exe" /S`
	for value, want := range map[string]string{
		"DisplayName":          "Kantata Connect",
		"DisplayVersion":       strings.Fields(appVersion(t))[0],
		"Publisher":            "Kantata Connect",
		"DisplayIcon":          `"` + winInstallDir + `\Kantata Connect.exe",0`,
		"InstallLocation":      winInstallDir,
		"UninstallString":      strings.TrimSuffix(quiet, " /S"),
		"QuietUninstallString": quiet,
	} {
		if got, ok := p.regValue(t, uninstallKey, value); got != want {
			t.Errorf("Apps & features entry: %s = %q (there: %v), want %q", value, got, ok, want)
		}
	}
	if !strings.Contains(userPath(), winInstallDir) {
		t.Errorf("the user's PATH does not hold %s:\n%s", winInstallDir, userPath())
	}

	// The installed programs start: the command line by its name alone,
	// found on the new PATH by cmd, and the window from the install folder.
	c, cancel := context.WithTimeout(ctx, 2*time.Minute)
	out, err := p.run(c, "cmd", "/c", "kantata-connect", "version")
	cancel()
	if err != nil || !strings.Contains(out, "kantata-connect "+appVersion(t)) {
		t.Errorf("cmd /c kantata-connect version: %v\n%s", err, out)
	}
	app := p.startCLI(t, filepath.Join(installDir, guiExe))
	win := waitForWindow(t, app)
	closeWindow(t, p, win)

	// Something of the user's, to be kept.
	secret := "kept-secret-0123456789"
	if code, _, stderr := p.runCLI(t, filepath.Join(installDir, cliExe), secret+"\r\n", "client", "add", "Kept", "--client-id", "kept"); code != 0 {
		t.Fatalf("client add with the installed command line: exit %d\n%s", code, stderr)
	}
	if n := len(p.credentials(t, appService+":")); n != 1 {
		t.Fatalf("Credential Manager holds %d entries of the app, want 1", n)
	}

	uninstall()
	if _, err := os.Stat(shortcut); !os.IsNotExist(err) {
		t.Errorf("the Start-menu entry is still there after uninstalling (%v)", err)
	}
	if name, ok := p.regValue(t, uninstallKey, "DisplayName"); ok {
		t.Errorf("the Apps & features entry (%s) is still there after uninstalling", name)
	}
	if strings.Contains(userPath(), winInstallDir) {
		t.Errorf("the user's PATH still holds %s after uninstalling:\n%s", winInstallDir, userPath())
	}
	if _, err := os.Stat(records); err != nil {
		t.Errorf("uninstalling removed the user's records: %v", err)
	}
	if n := len(p.credentials(t, appService+":")); n != 1 {
		t.Errorf("uninstalling left %d of the app's entries in the Credential Manager, want the 1 kept", n)
	}

	// Again without PATH; the kept client is there; then remove everything.
	install("/NOPATH")
	if strings.Contains(userPath(), winInstallDir) {
		t.Errorf("/NOPATH still put %s on PATH", winInstallDir)
	}
	if code, stdout, stderr := p.runCLI(t, filepath.Join(installDir, cliExe), "", "list"); code != 0 || !strings.Contains(stdout, "Kept") {
		t.Errorf("list after installing again: exit %d\n%s%s", code, stdout, stderr)
	}
	uninstall("/REMOVEDATA")
	if _, err := os.Stat(filepath.Dir(records)); !os.IsNotExist(err) {
		t.Errorf("uninstall /REMOVEDATA left the records folder (%v)", err)
	}
	if left := p.credentials(t, appService+":"); len(left) != 0 {
		t.Errorf("uninstall /REMOVEDATA left %q in the Credential Manager", left)
	}
}

// waitWine waits for the prefix's programs to end (the uninstaller's copy).
func waitWine(t *testing.T, p *prefix) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		out, _ := p.run(c, "tasklist")
		if !strings.Contains(strings.ToLower(out), "au_.exe") {
			return
		}
		if c.Err() != nil {
			t.Fatalf("the uninstaller is still running:\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// appVersion is "VERSION (build N)" from FyneApp.toml.
func appVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "FyneApp.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return fyneapp.Version(string(data))
}
