// Command kantata-connect sets up and checks OAuth 2.0 connections to Kantata
// OX. It is the only file that imports fyne.io/fyne/v2/app: everything else
// builds and tests without a display.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/kantata-connect/kantata-connect/assets"
	"github.com/kantata-connect/kantata-connect/gui"
)

// appID names the app to the OS: preferences, the desktop entry and the
// keychain service all use it. It matches FyneApp.toml.
const appID = "com.kantataconnect.desktop"

func main() {
	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	w := a.NewWindow(gui.Title)
	w.SetContent(gui.NewShell().Content)
	w.Resize(fyne.NewSize(900, 600))
	w.CenterOnScreen()
	w.ShowAndRun()
}
