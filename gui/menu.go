package gui

import "fyne.io/fyne/v2"

// mainMenu offers moving a setup to another computer, and what the app is.
func (u *UI) mainMenu() *fyne.MainMenu {
	return fyne.NewMainMenu(
		fyne.NewMenu("File",
			fyne.NewMenuItem("Export setup…", u.chooseExportFile),
			fyne.NewMenuItem("Import setup…", u.chooseImportFile),
		),
		fyne.NewMenu("Help", fyne.NewMenuItem("About Kantata Connect", u.showAbout)),
	)
}
