//go:build windows

package main

import (
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// windowProgram is the window's program, which make windows puts beside the
// command line (kantata-connect.exe). It is built for the GUI subsystem, so
// Windows gives it no console window.
const windowProgram = "Kantata Connect.exe"

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
