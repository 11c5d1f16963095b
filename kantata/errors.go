package kantata

import (
	"errors"
	"fmt"
)

// Kind says which way an identity check failed, so callers can react (offer
// re-authorization, suggest waiting, show the network hint) without parsing
// error text.
type Kind string

const (
	// KindRejected: Kantata answered 401; the token is revoked or invalid.
	KindRejected Kind = "rejected"
	// KindRateLimited: Kantata kept answering 429 after the retries.
	KindRateLimited Kind = "rate_limited"
	// KindServerError: Kantata answered 5xx.
	KindServerError Kind = "server_error"
	// KindNetwork: no HTTP answer at all (DNS, refused, TLS, reset).
	KindNetwork Kind = "network"
	// KindTimeout: the check ran out of time (the checker's or the caller's deadline).
	KindTimeout Kind = "timeout"
	// KindBadResponse: an answer that is not Kantata's users/me shape
	// (non-JSON, missing user, unexpected status).
	KindBadResponse Kind = "bad_response"
	// KindTooLarge: the answer exceeded the body size limit.
	KindTooLarge Kind = "too_large"
	// KindCanceled: the caller canceled the check (e.g. a Cancel button);
	// kept apart from the others so a GUI need not show it as a failure.
	KindCanceled Kind = "canceled"
	// KindInvalidInput: the check could not be sent: an empty or malformed
	// token, or an API base URL that is not http(s).
	KindInvalidInput Kind = "invalid_input"
	// KindRedirected: Kantata answered with a redirect (any 3xx), which the
	// check does not follow: the token goes only to the API address chosen.
	KindRedirected Kind = "redirected"
	// KindUntrustedCertificate: the API's certificate comes from an
	// authority this computer doesn't trust, as when a company's proxy
	// inspects encrypted traffic. The message names the issuer.
	KindUntrustedCertificate Kind = "untrusted_certificate"
	// KindProxyAuth: the proxy on the way asks for a sign-in (HTTP 407).
	// The message names the proxy and what to set.
	KindProxyAuth Kind = "proxy_auth"
)

// Error is the typed failure of a request to Kantata's API, such as the
// identity check (Me). Message is plain language
// for a non-technical user; Detail is for support staff. Neither ever holds
// the access token.
type Error struct {
	Kind    Kind
	Status  int // HTTP status of the last answer; 0 when there was none
	Message string
	Detail  string
	Err     error // underlying cause, if any

	// check names the request in Error(); "" is the identity check.
	check string
}

func (e *Error) Error() string {
	check := e.check
	if check == "" {
		check = meRequest.check
	}
	s := fmt.Sprintf("kantata %s: %s", check, e.Kind)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// UserMessage is what a non-technical user reads. It says what happened and
// never names a button or a command: the window and the command line each add
// their own way to authorize again (see connect.NextStepOf).
func (e *Error) UserMessage() string { return e.Message }

// TechnicalDetail is what support staff read; it never holds a secret.
func (e *Error) TechnicalDetail() string {
	s := fmt.Sprintf("kind=%s", e.Kind)
	if e.Status != 0 {
		s += fmt.Sprintf(" status=%d", e.Status)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// KindOf returns the Kind of the first *Error in err's chain, or "" when
// there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// IsRejected reports whether Kantata refused the token (revoked or invalid),
// i.e. whether the user has to authorize again.
func IsRejected(err error) bool { return KindOf(err) == KindRejected }

// userMessages are the plain-language texts per Kind. Advice that holds in any
// front (wait, check the network, test again) may stay; how to authorize again
// is each front's to say.
var userMessages = map[Kind]string{
	KindRejected:    "Kantata no longer accepts this connection's authorization — it may have been revoked.",
	KindRateLimited: "Kantata is rate limiting requests; wait a minute and test again.",
	KindServerError: "Kantata had a problem on its side and could not answer. Try again in a few minutes; " +
		"if it keeps happening, Kantata may be having an outage.",
	KindNetwork: "Could not reach Kantata. Check your internet connection (and any proxy or firewall), " +
		"then test again.",
	KindTimeout: "Kantata did not answer in time. Check your internet connection and test again.",
	KindBadResponse: "Kantata's answer was not what this app expected, so it cannot tell which user this is. " +
		"Check the Kantata API address, or send the technical details to support.",
	KindTooLarge: "Kantata's answer was far larger than expected, so this app stopped reading it. " +
		"Check the Kantata API address, or send the technical details to support.",
	KindCanceled:     "The connection test was canceled.",
	KindInvalidInput: "The connection test could not be sent because its settings are not valid.",
	KindRedirected: "Kantata's API answered with a redirect to another address. Kantata Connect sends the access " +
		"token only to the API address you chose, so it stopped. Check the Kantata API address.",
	KindUntrustedCertificate: untrustedCertificateMessage,
	KindProxyAuth:            proxyAuthMessage,
}

// The standard words of the failures on the way out; each error of those
// kinds carries words of its own that name the issuer or the proxy
// (outbound.Classify).
const (
	untrustedCertificateMessage = "Kantata's certificate comes from an authority this computer doesn't trust, " +
		"as when a company network inspects encrypted traffic. Ask your IT department to add their certificate " +
		"authority to this computer's trusted certificates."
	proxyAuthMessage = "The proxy on the way to Kantata asks for a user name and password. Set HTTPS_PROXY to " +
		"http://USER:PASSWORD@PROXY:PORT with yours, then try again."
)

// countMessages are the plain-language texts per Kind when counting the
// projects failed. The identity check before it worked, so they say what
// stopped the count, not that the connection fails; whoever shows them
// first says that the projects could not be counted.
var countMessages = map[Kind]string{
	KindRejected:    "Kantata refused to list the projects, though it accepted this authorization to say who the user is.",
	KindRateLimited: "Kantata is rate limiting requests; wait a minute and test again.",
	KindServerError: "Kantata had a problem on its side. Try again in a few minutes.",
	KindNetwork:     "Kantata could not be reached. Check your internet connection, then test again.",
	KindTimeout:     "Kantata did not answer in time. Test again in a few minutes.",
	KindBadResponse: "Kantata's answer was not the list of projects this app expected. " +
		"Check the Kantata API address, or send the technical details to support.",
	KindTooLarge: "Kantata's answer was far larger than expected, so this app stopped reading it. " +
		"Check the Kantata API address, or send the technical details to support.",
	KindCanceled:     "The count was canceled.",
	KindInvalidInput: "The connection's settings are not valid.",
	KindRedirected: "Kantata's API answered with a redirect to another address. Kantata Connect sends the " +
		"access token only to the API address you chose, so it stopped. Check the Kantata API address.",
	KindUntrustedCertificate: untrustedCertificateMessage,
	KindProxyAuth:            proxyAuthMessage,
}

// newError builds an identity check's *Error with the Kind's standard user
// message. detail must already be free of secrets (callers pass it through
// redact).
func newError(kind Kind, status int, detail string, err error) *Error {
	return meRequest.error(kind, status, detail, err)
}
