// Command kantata-connect sets up and checks OAuth 2.0 connections to Kantata
// OX. With no command it opens the window; with one it is the command line for
// support staff. It is the only file that imports fyne.io/fyne/v2/app:
// everything else builds and tests without a display.
package main

import (
	"context"
	_ "embed"
	"fmt"
	"log"
	"log/slog"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/kantata-connect/kantata-connect/assets"
	"github.com/kantata-connect/kantata-connect/cli"
	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/gui"
	"github.com/kantata-connect/kantata-connect/handover"
	"github.com/kantata-connect/kantata-connect/internal/fyneapp"
	"github.com/kantata-connect/kantata-connect/internal/fynelocale"
	"github.com/kantata-connect/kantata-connect/internal/glcheck"
	"github.com/kantata-connect/kantata-connect/linkhandler"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// appID names the app to the OS: preferences, the desktop entry and the
// keychain service all use it. It matches FyneApp.toml.
const appID = "com.kantataconnect.desktop"

func main() {
	// Started by the OS with the app's own link, which the browser
	// reached: hand it to the sign-in that waits for it, and end. No
	// window, and nothing of the toolkit's or the OpenGL check's.
	if len(os.Args) == 2 && handover.IsAppLink(os.Args[1]) {
		os.Exit(handOver(os.Args[1]))
	}
	// fynelocale's init, which runs before Fyne's, changed a locale such as
	// C.UTF-8 to plain C so that Fyne's init would not log that it cannot
	// parse it; from here on the program and the browser it opens see the
	// user's C.UTF-8 again (package fynelocale says why not POSIX.UTF-8).
	fynelocale.Restore()
	g, rest, err := cli.ParseGlobal(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "kantata-connect:", err)
		os.Exit(cli.ExitUsage)
	}
	if len(rest) > 0 {
		// The command line says things in its own words; the store's log
		// lines would only repeat them.
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
		os.Exit(cli.Run(context.Background(), g, rest, cli.Env{
			Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
			Keychain:     store.NewSystemKeychain(appID),
			Opener:       oauth.SystemOpener,
			Version:      version(),
			RegisterLink: linkhandler.Register,
		}))
	}

	if openWindowElsewhere(os.Args[1:]) {
		return
	}
	// Fyne can't say that it has no OpenGL 2.1: it logs and hangs. So ask
	// first, and end with plain words when the answer is no (or, on Windows,
	// hand the window to the software-drawn copy beside this program).
	// KANTATA_CONNECT_SKIP_OPENGL_CHECK=1 leaves the question to the
	// toolkit, should the check ever be wrong about a computer.
	var renderer glcheck.Info
	if os.Getenv("KANTATA_CONNECT_SKIP_OPENGL_CHECK") != "1" {
		var handedOff bool
		if renderer, handedOff = checkOpenGL(g, os.Args[1:]); handedOff {
			return
		}
	}
	// Should the toolkit fail all the same, it must not hang either.
	log.SetOutput(glcheck.Watch(os.Stderr, func() {
		glcheck.Tell(os.Stderr, &glcheck.Error{Kind: glcheck.ToolkitFailed})
		os.Exit(1)
	}))
	a := app.NewWithID(appID)
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.Icon))
	svc, err := openService(g)
	gui.New(a, svc, gui.Options{StartupErr: err, Version: version(), Renderer: renderer.String(),
		Website: fyneapp.Website(fyneApp)}).ShowAndRun()
}

// openService opens the records the window works on.
func openService(g cli.Global) (*connect.Service, error) {
	dir, err := g.Dir()
	if err != nil {
		return nil, fmt.Errorf("find the records folder: %w", err)
	}
	st, err := store.Open(dir, store.NewSystemKeychain(appID))
	if err != nil {
		return nil, fmt.Errorf("open the records in %s: %w", dir, err)
	}
	svc := connect.New(st, oauth.SystemOpener)
	svc.RegisterLink = linkhandler.Register
	return svc, nil
}

// fyneApp is the app's metadata file; the version shown by the command line
// comes from it, so there is one place to bump.
//
//go:embed FyneApp.toml
var fyneApp string

// version is "VERSION (build N)" from FyneApp.toml.
func version() string { return fyneapp.Version(fyneApp) }
