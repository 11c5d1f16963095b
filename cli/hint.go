package cli

import (
	"fmt"

	"github.com/kantata-connect/kantata-connect/connect"
)

// showHint prints the callback URL hint on standard error if the sign-in is
// still waiting when it is due. The returned stop must be called once the
// wait is over: after it returns, nothing more is printed.
func (r *runner) showHint(a *connect.Authorization) (stop func()) {
	quit, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-a.HintDue():
			fmt.Fprintf(r.env.Stderr, "\n%s\nPress Ctrl-C to stop waiting.\n\n", connect.CallbackHint(a.RedirectURI()))
		case <-quit:
		}
	}()
	return func() {
		close(quit)
		<-exited
	}
}
