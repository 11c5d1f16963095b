//go:build linux

package winetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// winUser is the Windows user of the test prefix: a name with a space and
// letters outside ASCII, so every path the programs use (%AppData%, %Temp%,
// the install folder) has both. Wine names the profile after $USER.
const winUser = "Jürgen Müller"

// envDist names a folder holding what make windows built; make test sets it
// after building. Without it the tests build their own copy.
const envDist = "KANTATA_CONNECT_WINDOWS_DIST"

// The Windows programs, as make windows names them.
const (
	guiExe   = "Kantata Connect.exe"
	cliExe   = "kantata-connect.exe"
	setupExe = "Kantata Connect Setup.exe"
)

// root is the repository's folder.
var root = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}()

// work is this run's throw-away folder: the Wine prefix, built programs.
var (
	workOnce sync.Once
	workDir  string
	workErr  error
)

func work(t testing.TB) string {
	t.Helper()
	workOnce.Do(func() {
		// Under scripts/test-env.sh, in its throw-away HOME, which it
		// removes even when this test binary is killed.
		base := ""
		if os.Getenv("KANTATA_CONNECT_TEST_ENV") == "1" {
			base = os.Getenv("HOME")
		}
		workDir, workErr = os.MkdirTemp(base, "kantata-connect-wine-")
	})
	if workErr != nil {
		t.Fatal(workErr)
	}
	return workDir
}

// TestMain stops the prefix's Wine processes and removes the work folder.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.stop()
	}
	if workDir != "" {
		os.RemoveAll(workDir)
	}
	os.Exit(code)
}

// needTools fails the test, naming the packages to install, when a tool is
// missing: under make test these tests never skip.
func needTools(t testing.TB, tools ...string) {
	t.Helper()
	pkg := map[string]string{
		"wine": "wine wine64", "wineserver": "wine wine64", "x86_64-w64-mingw32-gcc": "gcc-mingw-w64-x86-64",
		"x86_64-w64-mingw32-windres": "gcc-mingw-w64-x86-64", "makensis": "nsis", "convert": "imagemagick",
		"import": "imagemagick", "xdotool": "xdotool", "ss": "iproute2", "chromium": "chromium",
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install it with apt-get install -y %s (make test installs it)", tool, pkg[tool])
		}
	}
}

// dllOverrides is WINEDLLOVERRIDES for every program: no Mono or Gecko
// installer dialogs; the shim before Wine's own bcryptprimitives.dll.
const dllOverrides = "mscoree,mshtml=;bcryptprimitives=n"

// prefix is a Wine prefix of this run: a throw-away Windows with the test
// shim for ProcessPrng, whose user is winUser.
type prefix struct {
	dir string   // WINEPREFIX
	env []string // the environment every wine command gets
	// browserLog is where the stand-in browser of the prefix writes the
	// addresses it is asked to open, unless a test sets another browser.
	browserLog string
}

var (
	sharedOnce sync.Once
	shared     *prefix
	sharedErr  error
)

// wine returns the run's prefix, made on first use: wineboot creates it
// without a question (no Mono or Gecko download: mscoree and mshtml are
// turned off), then the shim goes into its system32.
func wine(t testing.TB) *prefix {
	t.Helper()
	testenv.RealPartsOnly(t, "Wine")
	needTools(t, "wine", "wineserver", "x86_64-w64-mingw32-gcc")
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("no DISPLAY: run the tests with make test or scripts/test-env.sh, which start Xvfb (apt-get install -y xvfb)")
	}
	dir := work(t)
	sharedOnce.Do(func() { shared, sharedErr = newPrefix(filepath.Join(dir, "wine prefix ü")) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// newPrefix makes a prefix in dir; env adds to (or overrides) the
// environment its programs get, e.g. another DISPLAY.
func newPrefix(dir string, env ...string) (*prefix, error) {
	p := &prefix{dir: dir, browserLog: filepath.Join(filepath.Dir(dir), "browser.log")}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		// The Windows programs must use Windows' own browser opener,
		// records folder and proxy settings, and Wine nothing of a prefix
		// or settings of the caller's.
		switch strings.ToUpper(name) {
		case "BROWSER", "KANTATA_CONNECT_CONFIG_DIR", "USER", "LOGNAME", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "ALL_PROXY":
			continue
		}
		if strings.HasPrefix(name, "WINE") {
			continue
		}
		p.env = append(p.env, kv)
	}
	p.env = append(p.env,
		"WINEPREFIX="+dir,
		"WINEDEBUG=-all",
		"WINEDLLOVERRIDES="+dllOverrides,
		"USER="+winUser, "LOGNAME="+winUser,
	)
	p.env = append(p.env, env...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := p.run(ctx, "wineboot", "-i"); err != nil {
		return nil, fmt.Errorf("wineboot -i: %v\n%s", err, out)
	}
	sys32 := filepath.Join(dir, "drive_c", "windows", "system32")
	if _, err := os.Stat(sys32); err != nil {
		return nil, fmt.Errorf("wineboot made no system32: %v", err)
	}
	shim := exec.CommandContext(ctx, "x86_64-w64-mingw32-gcc", "-shared", "-O2", "-s",
		"-o", filepath.Join(sys32, "bcryptprimitives.dll"),
		filepath.Join(root, "internal", "winetest", "shim", "bcryptprimitives.c"),
		filepath.Join(root, "internal", "winetest", "shim", "bcryptprimitives.def"), "-ladvapi32")
	if out, err := shim.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the ProcessPrng shim: %v\n%s", err, out)
	}
	// Wine hands an address to open to the programs its WineBrowser
	// setting names. Until a test names its own, a stand-in writes the
	// address to a file: no test may open a browser on this machine.
	stand := filepath.Join(filepath.Dir(dir), "record-browser.sh")
	script := "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '" + p.browserLog + "'\n"
	if err := os.WriteFile(stand, []byte(script), 0o755); err != nil {
		return nil, err
	}
	if err := p.setBrowser(ctx, stand); err != nil {
		return nil, err
	}
	return p, nil
}

// setBrowser makes Wine open addresses with command (a Linux program and its
// options; no commas).
func (p *prefix) setBrowser(ctx context.Context, command string) error {
	out, err := p.run(ctx, "reg", "add", `HKCU\Software\Wine\WineBrowser`, "/v", "Browsers", "/t", "REG_SZ", "/d", command, "/f")
	if err != nil {
		return fmt.Errorf("set Wine's browser: %v\n%s", err, out)
	}
	return nil
}

// command is a Windows program (a Windows path, a Linux path to a .exe, or a
// program Wine has, such as reg) run under Wine in this prefix.
func (p *prefix) command(ctx context.Context, program string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "wine", append([]string{program}, args...)...)
	cmd.Env = p.env
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs a program to its end and returns its output (stdout and stderr).
func (p *prefix) run(ctx context.Context, program string, args ...string) (string, error) {
	cmd := p.command(ctx, program, args...)
	return runToFile(cmd)
}

// runToFile runs cmd with its output going to a file, not a pipe: Wine's
// own processes (wineserver, services) may inherit the output handles and
// outlive the program, and a pipe would stay open until they end.
func runToFile(cmd *exec.Cmd) (string, error) {
	f, err := os.CreateTemp("", "kantata-connect-wine-out-")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if cmd.Stdout == nil {
		cmd.Stdout = f
	}
	cmd.Stderr = f
	err = cmd.Run()
	out, _ := os.ReadFile(f.Name())
	return string(out), err
}

// replaceEnv is env with set's entries in place of those of the same names.
func replaceEnv(env []string, set ...string) []string {
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.ContainsFunc(set, func(s string) bool { return strings.HasPrefix(s, name+"=") }) {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}

// stop ends every Wine process of the prefix.
func (p *prefix) stop() {
	cmd := exec.Command("wineserver", "-k")
	cmd.Env = p.env
	_ = cmd.Run()
	cmd = exec.Command("wineserver", "-w")
	cmd.Env = p.env
	_ = cmd.Run()
}

// users is the Linux path of the prefix user's profile folder.
func (p *prefix) userDir() string {
	return filepath.Join(p.dir, "drive_c", "users", winUser)
}

// winPath is a Linux path as the Windows programs see it (Wine's Z: drive).
func winPath(path string) string {
	return `Z:` + strings.ReplaceAll(path, "/", `\`)
}

// wininfo runs the wininfo helper (cmd/wininfo), built on first use.
func (p *prefix) wininfo(t *testing.T, args ...string) (string, error) {
	t.Helper()
	helper := filepath.Join(work(t), "bin", "wininfo.exe")
	helperOnce.Do(func() {
		helperErr = goBuild(filepath.Join(work(t), "bin"), "windows", "./internal/winetest/cmd/wininfo")
	})
	if helperErr != nil {
		t.Fatal(helperErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := p.command(ctx, helper, args...)
	var stdout strings.Builder
	cmd.Stdout = &stdout
	stderr, err := runToFile(cmd)
	if err != nil {
		return stdout.String(), fmt.Errorf("wininfo %s: %w\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout.String(), nil
}

// regValue is a string value of a key under HKEY_CURRENT_USER, and whether
// it is there.
func (p *prefix) regValue(t *testing.T, key, value string) (string, bool) {
	t.Helper()
	var err error
	// A Wine process started while wineserver is busy (an uninstaller's
	// copy ending, say) now and then dies before main with no word; the
	// query only reads, so it is asked again.
	for try := 0; try < 3; try++ {
		var out string
		out, err = p.wininfo(t, "reg", key, value)
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && ee.ExitCode() == 3 {
			return "", false
		}
		if err == nil {
			return out, true
		}
		time.Sleep(time.Second)
	}
	t.Fatal(err)
	return "", false
}

// credentials lists the Credential Manager's entries whose names start with
// namePrefix (names and sizes, never values).
func (p *prefix) credentials(t *testing.T, namePrefix string) []string {
	t.Helper()
	out, err := p.wininfo(t, "credentials", namePrefix)
	if err != nil {
		t.Fatalf("list the Credential Manager: %v", err)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			names = append(names, line)
		}
	}
	return names
}

var (
	helperOnce sync.Once
	helperErr  error
)

// goBuild builds packages (relative to the repository) into dir for goos,
// without cgo.
func goBuild(dir, goos string, pkgs ...string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.Command("go", append([]string{"build", "-o", dir + string(os.PathSeparator)}, pkgs...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s for %s: %v\n%s", strings.Join(pkgs, " "), goos, err, out)
	}
	return nil
}

var (
	distOnce sync.Once
	distDir  string
	distErr  error
)

// dist is the folder with the Windows programs and installer: make test's
// (envDist), or one built here with scripts/windows-build.sh.
func dist(t *testing.T) string {
	t.Helper()
	distOnce.Do(func() {
		if d := os.Getenv(envDist); d != "" {
			distDir = d
			return
		}
		needTools(t, "x86_64-w64-mingw32-gcc", "x86_64-w64-mingw32-windres", "makensis", "convert")
		distDir = filepath.Join(work(t), "dist")
		cmd := exec.Command(filepath.Join(root, "scripts", "windows-build.sh"), distDir)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			distErr = fmt.Errorf("scripts/windows-build.sh: %v\n%s", err, out)
		}
	})
	if distErr != nil {
		t.Fatal(distErr)
	}
	for _, f := range []string{guiExe, cliExe, setupExe} {
		if _, err := os.Stat(filepath.Join(distDir, f)); err != nil {
			t.Fatalf("the Windows build has no %s (run make windows): %v", f, err)
		}
	}
	return distDir
}
