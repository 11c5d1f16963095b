// Package gui is Kantata Connect's window: the connections list, the
// connection panel and the OAuth 2.0 client dialog. It holds no OAuth or
// storage logic; it calls the shared operations and turns their errors into
// words.
package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Window title and the texts a first-time user sees.
const (
	Title          = "Kantata Connect"
	emptyStateText = "No connections yet.\n\nTo connect to Kantata, name your connection on the right, " +
		"then add the OAuth 2.0 client Kantata gave you with the + button."
	nameHint = "Enter a clear and distinguishable name. A unique name helps when you pick this connection from a list later."
)

// Shell is the main window's content.
type Shell struct {
	Content fyne.CanvasObject

	EmptyState *widget.Label
	Name       *widget.Entry
	Client     *widget.Select
	AddClient  *widget.Button
	EditClient *widget.Button
}

// NewShell builds the main window's content.
func NewShell() *Shell {
	s := &Shell{
		EmptyState: widget.NewLabel(emptyStateText),
		Name:       widget.NewEntry(),
		Client:     widget.NewSelect(nil, nil),
	}
	s.EmptyState.Wrapping = fyne.TextWrapWord
	s.Name.SetPlaceHolder("e.g. Kantata production")
	s.Client.PlaceHolder = "Select an OAuth 2.0 client"
	s.AddClient = widget.NewButtonWithIcon("", theme.ContentAddIcon(), nil)
	s.EditClient = widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), nil)
	s.EditClient.Disable()

	form := widget.NewForm(
		&widget.FormItem{Text: "Name your connection *", Widget: s.Name, HintText: nameHint},
		&widget.FormItem{Text: "OAuth 2.0 client *", Widget: container.NewBorder(nil, nil, nil,
			container.NewHBox(s.AddClient, s.EditClient), s.Client)},
	)
	panel := container.NewVBox(widget.NewLabelWithStyle("Create connection", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), form)
	list := container.NewBorder(widget.NewLabelWithStyle("Connections", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, s.EmptyState)
	split := container.NewHSplit(list, container.NewPadded(panel))
	split.Offset = 0.32
	s.Content = split
	return s
}
