//go:build windows

package filechooser

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	comdlg32                 = windows.NewLazySystemDLL("comdlg32.dll")
	procGetSaveFileNameW     = comdlg32.NewProc("GetSaveFileNameW")
	procGetOpenFileNameW     = comdlg32.NewProc("GetOpenFileNameW")
	procCommDlgExtendedError = comdlg32.NewProc("CommDlgExtendedError")
)

// maxPath is room for a long path: the manifest declares long paths.
const maxPath = 32768

// OPENFILENAMEW's flags.
const (
	ofnOverwritePrompt uint32 = 0x00000002
	ofnHideReadOnly    uint32 = 0x00000004
	ofnNoChangeDir     uint32 = 0x00000008
	ofnPathMustExist   uint32 = 0x00000800
	ofnFileMustExist   uint32 = 0x00001000
	ofnExplorer        uint32 = 0x00080000
	ofnDontAddToRecent uint32 = 0x02000000
)

// openFileName is Win32's OPENFILENAMEW.
type openFileName struct {
	StructSize      uint32
	Owner           uintptr
	Instance        uintptr
	Filter          *uint16
	CustomFilter    *uint16
	MaxCustomFilter uint32
	FilterIndex     uint32
	File            *uint16
	MaxFile         uint32
	FileTitle       *uint16
	MaxFileTitle    uint32
	InitialDir      *uint16
	Title           *uint16
	Flags           uint32
	FileOffset      uint16
	FileExtension   uint16
	DefExt          *uint16
	CustData        uintptr
	FnHook          uintptr
	TemplateName    *uint16
	PvReserved      uintptr
	DwReserved      uint32
	FlagsEx         uint32
}

func documents() string {
	d, err := windows.KnownFolderPath(windows.FOLDERID_Documents, 0)
	if err != nil {
		return ""
	}
	return d
}

// choose shows Windows' own Save or Open dialog (GetSaveFileNameW,
// GetOpenFileNameW: the Explorer-style dialog, with the places and search
// users know). It runs on a thread of its own, which the dialog's modal
// loop keeps, so the window's thread goes on.
func choose(ctx context.Context, o Options) (string, error) {
	type result struct {
		path string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		p, err := showDialog(o)
		done <- result{p, err}
	}()
	select {
	case r := <-done:
		return r.path, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func showDialog(o Options) (string, error) {
	file := make([]uint16, maxPath)
	if o.Save && o.Name != "" {
		copy(file, windows.StringToUTF16(o.Name))
	}
	// The filter: pairs of a description and its patterns, each ended by
	// a NUL, the list by another.
	var filter []uint16
	if len(o.Extensions) > 0 {
		var pats []string
		for _, e := range o.Extensions {
			pats = append(pats, "*."+e)
		}
		p := strings.Join(pats, ";")
		filter = append(filter, windows.StringToUTF16(fmt.Sprintf("%s (%s)", o.FilterName, p))...)
		filter = append(filter, windows.StringToUTF16(p)...)
	}
	filter = append(filter, windows.StringToUTF16("All files (*.*)")...)
	filter = append(filter, windows.StringToUTF16("*.*")...)
	filter = append(filter, 0)

	ofn := openFileName{
		StructSize:  uint32(unsafe.Sizeof(openFileName{})),
		Owner:       o.Parent,
		Filter:      &filter[0],
		FilterIndex: 1,
		File:        &file[0],
		MaxFile:     uint32(len(file)),
		Title:       ptr(o.Title),
		InitialDir:  ptr(o.Folder),
		Flags:       ofnExplorer | ofnHideReadOnly | ofnNoChangeDir | ofnPathMustExist | ofnDontAddToRecent,
	}
	proc := procGetOpenFileNameW
	if o.Save {
		proc = procGetSaveFileNameW
		ofn.Flags |= ofnOverwritePrompt
		if len(o.Extensions) > 0 {
			ofn.DefExt = ptr(o.Extensions[0])
		}
	} else {
		ofn.Flags |= ofnFileMustExist
	}
	if err := proc.Find(); err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	ok, _, _ := proc.Call(uintptr(unsafe.Pointer(&ofn)))
	runtime.KeepAlive(filter)
	if ok != 0 {
		return windows.UTF16ToString(file), nil
	}
	if code, _, _ := procCommDlgExtendedError.Call(); code != 0 {
		return "", fmt.Errorf("filechooser: the file dialog failed (CommDlgExtendedError 0x%x)", code)
	}
	return "", nil // canceled
}

func ptr(s string) *uint16 {
	if s == "" {
		return nil
	}
	p, err := windows.UTF16PtrFromString(s)
	if err != nil {
		return nil
	}
	return p
}
