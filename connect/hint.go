package connect

import (
	"fmt"
	"time"

	"github.com/kantata-connect/kantata-connect/kantata"
)

// DefaultHintAfter is how long a sign-in waits before HintDue fires: longer
// than signing in and clicking Authorize usually takes, short enough that
// someone looking at Kantata's error page has not given up yet.
const DefaultHintAfter = 20 * time.Second

// CallbackHint is the plain-language hint to show while a sign-in waits
// longer than expected. A callback URL registered in Kantata that differs
// from the app's is the most common setup mistake, and then Kantata shows
// its own error page and never sends the browser back, so the app would see
// nothing but a timeout; the other cause, a browser that can't reach Kantata
// at all, is named too.
func CallbackHint(redirectURI string) string {
	return fmt.Sprintf("Still waiting. If Kantata showed an error page instead of an Authorize button, the callback "+
		"URL registered in your Kantata app probably doesn't match this one exactly: %s. Register it (%s), then "+
		"try again. If your browser never showed Kantata's sign-in page, it can't reach Kantata: check the internet "+
		"connection or proxy.", redirectURI, kantata.AppsPage)
}

// HintDue is closed once AuthorizeOptions.HintAfter has passed while the
// sign-in is still waiting; show CallbackHint(RedirectURI()) then. It is
// never closed when the sign-in ends first, or when HintAfter is negative.
func (a *Authorization) HintDue() <-chan struct{} { return a.hint }

// watchHint closes a.hint after the delay unless the flow ends first. The
// goroutine ends with the flow (success, failure, cancel or its timeout).
func (a *Authorization) watchHint(after time.Duration) {
	a.hint = make(chan struct{})
	if after < 0 {
		return
	}
	if after == 0 {
		after = DefaultHintAfter
	}
	ended := a.flow.Done()
	go func() {
		t := time.NewTimer(after)
		defer t.Stop()
		select {
		case <-t.C:
			select {
			case <-ended: // both ready: the sign-in is over, no hint
			default:
				close(a.hint)
			}
		case <-ended:
		}
	}()
}
