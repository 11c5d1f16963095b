//go:build linux

package winetest

import (
	"bytes"
	"debug/pe"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// TestWindowsBuild checks what make windows writes, without running it: the
// two programs and the installer, nothing else (no test shim); each program
// 64-bit, for the right subsystem (the window's without a console), with the
// icon, the manifest and the version information of FyneApp.toml; and no
// path of this machine inside (-trimpath).
func TestWindowsBuild(t *testing.T) {
	testenv.RealPartsOnly(t, "the Windows build")
	needTools(t, "x86_64-w64-mingw32-windres")
	d := dist(t)
	entries, err := os.ReadDir(d)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	want := []string{guiExe, setupExe, cliExe}
	sort.Strings(want)
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("the Windows build holds %q, want exactly %q", names, want)
	}

	version := appVersion(t) // "0.1.0 (build 1)"
	var major, minor, patch, build int
	if _, err := fmt.Sscanf(version, "%d.%d.%d (build %d)", &major, &minor, &patch, &build); err != nil {
		t.Fatalf("FyneApp.toml version %q: %v", version, err)
	}
	for _, c := range []struct {
		file, description string
		subsystem         uint16
	}{
		{guiExe, "Kantata Connect", pe.IMAGE_SUBSYSTEM_WINDOWS_GUI},
		{cliExe, "Kantata Connect (command line)", pe.IMAGE_SUBSYSTEM_WINDOWS_CUI},
	} {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(d, c.file)
			f, err := pe.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
			if !ok || f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
				t.Fatalf("not a 64-bit Windows program (machine %#x)", f.Machine)
			}
			if oh.Subsystem != c.subsystem {
				t.Errorf("subsystem %d, want %d", oh.Subsystem, c.subsystem)
			}
			rc := resources(t, path)
			for _, want := range []string{
				"RT_GROUP_ICON", "Has 6 elements",
				fmt.Sprintf("FILEVERSION %d, %d, %d, %d", major, minor, patch, build),
				`VALUE "FileDescription", "` + c.description + `"`,
				`VALUE "FileVersion", "` + version + `"`,
				`VALUE "OriginalFilename", "` + c.file + `"`,
				`VALUE "ProductName", "Kantata Connect"`,
				"RT_MANIFEST",
			} {
				if !strings.Contains(rc, want) {
					t.Errorf("the resources have no %s", want)
				}
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte(root)) {
				t.Errorf("the program holds this machine's path %s", root)
			}
			// The manifest asks for no administrator rights.
			if !bytes.Contains(data, []byte(`level="asInvoker"`)) {
				t.Error(`the manifest does not say level="asInvoker"`)
			}
		})
	}
	rc := resources(t, filepath.Join(d, setupExe))
	if !strings.Contains(rc, `VALUE "ProductVersion", "`+strings.Fields(version)[0]+`"`) {
		t.Errorf("the installer's version information has no ProductVersion %s", strings.Fields(version)[0])
	}
}

// resources is a program's resources as windres writes them (rc text).
func resources(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("x86_64-w64-mingw32-windres", "-J", "coff", "-i", path, "-O", "rc").CombinedOutput()
	if err != nil {
		t.Fatalf("windres %s: %v\n%s", filepath.Base(path), err, out)
	}
	return string(out)
}
