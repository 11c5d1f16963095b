//go:build linux

package winetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// windowsPackages are the packages whose tests run on Windows: everything
// but the window (gui, main: Fyne's test driver and the built binary are
// covered by the window test below), the Chromium driver and the benchmark.
var windowsPackages = []string{
	"outbound", "store", "oauth", "kantata", "setupfile", "connect", "diagnose", "cli", "screen", "filechooser",
	"internal/fakekantata", "internal/memkeychain", "internal/glcheck", "handover",
}

// removeAllFallback is added to each package's tests for Wine only: Go 1.26's
// os.RemoveAll (and so t.TempDir's cleanup) deletes with
// FileDispositionInformationEx, which Wine 8.0 answers with "not
// implemented" instead of the "invalid class" Go falls back on. This turns
// on Go's own fallback for Windows before 10 (the switch its tests use).
const removeAllFallback = `package %s

import _ "unsafe" // go:linkname

//go:linkname deleteatFallback internal/syscall/windows.TestDeleteatFallback
var deleteatFallback bool

func init() { deleteatFallback = true }
`

// TestWinePackages cross-compiles the tests of windowsPackages for Windows
// and runs them under Wine, in a prefix whose user name has a space and
// non-ASCII letters: the keychain tests use the real Credential Manager
// (go-keyring's wincred backend). A test may skip only by saying it needs a
// tool the tests start only on Linux (testenv.LinuxOnlyMarker) or tests
// something Windows lacks (testenv.UnixOnlyMarker); such skips are counted and
// named in the log, and any other skip fails.
func TestWinePackages(t *testing.T) {
	p := wine(t)
	bin := filepath.Join(work(t), "tests")
	buildTests(t, bin)
	total := map[string]int{}
	for _, pkg := range windowsPackages {
		t.Run(pkg, func(t *testing.T) {
			r := runTests(t, p, pkg, filepath.Join(bin, filepath.Base(pkg)+".test.exe"))
			total["passed"] += r.passed
			total["skipped"] += len(r.skipped)
			total["failed"] += len(r.failed)
		})
	}
	t.Logf("Under Wine: %d tests passed, %d failed, %d skipped as Linux- or Unix-only (named above).",
		total["passed"], total["failed"], total["skipped"])
}

// buildTests builds the test binaries of windowsPackages into dir, each with
// removeAllFallback, through a build overlay that leaves the source alone.
func buildTests(t *testing.T, dir string) {
	t.Helper()
	overlay := map[string]string{}
	src := filepath.Join(work(t), "overlay")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, pkg := range windowsPackages {
		list := exec.Command("go", "list", "-f", "{{.Name}}", "./"+pkg)
		list.Dir = root
		out, err := list.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		file := filepath.Join(src, strings.ReplaceAll(pkg, "/", "_")+".go")
		if err := os.WriteFile(file, fmt.Appendf(nil, removeAllFallback, strings.TrimSpace(string(out))), 0o644); err != nil {
			t.Fatal(err)
		}
		overlay[filepath.Join(root, pkg, "zz_wine_removeall_test.go")] = file
		pkgs = append(pkgs, "./"+pkg)
	}
	overlayFile := filepath.Join(src, "overlay.json")
	b, _ := json.Marshal(map[string]any{"Replace": overlay})
	if err := os.WriteFile(overlayFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"test", "-c", "-o", dir + "/", "-overlay", overlayFile,
		// The linkname above reaches into the standard library.
		"-ldflags=-checklinkname=0"}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cross-compile the tests for Windows: %v\n%s", err, out)
	}
	t.Logf("cross-compiled the tests of %d packages for Windows in %s", len(pkgs), time.Since(start).Round(time.Second))
}

// testResult is what one package's tests did under Wine.
type testResult struct {
	passed  int
	skipped []string // "TestName: reason"
	failed  []string
}

// event is a line of go tool test2json's output.
type event struct {
	Action string
	Test   string
	Output string
}

// runTests runs one package's test binary under Wine, in the package's
// folder (for testdata), and reports each failure and stray skip as a test
// failure.
func runTests(t *testing.T, p *prefix, pkg, exe string) testResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := p.command(ctx, exe, "-test.v=test2json", "-test.count=1", "-test.timeout=5m")
	cmd.Dir = filepath.Join(root, pkg)
	start := time.Now()
	raw, runErr := runToFile(cmd)
	elapsed := time.Since(start)

	conv := exec.Command("go", "tool", "test2json", "-p", pkg)
	conv.Stdin = strings.NewReader(raw)
	js, err := conv.Output()
	if err != nil {
		t.Fatalf("go tool test2json: %v", err)
	}
	var r testResult
	output := map[string]*strings.Builder{}
	pkgFailed := false
	sc := bufio.NewScanner(bytes.NewReader(js))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		if output[e.Test] == nil {
			output[e.Test] = &strings.Builder{}
		}
		switch e.Action {
		case "output":
			output[e.Test].WriteString(e.Output)
		case "pass":
			if e.Test != "" {
				r.passed++
			}
		case "fail":
			if e.Test == "" {
				pkgFailed = true
			} else {
				r.failed = append(r.failed, e.Test)
				t.Errorf("%s failed under Wine:\n%s", e.Test, output[e.Test])
			}
		case "skip":
			if e.Test == "" {
				pkgFailed = true // no test files would be a mistake in windowsPackages
				continue
			}
			reason := skipReason(output[e.Test].String())
			r.skipped = append(r.skipped, e.Test+": "+reason)
			if !strings.HasPrefix(reason, testenv.LinuxOnlyMarker) && !strings.HasPrefix(reason, testenv.UnixOnlyMarker) {
				t.Errorf("%s skipped under Wine without saying it needs a Linux-only tool or tests a Unix-only feature: %q", e.Test, reason)
			}
		}
	}
	if len(r.failed) == 0 && (pkgFailed || runErr != nil) {
		t.Errorf("the tests of %s did not finish under Wine (%v):\n%s", pkg, runErr, unfinished(raw))
	}
	if r.passed == 0 {
		t.Errorf("no test of %s passed under Wine", pkg)
	}
	sort.Strings(r.skipped)
	t.Logf("%s: %d passed, %d failed, %d skipped in %s", pkg, r.passed, len(r.failed), len(r.skipped), elapsed.Round(100*time.Millisecond))
	for _, s := range r.skipped {
		t.Logf("  skipped %s", s)
	}
	return r
}

// skipReason is the message of a skipped test, from its output.
func skipReason(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		// "file_test.go:12: message"
		if _, msg, ok := strings.Cut(l, ".go:"); ok {
			if _, m, ok := strings.Cut(msg, ": "); ok {
				l = m
			}
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, " ")
}

// unfinished is what says why a test binary did not finish: on a timeout,
// the panic with the tests still running and the goroutines in this
// project's code (the rest are libraries' idle workers); else its last lines.
func unfinished(raw string) string {
	at := strings.Index(raw, "panic: test timed out")
	if at < 0 {
		return tail(raw, 60)
	}
	blocks := strings.Split(raw[at:], "\n\n")
	kept := blocks[:1]
	for _, b := range blocks[1:] {
		if strings.Contains(b, "kantata-connect/") {
			kept = append(kept, b)
		}
	}
	return strings.Join(kept, "\n\n")
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
