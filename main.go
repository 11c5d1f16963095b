// Command kantata-connect sets up and checks OAuth 2.0 connections to Kantata
// OX. It is the only file that imports fyne.io/fyne/v2/app: everything else
// builds and tests without a display.
package main

import (
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/kantata-connect/kantata-connect/assets"
	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/gui"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// appID names the app to the OS: preferences, the desktop entry and the
// keychain service all use it. It matches FyneApp.toml.
const appID = "com.kantataconnect.desktop"

func main() {
	dir, err := store.DefaultDir()
	var svc *connect.Service
	if err == nil {
		var st *store.Store
		st, err = store.Open(dir, store.NewSystemKeychain(appID))
		if err == nil {
			svc = connect.New(st, oauth.SystemOpener)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kantata-connect: open records:", err)
	}

	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	gui.New(a, svc, err).ShowAndRun()
}
