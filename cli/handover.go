package cli

// Stand-in for the applink branch's cli/handover.go, with its names
// (NoSignInWaiting, HandOver), so that main's message box for the window's
// program (main_handover.go) can be built and tested under Wine; merging
// takes that branch's file in its place.

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kantata-connect/kantata-connect/handover"
	"github.com/kantata-connect/kantata-connect/store"
)

// handOverTimeout bounds handing the address over.
const handOverTimeout = 10 * time.Second

// NoSignInWaiting is what the program says when the operating system starts
// it with the app's own link and no sign-in waits for it.
const NoSignInWaiting = "No sign-in is waiting for this answer. Start the sign-in in Kantata Connect again."

// HandOver gives address, the app's own link the operating system started
// the program with, to the sign-in that waits for it under the default
// records folder, and returns the exit code. The address, which holds the
// code, is never printed, nor is an error that might quote it.
func HandOver(address string, stdout, stderr io.Writer) int {
	dir, err := store.DefaultDir()
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), handOverTimeout)
		err = handover.Send(ctx, dir, address)
		cancel()
	}
	if err != nil {
		fmt.Fprintln(stderr, NoSignInWaiting)
		return ExitCheckFailed
	}
	return ExitOK
}
