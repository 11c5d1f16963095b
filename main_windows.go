//go:build windows

package main

import (
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kantata-connect/kantata-connect/cli"
	"github.com/kantata-connect/kantata-connect/internal/glcheck"
)

// windowProgram is the window's program, which make windows puts beside the
// command line (kantata-connect.exe). It is built for the GUI subsystem, so
// Windows gives it no console window.
const windowProgram = "Kantata Connect.exe"

// softwareFolder, beside the programs, holds a copy of the window's program
// with Mesa's software OpenGL (opengl32.dll, libgallium_wgl.dll): Windows
// loads an opengl32.dll from a program's own folder before the system's, so
// that copy draws without the graphics driver. make windows puts it there.
const softwareFolder = "software-opengl"

// checkOpenGL returns the OpenGL that will draw the window in this process.
// When the computer's own can't give 2.1 (or --software-rendering asks), it
// starts the software-drawn copy with the same options and returns true: the
// caller then exits. Without that copy it tells the user why the window
// can't open, in a message box, and exits with code 1.
func checkOpenGL(g cli.Global, args []string) (glcheck.Info, bool) {
	fallback := softwareProgram()
	if g.SoftwareRendering && fallback != "" && startSoftware(fallback, args) {
		return glcheck.Info{}, true
	}
	info, err := glcheck.Probe()
	if g.SoftwareRendering && !info.Bundled {
		// Asked for, but neither this program nor a copy beside it
		// draws in software.
		err = &glcheck.Error{Kind: glcheck.NoFallback}
	}
	if err == nil {
		return info, false
	}
	if !g.SoftwareRendering && fallback != "" && startSoftware(fallback, args) {
		return glcheck.Info{}, true
	}
	glcheck.Tell(os.Stderr, err)
	os.Exit(1)
	return info, false
}

// softwareProgram is the software-drawn copy of the window's program, or ""
// when there is none (or this program is it).
func softwareProgram() string {
	self, err := os.Executable()
	if err != nil {
		return ""
	}
	p := filepath.Join(filepath.Dir(self), softwareFolder, windowProgram)
	if strings.EqualFold(p, self) {
		return ""
	}
	if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	return p
}

// startSoftware starts the software-drawn copy. Mesa's own settings are
// left out of its environment: they are meant for a system's Mesa (a
// version cap there would cap the bundled one too).
func startSoftware(program string, args []string) bool {
	cmd := exec.Command(program, args...)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if upper := strings.ToUpper(name); strings.HasPrefix(upper, "MESA_") || strings.HasPrefix(upper, "GALLIUM_") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	if err := cmd.Start(); err != nil {
		return false
	}
	_ = cmd.Process.Release()
	return true
}

// openWindowElsewhere is for the command line run with no command: a
// console-subsystem program always has a console window, which would stay
// open beside the app's window for as long as it runs (and close the app
// when closed). So the command line starts the window's program with the same
// options (--config-dir) and returns true; the caller then exits, and a
// terminal gets its prompt back. It returns false, and the window opens in
// this process, when this program is the window's own (GUI subsystem), or
// when the window's program is missing or won't start.
func openWindowElsewhere(args []string) bool {
	self, err := os.Executable()
	if err != nil || !consoleSubsystem(self) {
		return false
	}
	gui := filepath.Join(filepath.Dir(self), windowProgram)
	if strings.EqualFold(gui, self) {
		return false
	}
	if fi, err := os.Stat(gui); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	cmd := exec.Command(gui, args...)
	if err := cmd.Start(); err != nil {
		return false
	}
	_ = cmd.Process.Release()
	return true
}

// consoleSubsystem reports whether the program file at path is built for
// the console subsystem, read from its PE header: the optional header's
// Subsystem field (3 is IMAGE_SUBSYSTEM_WINDOWS_CUI, 2 the GUI).
func consoleSubsystem(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF {
		return false
	}
	head = head[:n]
	if len(head) < 0x40 || string(head[:2]) != "MZ" {
		return false
	}
	pe := int(binary.LittleEndian.Uint32(head[0x3c:]))
	// "PE\0\0", the 20-byte file header, then the optional header, whose
	// Subsystem field is at offset 68 in both PE32 and PE32+.
	sub := pe + 4 + 20 + 68
	if pe < 0 || sub+2 > len(head) || string(head[pe:pe+4]) != "PE\x00\x00" {
		return false
	}
	return binary.LittleEndian.Uint16(head[sub:]) == 3
}
