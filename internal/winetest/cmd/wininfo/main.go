//go:build windows

// Command wininfo shows the Wine tests (internal/winetest) what the Windows
// programs left behind, in UTF-8 whatever the console's code page:
//
//	wininfo credentials PREFIX   the Credential Manager's generic credentials
//	                             whose names start with PREFIX, one a line with
//	                             its size; never a credential's value
//	wininfo reg KEY VALUE        a value of a key under HKEY_CURRENT_USER;
//	                             exit 3 when there is none
//	wininfo window-text TITLE    the texts of a top-level window titled TITLE
//	                             and of its controls (a message box's words),
//	                             one a line; exit 3 when there is none
//	wininfo close TITLE          asks the top-level window titled TITLE to
//	                             close (WM_CLOSE: a message box's OK);
//	                             exit 3 when there is none
//	wininfo modules EXE          the DLLs loaded by each running process whose
//	                             program file is named EXE, one path a line;
//	                             exit 3 when none runs
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

func main() {
	switch {
	case len(os.Args) == 3 && os.Args[1] == "credentials":
		credentials(os.Args[2])
	case len(os.Args) == 4 && os.Args[1] == "reg":
		reg(os.Args[2], os.Args[3])
	case len(os.Args) == 3 && os.Args[1] == "window-text":
		windowText(os.Args[2])
	case len(os.Args) == 3 && os.Args[1] == "close":
		closeWindow(os.Args[2])
	case len(os.Args) == 3 && os.Args[1] == "modules":
		modules(os.Args[2])
	default:
		fmt.Fprintln(os.Stderr, "usage: wininfo credentials PREFIX | wininfo reg KEY VALUE | wininfo window-text TITLE | wininfo close TITLE | wininfo modules EXE")
		os.Exit(2)
	}
}

// credential is the start of Windows' CREDENTIALW.
type credential struct {
	Flags              uint32
	Type               uint32
	TargetName         *uint16
	Comment            *uint16
	LastWritten        windows.Filetime
	CredentialBlobSize uint32
}

func credentials(prefix string) {
	advapi := windows.NewLazySystemDLL("advapi32.dll")
	enumerate, free := advapi.NewProc("CredEnumerateW"), advapi.NewProc("CredFree")
	filter, err := windows.UTF16PtrFromString(prefix + "*")
	if err != nil {
		fail(err)
	}
	var count uint32
	var list **credential
	ok, _, err := enumerate.Call(uintptr(unsafe.Pointer(filter)), 0,
		uintptr(unsafe.Pointer(&count)), uintptr(unsafe.Pointer(&list)))
	if ok == 0 {
		if errors.Is(err, windows.ERROR_NOT_FOUND) {
			return // none
		}
		fail(err)
	}
	defer free.Call(uintptr(unsafe.Pointer(list)))
	for _, c := range unsafe.Slice(list, count) {
		fmt.Printf("%s\t%d bytes\n", windows.UTF16PtrToString(c.TargetName), c.CredentialBlobSize)
	}
}

func reg(path, name string) {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		os.Exit(3)
	}
	if err != nil {
		fail(err)
	}
	defer k.Close()
	v, _, err := k.GetStringValue(name)
	if errors.Is(err, registry.ErrNotExist) {
		os.Exit(3)
	}
	if err != nil {
		fail(err)
	}
	fmt.Print(v)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "wininfo:", err)
	os.Exit(1)
}

var (
	user32           = windows.NewLazySystemDLL("user32.dll")
	findWindowW      = user32.NewProc("FindWindowW")
	enumChildWindows = user32.NewProc("EnumChildWindows")
	getWindowTextW   = user32.NewProc("GetWindowTextW")
	postMessageW     = user32.NewProc("PostMessageW")
)

func text(hwnd uintptr) string {
	buf := make([]uint16, 8192)
	n, _, _ := getWindowTextW.Call(hwnd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	return windows.UTF16ToString(buf[:n])
}

// find is the top-level window titled title; it exits 3 when there is none.
func find(title string) uintptr {
	t, err := windows.UTF16PtrFromString(title)
	if err != nil {
		fail(err)
	}
	hwnd, _, _ := findWindowW.Call(0, uintptr(unsafe.Pointer(t)))
	if hwnd == 0 {
		os.Exit(3)
	}
	return hwnd
}

func closeWindow(title string) {
	const wmClose = 0x0010
	if ok, _, err := postMessageW.Call(find(title), wmClose, 0, 0); ok == 0 {
		fail(err)
	}
}

func windowText(title string) {
	hwnd := find(title)
	fmt.Println(text(hwnd))
	enumChildWindows.Call(hwnd, windows.NewCallback(func(child, _ uintptr) uintptr {
		if s := text(child); s != "" {
			fmt.Println(s)
		}
		return 1
	}), 0)
}

func modules(exe string) {
	procs, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		fail(err)
	}
	defer windows.CloseHandle(procs)
	found := false
	var pe windows.ProcessEntry32
	pe.Size = uint32(unsafe.Sizeof(pe))
	for err = windows.Process32First(procs, &pe); err == nil; err = windows.Process32Next(procs, &pe) {
		if !strings.EqualFold(windows.UTF16ToString(pe.ExeFile[:]), exe) {
			continue
		}
		found = true
		mods, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPMODULE, pe.ProcessID)
		if err != nil {
			fail(err)
		}
		var me windows.ModuleEntry32
		me.Size = uint32(unsafe.Sizeof(me))
		for err = windows.Module32First(mods, &me); err == nil; err = windows.Module32Next(mods, &me) {
			fmt.Println(windows.UTF16ToString(me.ExePath[:]))
		}
		windows.CloseHandle(mods)
	}
	if !found {
		os.Exit(3)
	}
}
