package connect

// The one vocabulary the fronts sort errors by: what they decide on (an exit
// code, a notice, a hint) without importing the engines that made the
// error. The engines' kinds stay theirs; these name what a front does next.

import (
	"context"
	"errors"

	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/oauth"
)

// Canceled reports whether err says the user canceled: a sign-in, a test, a
// count, or the context they ran under.
func Canceled(err error) bool {
	return oauth.KindOf(err) == oauth.KindCanceled || kantata.KindOf(err) == kantata.KindCanceled ||
		errors.Is(err, context.Canceled)
}

// PortInUse reports whether a sign-in could not listen on its client's
// callback port: another port is the fix.
func PortInUse(err error) bool { return oauth.KindOf(err) == oauth.KindPortInUse }

// ClientRefused reports whether Kantata refused the client ID or secret at
// the end of a sign-in: entering them again is the fix.
func ClientRefused(err error) bool { return oauth.KindOf(err) == oauth.KindInvalidClient }

// NotWaiting reports whether a pasted address or code came when the
// sign-in no longer waits for one (it took another, or ended).
func NotWaiting(err error) bool { return oauth.KindOf(err) == oauth.KindNotWaiting }

// Local reports whether err is a problem on this computer — the client's
// settings, the callback port, the keychain, the records — rather than
// Kantata's answer or the way to it, a sign-in that did not succeed, or a
// connection not authorized yet.
func Local(err error) bool {
	if err == nil {
		return false
	}
	switch oauth.KindOf(err) {
	case "":
	case oauth.KindInvalidConfig, oauth.KindPortInUse, oauth.KindAlreadyWaiting:
		return true
	default:
		return false
	}
	return kantata.KindOf(err) == "" && !errors.Is(err, ErrNotAuthorized)
}

// AnswerKind is what came of asking Kantata's API (a test, a count), in
// package kantata's words: "rejected", "rate_limited", "network", ...,
// "canceled"; "" when err did not come from asking it.
func AnswerKind(err error) string { return string(kantata.KindOf(err)) }

// Asked reports whether a test that ended with err got as far as asking
// Kantata: it worked (nil), or Kantata's answer (or the way to it) failed,
// not canceled.
func Asked(err error) bool { return err == nil || AnswerKind(err) != "" && !Canceled(err) }
