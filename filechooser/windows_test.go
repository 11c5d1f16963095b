//go:build windows

package filechooser

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32             = windows.NewLazySystemDLL("user32.dll")
	procFindWindowW    = user32.NewProc("FindWindowW")
	procSendMessageW   = user32.NewProc("SendMessageW")
	procSetDlgItemText = user32.NewProc("SetDlgItemTextW")
)

const (
	wmCommand = 0x0111
	idOK      = 1
	idCancel  = 2
	// The file name box of the Explorer-style dialog: a combo box (cmb13),
	// or an edit (edt1) in older layouts.
	cmb13 = 0x047c
	edt1  = 0x0480
)

// dialogTitled waits for the file dialog titled title, as a user sees it.
func dialogTitled(t *testing.T, title string) uintptr {
	t.Helper()
	name, _ := windows.UTF16PtrFromString(title)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if h, _, _ := procFindWindowW.Call(0, uintptr(unsafe.Pointer(name))); h != 0 {
			time.Sleep(300 * time.Millisecond) // let it finish setting itself up
			return h
		}
	}
	t.Fatalf("no file dialog titled %q showed", title)
	return 0
}

func press(dlg uintptr, id uintptr) { procSendMessageW.Call(dlg, wmCommand, id, 0) }

// Windows' own Save and Open dialogs: the Save dialog starts in Documents
// with the suggested name, which OK takes as it is; the Open dialog takes a
// typed name; Cancel gives nothing.
func TestWindowsFileDialogs(t *testing.T) {
	docs := Documents()
	if docs == "" || !strings.Contains(strings.ToLower(docs), "documents") {
		t.Errorf("Documents() = %q; want the Documents known folder", docs)
	}
	type result struct {
		path string
		err  error
	}
	run := func(o Options) chan result {
		done := make(chan result, 1)
		go func() {
			p, err := Choose(context.Background(), o)
			done <- result{p, err}
		}()
		return done
	}

	t.Run("save", func(t *testing.T) {
		done := run(Options{Title: "Export setup (test)", Save: true, Name: "kantata-connect-setup.json",
			FilterName: "Setup files", Extensions: []string{"json"}})
		press(dialogTitled(t, "Export setup (test)"), idOK)
		r := <-done
		want := filepath.Join(docs, "kantata-connect-setup.json")
		if r.err != nil || !strings.EqualFold(r.path, want) {
			t.Errorf("Save dialog gave %q, %v; want %q", r.path, r.err, want)
		}
	})

	t.Run("open", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "setup from Jürgen.json")
		if err := os.WriteFile(file, []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
		done := run(Options{Title: "Import setup (test)", FilterName: "Setup files", Extensions: []string{"json"}})
		dlg := dialogTitled(t, "Import setup (test)")
		text, _ := windows.UTF16PtrFromString(file)
		for _, id := range []uintptr{cmb13, edt1} {
			procSetDlgItemText.Call(dlg, id, uintptr(unsafe.Pointer(text)))
		}
		press(dlg, idOK)
		if r := <-done; r.err != nil || !strings.EqualFold(r.path, file) {
			t.Errorf("Open dialog gave %q, %v; want %q", r.path, r.err, file)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		done := run(Options{Title: "Import setup (cancel)"})
		press(dialogTitled(t, "Import setup (cancel)"), idCancel)
		if r := <-done; r.path != "" || r.err != nil {
			t.Errorf("a canceled dialog gave %q, %v; want nothing", r.path, r.err)
		}
	})
}
