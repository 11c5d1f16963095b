//go:build windows

// Command wininfo shows the Wine tests (internal/winetest) what the Windows
// programs left behind, in UTF-8 whatever the console's code page:
//
//	wininfo credentials PREFIX   the Credential Manager's generic credentials
//	                             whose names start with PREFIX, one a line with
//	                             its size; never a credential's value
//	wininfo reg KEY VALUE        a value of a key under HKEY_CURRENT_USER;
//	                             exit 3 when there is none
package main

import (
	"errors"
	"fmt"
	"os"
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
	default:
		fmt.Fprintln(os.Stderr, "usage: wininfo credentials PREFIX | wininfo reg KEY VALUE")
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
