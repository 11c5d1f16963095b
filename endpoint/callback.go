package endpoint

import "strconv"

// CallbackPath is the path of the loopback redirect URI.
const CallbackPath = "/callback"

// Callback is how the authorization server's answer comes back to the app:
// the kind of redirect URI a client has registered.
type Callback string

const (
	// CallbackLoopback: the browser comes back to a listener on
	// http://127.0.0.1:PORT/callback (RFC 8252 section 7.3).
	CallbackLoopback Callback = "loopback"
	// CallbackCode: the redirect URI is OOBRedirectURI; the server shows
	// the code on a page of its own and the user pastes it. No listener,
	// no port; PKCE ties the pasted code to this sign-in, as no state
	// comes back.
	CallbackCode Callback = "code"
	// CallbackAppLink: the redirect URI is AppLinkRedirectURI, a
	// private-use scheme (RFC 8252 section 7.1) the operating system hands
	// to this program, which passes the address on to the sign-in that
	// waits (package handover). No listener, no port; state and PKCE are
	// checked as for loopback.
	CallbackAppLink Callback = "app-link"
)

// AppLinkScheme is the app's own private-use URI scheme: the reverse of the
// domain name, as RFC 8252 section 7.1 asks.
const AppLinkScheme = "com.kantataconnect.desktop"

// AppLinkRedirectURI is the redirect URI of CallbackAppLink. Doorkeeper's
// https-only default accepts it (not without the slash).
const AppLinkRedirectURI = AppLinkScheme + ":" + CallbackPath

// OOBRedirectURI is the out-of-band redirect URI of CallbackCode. Servers
// that force https redirect URIs (Doorkeeper's production default) accept it.
const OOBRedirectURI = "urn:ietf:wg:oauth:2.0:oob"

// Valid reports whether c is a known callback kind.
func (c Callback) Valid() bool {
	return c == CallbackLoopback || c == CallbackCode || c == CallbackAppLink
}

// RedirectURI is the loopback callback URL for port. It uses the IP
// literal, not "localhost", which may resolve to ::1 or elsewhere (RFC 8252
// section 8.3).
func RedirectURI(port int) string {
	return "http://127.0.0.1:" + strconv.Itoa(port) + CallbackPath
}

// CallbackURI is the redirect URI of a callback kind: the loopback URL on
// port, OOBRedirectURI or AppLinkRedirectURI.
func CallbackURI(kind Callback, port int) string {
	switch kind {
	case CallbackCode:
		return OOBRedirectURI
	case CallbackAppLink:
		return AppLinkRedirectURI
	}
	return RedirectURI(port)
}

// AllCallbackURIs are the redirect URIs of every callback kind, the
// loopback one on port: registered in Kantata together, one per line, any
// kind works, whatever Kantata accepts.
func AllCallbackURIs(port int) []string {
	return []string{RedirectURI(port), OOBRedirectURI, AppLinkRedirectURI}
}
