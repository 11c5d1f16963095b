package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/kantata-connect/kantata-connect/handover"
	"github.com/kantata-connect/kantata-connect/internal/glcheck"
	"github.com/kantata-connect/kantata-connect/store"
)

// handOverWait bounds handing the app's link to the sign-in that waits.
const handOverWait = 10 * time.Second

// noSignInWaiting is what the user reads when the app's link finds no
// sign-in to hand its answer to.
const noSignInWaiting = "No sign-in is waiting for this answer. Start the sign-in in Kantata Connect again."

// handOverTitle titles the message box (or notification) with those words.
const handOverTitle = "Kantata Connect"

// handOver is the program started by the OS with the app's own link
// (com.kantataconnect.desktop:/callback?…) as its only argument, after the
// browser reached it: it gives the address to the sign-in waiting for it
// (the window's or authorize's, for the default records folder) and returns
// exit code 0, or tells the user that none waits and returns 1. It never
// opens a window, and the address, which holds the code, is never shown,
// written or logged: nor is the error, which might quote it.
func handOver(address string) int {
	dir, err := store.DefaultDir()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), handOverWait)
		err = handover.Send(ctx, dir, address)
		cancel()
	}
	if err == nil {
		return 0
	}
	fmt.Fprintln(os.Stderr, noSignInWaiting)
	if !hasTerminal() {
		glcheck.Show(handOverTitle, noSignInWaiting)
	}
	return 1
}
