package gui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/store"
)

// messageWidth keeps message dialogs readable: wrapped text needs a width.
const messageWidth = 460

// errorView is an error in plain words, with this window's way to the next
// step, and the technical detail folded away under "Details".
func errorView(err error) (fyne.CanvasObject, string) {
	msg, detail := connect.Explain(err)
	if advice := signInAdvice(connect.NextStepOf(err)); advice != "" {
		msg += " " + advice
	}
	text := wrappedLabel(msg)
	if detail == "" {
		return text, msg
	}
	detailLabel := widget.NewLabel(detail)
	detailLabel.Wrapping = fyne.TextWrapWord
	detailLabel.Selectable = true
	details := widget.NewAccordion(widget.NewAccordionItem("Details", detailLabel))
	return container.NewVBox(text, details), msg
}

// signInAdvice says how to take the next step in this window. The shared
// messages only say what happened: the command line gives its command instead.
func signInAdvice(next connect.NextStep) string {
	switch next {
	case connect.NextRetrySignIn:
		return "Click Save & authorize to try again."
	case connect.NextSignInAgain:
		return "Click Save & authorize to sign in again."
	case connect.NextSignInFirst:
		return "Click Save & authorize to sign in with Kantata first."
	}
	return ""
}

// canceledSignInText says what a canceled sign-in left: the connection as
// it was before, which still works as its user, or still isn't authorized.
func canceledSignInText(st *store.Store, conn store.Connection) string {
	if saved, ok := st.Connection(conn.ID); ok {
		conn = saved
	}
	switch {
	case conn.Status == store.StatusAuthorized && connect.IdentityText(conn) != "":
		return fmt.Sprintf("Sign-in canceled; “%s” still works as %s.", conn.Name, connect.IdentityText(conn))
	case conn.Status == store.StatusAuthorized:
		return fmt.Sprintf("Sign-in canceled; “%s” still works as before.", conn.Name)
	case conn.Status == store.StatusNeedsReauth:
		return fmt.Sprintf("Sign-in canceled; “%s” still needs a new sign-in.", conn.Name)
	case conn.Status == store.StatusNeverAuthorized || !connect.EverAuthorized(conn):
		return fmt.Sprintf("Sign-in canceled; “%s” is still not authorized.", conn.Name)
	}
	return fmt.Sprintf("Sign-in canceled; nothing changed for “%s”.", conn.Name)
}

// showError shows err as a dialog titled title. The app keeps working.
func (u *UI) showError(title string, err error) {
	view, _ := errorView(err)
	u.showClosable(title, "Close", sized(view))
	if goneElsewhere(err) {
		// The message says it no longer exists: don't go on showing it.
		u.reloadRecords()
	}
}

// showNotice shows a plain message.
func (u *UI) showNotice(title, message string) {
	u.showClosable(title, "OK", sized(wrappedLabel(message)))
}

// warningMark is the sign that goes before a warning's words: its colour
// is not all that says it is one.
func warningMark() *widget.Icon {
	return widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon()))
}

// errorMark is the sign that goes before a problem's words.
func errorMark() *widget.Icon {
	return widget.NewIcon(theme.NewErrorThemedResource(theme.ErrorIcon()))
}

// marked puts mark before the first line of text.
func marked(mark *widget.Icon, text fyne.CanvasObject) *fyne.Container {
	return container.NewBorder(nil, nil, container.NewVBox(mark), nil, text)
}

func wrappedLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// sized gives wrapped content a readable width inside a dialog.
func sized(o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(&minWidthLayout{width: messageWidth}, o)
}

// minWidthLayout stacks its objects and asks for at least width.
type minWidthLayout struct{ width float32 }

func (l *minWidthLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (l *minWidthLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	min := fyne.NewSize(l.width, 0)
	for _, o := range objects {
		o.Resize(fyne.NewSize(l.width, o.MinSize().Height))
		m := o.MinSize()
		min = min.Max(fyne.NewSize(l.width, m.Height))
	}
	return min
}

// fitWindow gives wrapped content width inside a dialog, like sized, and
// keeps the dialog within win: content taller than the window leaves room
// for scrolls, so the dialog's buttons stay in view.
func fitWindow(win fyne.Window, width float32, content fyne.CanvasObject) fyne.CanvasObject {
	l := &fitLayout{width: width, content: content, maxHeight: func() float32 {
		return win.Canvas().Size().Height - dialogFrame
	}}
	return container.New(l, container.NewVScroll(content))
}

// dialogFrame is how much of a window's height a dialog's title, button
// row and padding take, with a margin.
const dialogFrame = 150

// fitLayout lays out one scroll over content: as tall as content, up to
// maxHeight.
type fitLayout struct {
	width     float32
	content   fyne.CanvasObject
	maxHeight func() float32
}

func (l *fitLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (l *fitLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	// Wrapped text takes its height from its width.
	l.content.Resize(fyne.NewSize(l.width, l.content.MinSize().Height))
	h := l.content.MinSize().Height
	if max := l.maxHeight(); max > 0 && h > max {
		h = max
	}
	return fyne.NewSize(l.width, h)
}

// showClosable shows a message dialog with one button, which has the focus:
// Escape and Return close it.
func (u *UI) showClosable(title, button string, content fyne.CanvasObject) {
	d := dialog.NewCustomWithoutButtons(title, content, u.win)
	closeButton := newEscButton(button, nil, d.Hide, d.Hide)
	d.SetButtons([]fyne.CanvasObject{closeButton})
	d.SetOnClosed(u.pushDialogKeys(d.Hide, d.Hide))
	d.Show()
	u.win.Canvas().Focus(closeButton)
}

// confirmDialog asks before something that can't be undone. It is as tall as
// its text (Fyne's confirm dialog sizes itself for the text wrapped at one
// word a line, leaving a large empty area). The safe answer has the focus:
// Return and Escape take it, the other answer is a Tab away.
type confirmDialog struct {
	*dialog.CustomDialog
	yes, no *escButton
}

// Confirm answers yes, as a click on its button does.
func (c *confirmDialog) Confirm() { c.yes.OnTapped() }

// confirm asks message under title; yes does what onYes does and is shown as
// a danger, no (Cancel, say) closes the dialog and runs onNo if set.
func (u *UI) confirm(title, message, no, yes string, onYes, onNo func()) *confirmDialog {
	c := &confirmDialog{}
	answerNo := func() {
		c.Hide()
		if onNo != nil {
			onNo()
		}
	}
	c.no = newEscButton(no, theme.CancelIcon(), answerNo, answerNo)
	c.yes = newEscButton(yes, theme.DeleteIcon(), func() {
		c.Hide()
		onYes()
	}, answerNo)
	c.yes.Importance = widget.DangerImportance
	c.CustomDialog = dialog.NewCustomWithoutButtons(title, sized(wrappedLabel(message)), u.win)
	c.SetButtons([]fyne.CanvasObject{c.no, c.yes})
	c.SetOnClosed(u.pushDialogKeys(answerNo, answerNo))
	c.Show()
	u.win.Canvas().Focus(c.no)
	return c
}
