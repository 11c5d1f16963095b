package gui

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kantata-connect/kantata-connect/safetext"
	"github.com/kantata-connect/kantata-connect/setupfile"
)

// exportFileName is what the save dialog suggests.
const exportFileName = "kantata-connect-setup.json"

func (u *UI) chooseExportFile() {
	if u.store == nil {
		return
	}
	o := setupFilter
	o.Title, o.Save, o.Name = "Export setup", true, exportFileName
	u.chooseFile(o, "Couldn't export the setup", u.exportToFile)
}

// exportToFile writes the setup to the file at path, made or replaced.
func (u *UI) exportToFile(path string) {
	var f *os.File
	u.background(func() (err error) {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		return err
	}, func(err error) {
		if err != nil {
			u.showError("Couldn't export the setup", fmt.Errorf("write %s: %w", path, err))
			return
		}
		u.exportTo(f, path)
	})
}

// exportTo writes the clients and connections, never a secret or token, and
// says where: path names the file.
func (u *UI) exportTo(w io.WriteCloser, path string) {
	e := setupfile.FromStore(u.store, time.Now())
	u.background(func() error {
		err := setupfile.WriteExport(w, e)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		return err
	}, func(err error) {
		if err != nil {
			u.showError("Couldn't export the setup", err)
			return
		}
		u.showNotice("Setup exported", fmt.Sprintf("Exported %s and %s to “%s” — no secrets and no tokens. On the other "+
			"computer choose File › Import setup… and enter each client's secret again.",
			safetext.Count(len(e.Clients), "OAuth 2.0 client"), safetext.Count(len(e.Connections), "connection"), path))
	})
}

func (u *UI) chooseImportFile() {
	if u.store == nil {
		return
	}
	o := setupFilter
	o.Title = "Import setup"
	u.chooseFile(o, "Couldn't import the setup", func(path string) {
		var f *os.File
		u.background(func() (err error) {
			f, err = os.Open(path)
			return err
		}, func(err error) {
			if err != nil {
				u.showError("Couldn't import the setup", err)
				return
			}
			u.importFrom(f)
		})
	})
}

// importFrom reads an export file and adds its clients and connections,
// asking for each client's secret and about every name already in use. A bad
// or foreign file changes nothing.
func (u *UI) importFrom(r io.ReadCloser) {
	var rep setupfile.ImportReport
	u.background(func() error {
		e, err := setupfile.ReadExport(r)
		r.Close()
		if err != nil {
			return err
		}
		rep, err = setupfile.Import(context.Background(), u.store, e, &importDecider{u: u})
		return err
	}, func(err error) {
		u.refresh()
		if err != nil {
			u.showError("Couldn't import the setup", err)
			return
		}
		title := "Setup imported"
		if rep.Empty() {
			title = "Nothing imported"
		}
		u.showNotice(title, rep.String())
	})
}
