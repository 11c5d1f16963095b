package gui

import (
	"net/url"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/diagnose"
)

// troubleshootingAnchor is the README's Troubleshooting section.
const troubleshootingAnchor = "#troubleshooting"

// showAbout says what the app is and which version, and where its
// troubleshooting is (Help › About).
func (u *UI) showAbout() {
	name := widget.NewLabelWithStyle(Title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	version := diagnose.Version(u.version)
	items := []fyne.CanvasObject{name,
		widget.NewLabel("Version " + version),
		wrappedLabel("Sets up and checks OAuth 2.0 connections to Kantata OX. Secrets stay in this computer's keychain."),
	}
	if link, err := url.Parse(strings.TrimSuffix(u.website, "/") + troubleshootingAnchor); err == nil && u.website != "" {
		items = append(items, widget.NewHyperlink("Troubleshooting (in the README)", link))
	}
	u.showClosable("About Kantata Connect", "Close", sized(container.NewVBox(items...)))
}
