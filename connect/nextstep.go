package connect

import (
	"errors"

	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/oauth"
)

// NextStep is what the user should do after an error beyond what its message
// says. The messages of oauth, kantata, store and this package say what
// happened, in words that fit both fronts; how to sign in (a button in the
// window, a command in the terminal) is each front's to add, from this.
type NextStep int

const (
	// NextNone: the message says it all (fix a setting, wait, test again),
	// or there is nothing to do.
	NextNone NextStep = iota
	// NextRetrySignIn: a sign-in did not complete (canceled, timed out,
	// denied, Kantata or the network failed on the way); start it again.
	NextRetrySignIn
	// NextSignInAgain: Kantata does not accept the authorization (revoked,
	// or a sign-in code it refused); sign in again.
	NextSignInAgain
	// NextSignInFirst: the connection was never authorized; sign in first.
	NextSignInFirst
)

// SignIn reports whether the next step is a sign-in, of whichever kind.
func (n NextStep) SignIn() bool { return n != NextNone }

func (n NextStep) String() string {
	switch n {
	case NextNone:
		return "none"
	case NextRetrySignIn:
		return "retry sign-in"
	case NextSignInAgain:
		return "sign in again"
	case NextSignInFirst:
		return "sign in first"
	}
	return "NextStep(?)"
}

// NextStepOf classifies err by what the user should do next, from its typed
// kind, never from its text. A wrong setting (client ID, callback URL,
// scopes, token URL, and a token endpoint or API address that answers with a
// redirect) is NextNone: the message names the setting, and signing in again
// before fixing it fails the same way.
func NextStepOf(err error) NextStep {
	if err == nil {
		return NextNone
	}
	var na *NotAuthorizedError
	if errors.As(err, &na) && na.NeedsSignIn {
		return NextSignInAgain
	}
	if errors.Is(err, ErrNotAuthorized) {
		return NextSignInFirst
	}
	switch kantata.KindOf(err) {
	case "":
	case kantata.KindRejected:
		return NextSignInAgain
	default:
		// Test again, or wait: the message says so.
		return NextNone
	}
	var oe *oauth.Error
	if !errors.As(err, &oe) {
		return NextNone
	}
	switch oe.Kind {
	case oauth.KindCanceled, oauth.KindTimeout, oauth.KindDenied,
		oauth.KindServerError, oauth.KindNetwork, oauth.KindExchangeTimeout:
		return NextRetrySignIn
	case oauth.KindInvalidGrant:
		return NextSignInAgain
	case oauth.KindAuthorizationError:
		switch oe.Code {
		case "", // the browser came back without a code
			"server_error", "temporarily_unavailable":
			return NextRetrySignIn
		}
	}
	return NextNone
}
