package oauth

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// Kind says what went wrong, so callers can react without parsing text.
type Kind string

const (
	KindInvalidConfig      Kind = "invalid_config"      // the Config cannot be used
	KindPortInUse          Kind = "port_in_use"         // another program holds the callback port
	KindAlreadyWaiting     Kind = "already_waiting"     // another sign-in in this process waits on the port
	KindCanceled           Kind = "canceled"            // the caller canceled
	KindTimeout            Kind = "timeout"             // no callback within Config.Timeout
	KindDenied             Kind = "denied"              // the user clicked Deny (access_denied)
	KindAuthorizationError Kind = "authorization_error" // another error= in the callback
	KindInvalidClient      Kind = "invalid_client"      // wrong client ID or secret
	KindInvalidGrant       Kind = "invalid_grant"       // code expired, used, or not ours
	KindRedirectMismatch   Kind = "redirect_mismatch"   // callback URL not the registered one
	KindServerError        Kind = "server_error"        // token endpoint answered 5xx
	KindBadResponse        Kind = "bad_response"        // not JSON, or no access token
	KindNetwork            Kind = "network"             // token endpoint unreachable
	KindExchangeTimeout    Kind = "exchange_timeout"    // token endpoint too slow
	KindTokenError         Kind = "token_error"         // another OAuth error code from the token endpoint
	KindRedirected         Kind = "redirected"          // token endpoint answered with a redirect, not followed
	// On the way out (package outbound), with words that name what to fix:
	KindUntrustedCertificate Kind = "untrusted_certificate" // certificate from an authority not trusted here (TLS inspection)
	KindProxyAuth            Kind = "proxy_auth"            // the proxy asks for a sign-in (407)

	// A pasted address that Flow.Complete did not use; the sign-in goes on
	// waiting, so these never end one.
	KindNotCallback  Kind = "not_callback"  // not the address the browser ended on
	KindWrongAddress Kind = "wrong_address" // for another host, port or path than the callback URL
	KindWrongState   Kind = "wrong_state"   // for another sign-in: nothing was exchanged
	KindNotWaiting   Kind = "not_waiting"   // the sign-in already took an address, or ended
)

// Error is a failed sign-in. Message is for the user: it says what happened,
// and which setting to check when one is at fault, but never names a button or
// a command, since the window and the command line show the same words and
// each adds its own way to sign in again (see connect.NextStepOf). Detail is
// for support staff. Neither ever holds a secret, code or token.
type Error struct {
	Kind        Kind
	Code        string // OAuth "error" from the server or the callback
	Description string // OAuth "error_description"
	Message     string // plain language
	Detail      string // technical
	Err         error
}

func (e *Error) Error() string {
	s := "oauth: " + string(e.Kind)
	if e.Detail != "" {
		return s + ": " + e.Detail
	}
	if e.Message != "" {
		return s + ": " + e.Message
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// UserMessage is the plain-language explanation of what happened.
func (e *Error) UserMessage() string { return e.Message }

// TechnicalDetail is what support staff need: codes, statuses, URLs.
func (e *Error) TechnicalDetail() string { return e.Detail }

// KindOf returns the Kind of the first *Error in err's chain, or "".
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// ErrEnded is returned by Reopen once the sign-in is over.
var ErrEnded = errors.New("oauth: the sign-in has already ended")

// checkClientID is the advice for a client Kantata doesn't recognise,
// registered as Provider.Registered says.
func checkClientID(registered string) string {
	return "Check that the client ID is exactly the application ID shown in " + registered
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

func portInUseError(port int, err error) *Error {
	return &Error{
		Kind: KindPortInUse,
		Message: fmt.Sprintf("Port %d is in use by another program. Close the other program (or another Kantata Connect sign-in) "+
			"or choose another callback port for this client — and register the new callback URL in Kantata.", port),
		Detail: fmt.Sprintf("listen on 127.0.0.1:%d: %v", port, err),
		Err:    err,
	}
}

func portUnavailableError(port int, err error) *Error {
	return &Error{
		Kind: KindPortInUse,
		Message: fmt.Sprintf("Kantata Connect cannot listen on port %d on this computer (the system refused it). "+
			"Choose another callback port for this client — and register the new callback URL in Kantata.", port),
		Detail: fmt.Sprintf("listen on 127.0.0.1:%d: %v", port, err),
		Err:    err,
	}
}

func alreadyWaitingError(port int) *Error {
	return &Error{
		Kind: KindAlreadyWaiting,
		Message: fmt.Sprintf("A sign-in is already waiting for Kantata on port %d. Finish or cancel it first, "+
			"then try again.", port),
		Detail: fmt.Sprintf("port %d is reserved by a sign-in in progress in this process", port),
	}
}

func canceledError(err error) *Error {
	return &Error{
		Kind:    KindCanceled,
		Message: "The sign-in was canceled.",
		Detail:  "sign-in canceled",
		Err:     err,
	}
}

func timeoutError(d time.Duration, kind Callback, redirectURI string) *Error {
	if kind == CallbackAppLink {
		return &Error{
			Kind: KindTimeout,
			Message: fmt.Sprintf("No answer came back through the app's own link within %s. If the browser did "+
				"nothing after you authorized, this computer may not know the link yet, or the callback URLs "+
				"registered in Kantata may not include %s. If the browser never showed Kantata's sign-in page, "+
				"check the internet connection or proxy.", HumanDuration(d), redirectURI),
			Detail: fmt.Sprintf("no address handed over for %s within %v", redirectURI, d),
		}
	}
	if kind == CallbackCode {
		return &Error{
			Kind: KindTimeout,
			Message: fmt.Sprintf("No code was pasted within %s. If Kantata showed an error page instead of a code, "+
				"the callback URLs registered in Kantata may not include %s. If the browser never showed Kantata's "+
				"sign-in page, check the internet connection or proxy.", HumanDuration(d), redirectURI),
			Detail: fmt.Sprintf("no code pasted within %v (redirect URI %s)", d, redirectURI),
		}
	}
	return &Error{
		Kind: KindTimeout,
		Message: fmt.Sprintf("No answer came from your browser within %s. If Kantata showed an error page, "+
			"the callback URL registered in Kantata may not match %s. If the browser never showed Kantata's "+
			"sign-in page, check the internet connection or proxy.", HumanDuration(d), redirectURI),
		Detail: fmt.Sprintf("no callback on %s within %v", redirectURI, d),
	}
}

// missingCodeError: the callback had the right state but neither a code nor
// an error.
func missingCodeError() *Error {
	return &Error{Kind: KindAuthorizationError,
		Message: "Kantata sent the browser back without an authorization code.",
		Detail:  "callback with the right state but neither code nor error"}
}

// callbackError turns error= in the callback into an *Error. Kantata knows
// the client secret, so an error_description may echo it: secrets are
// scrubbed from both texts.
func callbackError(code, desc, redirectURI, registered string, secrets []string) *Error {
	code, desc = clean(code, 100, secrets), clean(desc, 300, secrets)
	e := &Error{Kind: KindAuthorizationError, Code: code, Description: desc,
		Detail: fmt.Sprintf("authorization callback error=%q error_description=%q", code, desc)}
	switch code {
	case "access_denied":
		e.Kind = KindDenied
		e.Message = "You chose not to authorize Kantata Connect in Kantata."
	case "invalid_scope":
		e.Message = "Kantata did not accept the requested scopes. Remove the scopes from this client (Kantata needs none) and try again."
	// A client ID Kantata doesn't know is the likeliest cause of these:
	// Kantata answers a typo in it with server_error as often as with
	// invalid_client, so "wait a few minutes" alone would mislead.
	case "invalid_client":
		e.Message = "Kantata doesn't know this client (invalid_client). " + checkClientID(registered) + "."
	case "unauthorized_client":
		e.Message = "Kantata does not let this client sign in this way (unauthorized_client). " + checkClientID(registered) +
			", and that the application is still registered."
	case "server_error":
		e.Message = "Kantata couldn't complete the sign-in (server_error). Most often the client ID is not one Kantata knows: " +
			lowerFirst(checkClientID(registered)) + ". If it is, Kantata may be having a problem: wait a few minutes."
	case "temporarily_unavailable":
		e.Message = "Kantata had a problem while authorizing (temporarily_unavailable). Wait a few minutes."
	case "invalid_request", "redirect_uri_mismatch", "invalid_redirect_uri":
		e.Message = "Kantata found the sign-in request invalid. Check that " + redirectURI +
			" is registered as a callback URL in " + registered + ", then try again."
	default:
		e.Message = "Kantata did not authorize the sign-in" + reason(code, desc) +
			". Check this client's settings and its application in " + registered + ", then try again."
	}
	return e
}

// reason renders ": description (code)" for a message.
func reason(code, desc string) string {
	switch {
	case desc != "" && code != "":
		return ": " + strings.TrimRight(desc, ". ") + " (" + code + ")"
	case desc != "":
		return ": " + strings.TrimRight(desc, ". ")
	case code != "":
		return " (" + code + ")"
	}
	return ""
}

// clean makes server- or browser-supplied text fit for a message, the
// records or a log line: it scrubs the secrets from it, makes it safe
// (safetext.Clean: no escape sequence, bidi control or zero-width
// character), then cuts it to max runes. Scrubbing comes first so that no
// part of a secret that spans the cut survives it.
func clean(s string, max int, secrets []string) string {
	return safetext.Cut(strings.TrimSpace(safetext.Clean(scrub(s, secrets))), max)
}

// HumanDuration says 5 minutes, 1 minute 30 seconds, 2 seconds: how the
// sign-in's time limits read in messages, here and in the command line.
func HumanDuration(d time.Duration) string {
	if d < time.Second {
		return d.String()
	}
	d = d.Round(time.Second)
	m, s := int(d/time.Minute), int((d%time.Minute)/time.Second)
	unit := func(n int, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case m == 0:
		return unit(s, "second")
	case s == 0:
		return unit(m, "minute")
	}
	return unit(m, "minute") + " " + unit(s, "second")
}
