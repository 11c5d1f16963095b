//go:build linux

package winetest

import (
	"bytes"
	"debug/pe"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// TestWindowsBuild checks what make windows writes, without running it: the
// two programs, the software-drawn copy of the window with Mesa's OpenGL
// (see TestSoftwareOpenGL) and the installer, nothing else (no test shim);
// each program
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
	want := []string{guiExe, setupExe, cliExe, softDir}
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

// softDir is the folder of the window's software-drawn copy.
const softDir = "software-opengl"

// TestSoftwareOpenGL checks the software-drawn copy that make windows lays
// out: exactly the window's program (the same file), Mesa's two DLLs — 64-bit,
// asking Windows for nothing beyond what Windows 8 and later have — and
// Mesa's licence.
func TestSoftwareOpenGL(t *testing.T) {
	testenv.RealPartsOnly(t, "the Windows build")
	d := dist(t)
	soft := filepath.Join(d, softDir)
	entries, err := os.ReadDir(soft)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{guiExe, "Mesa licence.txt", "libgallium_wgl.dll", "opengl32.dll"}
	sort.Strings(names)
	sort.Strings(want)
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("%s holds %q, want exactly %q", softDir, names, want)
	}
	gui, err := os.ReadFile(filepath.Join(d, guiExe))
	if err != nil {
		t.Fatal(err)
	}
	if copied, err := os.ReadFile(filepath.Join(soft, guiExe)); err != nil || !bytes.Equal(gui, copied) {
		t.Errorf("%s\\%s is not the same file as %s (%v)", softDir, guiExe, guiExe, err)
	}
	allowed := map[string]bool{"gdi32.dll": true, "kernel32.dll": true, "msvcrt.dll": true, "user32.dll": true,
		"api-ms-win-core-synch-l1-2-0.dll": true, "libgallium_wgl.dll": true}
	for _, dll := range []string{"opengl32.dll", "libgallium_wgl.dll"} {
		t.Run(dll, func(t *testing.T) {
			f, err := pe.Open(filepath.Join(soft, dll))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 || f.Characteristics&pe.IMAGE_FILE_DLL == 0 {
				t.Fatalf("not a 64-bit Windows DLL (machine %#x, characteristics %#x)", f.Machine, f.Characteristics)
			}
			libs, err := f.ImportedLibraries()
			if err != nil {
				t.Fatal(err)
			}
			for _, lib := range libs {
				if !allowed[strings.ToLower(lib)] {
					t.Errorf("imports %s, which a Windows computer may not have", lib)
				}
			}
			syms, err := f.ImportedSymbols()
			if err != nil {
				t.Fatal(err)
			}
			if dll == "opengl32.dll" && !slices.ContainsFunc(syms, func(s string) bool { return strings.HasSuffix(s, ":libgallium_wgl.dll") }) {
				t.Errorf("opengl32.dll does not load libgallium_wgl.dll")
			}
		})
	}
	licence, err := os.ReadFile(filepath.Join(soft, "Mesa licence.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, say := range []string{"Mesa 22.3.6", "Permission is hereby granted, free of charge", "Files: *"} {
		if !bytes.Contains(licence, []byte(say)) {
			t.Errorf("Mesa licence.txt does not say %q", say)
		}
	}
}
