package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/kantata-connect/kantata-connect/handover"
	"github.com/kantata-connect/kantata-connect/store"
)

// handOverTimeout bounds handing the address over and hearing the answer.
const handOverTimeout = 30 * time.Second

// NoSignInWaiting is what the program says when the operating system starts
// it with the app's own link and no sign-in waits for it.
const NoSignInWaiting = "No sign-in is waiting for this answer. Nothing was stored: start the sign-in again in Kantata Connect."

// HandOver gives address, an address of the app's own link the operating
// system started the program with (handover.IsAppLink), to the sign-in that
// waits for it under the default records folder, and returns the exit code.
// The address holds the authorization code: it is never printed.
func HandOver(address string, stdout, stderr io.Writer) int {
	dir, err := store.DefaultDir()
	if err != nil {
		fmt.Fprintf(stderr, "Kantata's answer could not be handed to the waiting sign-in: %v\n", err)
		return ExitCheckFailed
	}
	ctx, cancel := context.WithTimeout(context.Background(), handOverTimeout)
	defer cancel()
	msg, code := handOverWords(handover.Send(ctx, dir, address))
	if code == ExitOK {
		fmt.Fprintln(stdout, msg)
	} else {
		fmt.Fprintln(stderr, msg)
	}
	return code
}

// handOverWords says what became of a handed-over address.
func handOverWords(err error) (string, int) {
	switch {
	case err == nil:
		return "Kantata's answer was handed to the sign-in that waits for it.", ExitOK
	case errors.Is(err, handover.ErrNobodyWaiting):
		return NoSignInWaiting, ExitCheckFailed
	case errors.Is(err, handover.ErrRefused):
		return "The waiting sign-in did not take this answer: it belongs to another sign-in (an earlier one, or one " +
			"started elsewhere). Nothing was stored.", ExitCheckFailed
	}
	return fmt.Sprintf("Kantata's answer could not be handed to the waiting sign-in: %v", err), ExitCheckFailed
}
