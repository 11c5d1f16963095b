// Package gui is Kantata Connect's window: the connections list, the
// connection panel and the OAuth 2.0 client dialog. It holds no OAuth or
// storage logic: it calls package connect and the store, never on the UI
// thread, and turns their errors into words.
package gui

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/filechooser"
	"github.com/kantata-connect/kantata-connect/store"
)

// Title is the main window's title.
const Title = "Kantata Connect"

const (
	// copiedFor is how long a Copy button says "Copied".
	copiedFor = 2 * time.Second
	// recordsPollEvery is how often the window looks whether another
	// window or the command line changed the records file.
	recordsPollEvery = 2 * time.Second
)

// UI is the main window and everything in it.
type UI struct {
	app   fyne.App
	win   fyne.Window
	svc   *connect.Service
	store *store.Store
	list  *connectionList
	panel *connectionPanel
	// pending counts background work whose result has not reached the UI yet.
	pending atomic.Int64
	// do runs a function on the UI thread: fyne.Do, or a test's own queue.
	do     func(func())
	copied func(string) // clipboard writes, observable in tests
	// fileDialog is the system's file dialog (filechooser.Choose), or a
	// test's stand-in.
	fileDialog func(context.Context, filechooser.Options) (string, error)
	// after runs f once d has passed, on a goroutine of its own:
	// time.AfterFunc, or a test's own clock.
	after func(d time.Duration, f func())
	// version is the app's version and build, and renderer the OpenGL that
	// draws the window, for diagnostics reports and (version) Help › About;
	// website is the project's home page.
	version, renderer, website string
	// hintAfter is when a waiting sign-in points at the callback URL; 0 is
	// connect's default (tests shorten it).
	hintAfter time.Duration

	// signIn is the sign-in dialog shown last: closing the window asks
	// first while it waits.
	signIn *signInDialog
	// dialogKeys are what Escape and Return do in the open dialogs, innermost last.
	dialogKeys []dialogKeys
}

// Options are what main knows that the window shows.
type Options struct {
	// StartupErr is a problem met while opening the records, shown once the
	// window is up; the service is then nil and nothing can be saved.
	StartupErr error
	// Version is the app's version and build, for diagnostics reports.
	Version string
	// Renderer is the OpenGL that draws the window, for diagnostics
	// reports, e.g. "softpipe, OpenGL 3.3 (...)"; "" when not known.
	Renderer string
	// Website is the project's home page; Help › About links to its
	// README's troubleshooting.
	Website string
}

// New builds the main window over svc.
func New(a fyne.App, svc *connect.Service, opts Options) *UI {
	a.Settings().SetTheme(newAppTheme())
	u := &UI{app: a, svc: svc, win: a.NewWindow(Title), do: fyne.Do, version: opts.Version, renderer: opts.Renderer,
		website: opts.Website}
	u.after = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	u.fileDialog = filechooser.Choose
	startupErr := opts.StartupErr
	if svc != nil {
		u.store = svc.Store
	}
	u.copied = func(text string) { a.Clipboard().SetContent(text) }
	u.list = newConnectionList(u)
	u.panel = newConnectionPanel(u)

	split := container.NewHSplit(u.list.content, u.panel.content)
	split.Offset = 0.34
	u.win.SetContent(scrollingContent(split))
	u.win.Resize(windowSize)
	u.win.SetMaster()
	u.win.Canvas().SetOnTypedKey(u.typedKey)
	u.win.SetMainMenu(u.mainMenu())
	u.win.SetCloseIntercept(u.requestClose)
	a.Lifecycle().SetOnEnteredForeground(u.reloadRecords)

	u.refresh()
	u.panel.startNew()
	switch {
	case startupErr != nil:
		u.showError("Kantata Connect cannot open its records", startupErr)
	case u.store != nil && u.store.Notice() != "":
		u.showNotice("About your saved connections", u.store.Notice())
	}
	return u
}

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.win }

// ShowAndRun shows the window and runs the app until it is closed. While it
// runs, it picks up changes other windows or the command line make.
func (u *UI) ShowAndRun() {
	if u.store != nil {
		ticker := time.NewTicker(recordsPollEvery)
		stop := u.watchRecords(ticker.C)
		defer func() {
			ticker.Stop()
			stop()
		}()
	}
	u.win.CenterOnScreen() // where no work area can be learnt (macOS)
	u.win.Show()
	u.placeWindow()
	u.app.Run()
}

// refresh redraws the list and the panel from the records in memory.
func (u *UI) refresh() {
	u.list.refresh()
	u.panel.refreshClients()
	u.panel.updateHelp()
}

// background runs work off the UI thread, then done on it. The window never
// waits on the keychain, the records file or the network.
func (u *UI) background(work func() error, done func(error)) {
	u.pending.Add(1)
	go func() {
		err := work()
		u.do(func() {
			defer u.pending.Add(-1)
			done(err)
		})
	}()
}

// copy puts text on the clipboard.
func (u *UI) copy(text string) { u.copied(text) }

// copyButton is a button that puts text() on the clipboard and then says
// "Copied" for a moment. onEscape is what Escape does while it has the focus
// (its dialog's cancel; nil outside a dialog).
func (u *UI) copyButton(label string, text func() string, onEscape func()) *escButton {
	var b *escButton
	clicks := 0 // only touched on the UI thread
	b = newEscButton(label, theme.ContentCopyIcon(), func() {
		u.copy(text())
		clicks++
		click := clicks
		b.SetText("Copied")
		b.SetIcon(theme.ConfirmIcon())
		u.after(copiedFor, func() {
			u.do(func() {
				if click == clicks { // a later click counts its own moment
					b.SetText(label)
					b.SetIcon(theme.ContentCopyIcon())
				}
			})
		})
	}, onEscape)
	return b
}

// watchRecords reloads the records when their file changes, looking on each
// tick (a stat, off the UI thread), until stop is called. While the window's
// own work is under way it waits: that work refreshes the window when it
// ends, and the next tick catches up.
func (u *UI) watchRecords(ticks <-chan time.Time) (stop func()) {
	done := make(chan struct{})
	path := u.store.Path()
	last, _ := os.Stat(path)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-ticks:
			}
			fi, _ := os.Stat(path)
			if sameVersion(fi, last) || u.pending.Load() > 0 {
				continue
			}
			last = fi
			u.do(u.reloadRecords)
		}
	}()
	return sync.OnceFunc(func() { close(done) })
}

// sameVersion reports whether two looks at a file (nil: it was missing) saw
// the same version of it. A save replaces the file, so its identity changes.
func sameVersion(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// reloadRecords picks up what another window or the command line changed
// while this window was in the background. What the user is typing stays.
func (u *UI) reloadRecords() {
	if u.store == nil {
		return
	}
	u.background(u.store.Reload, func(err error) {
		if err != nil {
			return // the next save reports it, with what to do
		}
		u.refresh()
		if u.panel.editingID == "" {
			return
		}
		if conn, ok := u.store.Connection(u.panel.editingID); ok {
			u.panel.showStatus(&conn)
		} else {
			u.list.list.UnselectAll()
			u.panel.startNew() // deleted elsewhere
		}
	})
}

// goneElsewhere reports whether err says that what the window showed was
// deleted meanwhile (in another window, or from the command line).
func goneElsewhere(err error) bool {
	var gone *store.NotFoundError
	var v *store.ValidationError
	return errors.As(err, &gone) || errors.As(err, &v) && v.Field == store.FieldClient
}
