package gui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"

	"github.com/kantata-connect/kantata-connect/filechooser"
)

// setupFilter narrows the file dialogs to setup files.
var setupFilter = filechooser.Options{FilterName: "Setup files", Extensions: []string{"json"}}

// chooseFile shows the system's file dialog for o, off the UI thread, and
// then chosen(path) on it; "" is a cancel. Where the system offers none
// (no desktop portal) it shows Fyne's, starting in Documents, instead.
func (u *UI) chooseFile(o filechooser.Options, failed string, chosen func(path string)) {
	if w, ok := u.nativeWindow(); ok {
		o.Parent = uintptr(w)
	}
	var path string
	u.background(func() (err error) {
		path, err = u.fileDialog(context.Background(), o)
		return err
	}, func(err error) {
		switch {
		case errors.Is(err, filechooser.ErrUnavailable):
			u.fyneFileDialog(o, failed, chosen)
		case err != nil:
			u.showError(failed, err)
		case path != "":
			chosen(path)
		}
	})
}

// fyneFileDialog is Fyne's file dialog for o, in Documents.
func (u *UI) fyneFileDialog(o filechooser.Options, failed string, chosen func(path string)) {
	var d *dialog.FileDialog
	if o.Save {
		d = dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if w != nil {
				w.Close() // written again below, by path, as a system dialog's choice is
			}
			switch {
			case err != nil:
				u.showError(failed, err)
			case w != nil:
				chosen(w.URI().Path())
			}
		}, u.win)
		d.SetFileName(o.Name)
	} else {
		d = dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if r != nil {
				r.Close()
			}
			switch {
			case err != nil:
				u.showError(failed, err)
			case r != nil:
				chosen(r.URI().Path())
			}
		}, u.win)
	}
	var exts []string
	for _, e := range o.Extensions {
		exts = append(exts, "."+e)
	}
	d.SetFilter(storage.NewExtensionFileFilter(exts))
	if l, err := storage.ListerForURI(storage.NewFileURI(filechooser.Documents())); err == nil {
		d.SetLocation(l)
	}
	d.Show()
}
