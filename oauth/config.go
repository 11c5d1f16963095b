// Package oauth runs the native-app OAuth 2.0 sign-in (RFC 8252) against
// Kantata OX: it listens on a loopback callback URL, sends the user's own
// browser to the authorization URL with a one-time state and a PKCE
// challenge, waits for the callback and exchanges the code for a token.
//
// It knows nothing about the GUI: the caller injects how a browser is opened
// and shows the URL, the progress and the typed errors.
package oauth

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/safetext"
)

// ClientAuth is how the client authenticates at the token endpoint.
type ClientAuth string

const (
	// ClientAuthBody sends client_id and client_secret in the request body,
	// the way Kantata documents it.
	ClientAuthBody ClientAuth = "body"
	// ClientAuthBasic sends them in an HTTP basic-auth header.
	ClientAuthBasic ClientAuth = "basic"
)

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

const (
	// DefaultTimeout bounds the wait for the browser's callback.
	DefaultTimeout = 5 * time.Minute
	// DefaultCodeTimeout bounds the wait for a pasted code (CallbackCode):
	// the user signs in, then copies the code from one window to another,
	// and Doorkeeper's codes live 10 minutes.
	DefaultCodeTimeout = 10 * time.Minute
	// DefaultExchangeTimeout bounds the code-for-token request.
	DefaultExchangeTimeout = 30 * time.Second
)

// RedirectURI is the loopback callback URL for port (0 means
// kantata.DefaultRedirectPort). It uses the IP literal, not "localhost",
// which may resolve to ::1 or elsewhere (RFC 8252 section 8.3).
func RedirectURI(port int) string {
	if port == 0 {
		port = kantata.DefaultRedirectPort
	}
	return "http://127.0.0.1:" + strconv.Itoa(port) + CallbackPath
}

// Config describes one OAuth 2.0 client. Zero values mean Kantata's defaults.
type Config struct {
	AuthURL, TokenURL      string // "" → kantata.DefaultAuthURL / DefaultTokenURL
	ClientID, ClientSecret string
	Callback               Callback // "" → CallbackLoopback
	RedirectPort           int      // 0 → kantata.DefaultRedirectPort; CallbackLoopback only
	Scopes                 []string // none by default: Kantata documents none
	ClientAuth             ClientAuth
	DisablePKCE            bool          // PKCE (S256) is on unless disabled
	Timeout                time.Duration // wait for the callback; 0 → DefaultTimeout (DefaultCodeTimeout for CallbackCode)
	ExchangeTimeout        time.Duration // token request; 0 → DefaultExchangeTimeout
	HTTPClient             *http.Client  // optional client for the token request
}

// RedirectURI is the callback URL this client must have registered in Kantata.
func (c Config) RedirectURI() string { return CallbackURI(c.Callback, c.RedirectPort) }

// CallbackURI is the redirect URI of a callback kind: the loopback URL on
// port (0: the default port), OOBRedirectURI or AppLinkRedirectURI.
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

// DefaultTimeoutFor is how long a sign-in of kind waits by default.
func DefaultTimeoutFor(kind Callback) time.Duration {
	if kind == CallbackCode {
		return DefaultCodeTimeout
	}
	return DefaultTimeout
}

// withDefaults fills in Kantata's values for zero fields.
func (c Config) withDefaults() Config {
	if c.AuthURL == "" {
		c.AuthURL = kantata.DefaultAuthURL
	}
	if c.TokenURL == "" {
		c.TokenURL = kantata.DefaultTokenURL
	}
	if c.RedirectPort == 0 {
		c.RedirectPort = kantata.DefaultRedirectPort
	}
	if c.ClientAuth == "" {
		c.ClientAuth = ClientAuthBody
	}
	if c.Callback == "" {
		c.Callback = CallbackLoopback
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeoutFor(c.Callback)
	}
	if c.ExchangeTimeout == 0 {
		c.ExchangeTimeout = DefaultExchangeTimeout
	}
	return c
}

// validate checks a config that already has its defaults.
func (c Config) validate() error {
	bad := func(msg, detail string) error {
		return &Error{Kind: KindInvalidConfig, Message: msg, Detail: detail}
	}
	if strings.TrimSpace(c.ClientID) == "" {
		return bad("The OAuth 2.0 client has no client ID. Enter the client ID Kantata gave you (Settings > API > registered applications).",
			"config: client ID is empty")
	}
	if err := CheckEndpoint(c.AuthURL); err != nil {
		return bad(fmt.Sprintf("The authorization URL %q %v. Leave it empty to use Kantata's (%s).", c.AuthURL, err, kantata.DefaultAuthURL),
			fmt.Sprintf("config: authorization URL %q: %v", c.AuthURL, err))
	}
	if err := CheckEndpoint(c.TokenURL); err != nil {
		return bad(fmt.Sprintf("The access token URL %q %v. Leave it empty to use Kantata's (%s).", c.TokenURL, err, kantata.DefaultTokenURL),
			fmt.Sprintf("config: token URL %q: %v", c.TokenURL, err))
	}
	if c.RedirectPort < 1 || c.RedirectPort > 65535 {
		return bad(fmt.Sprintf("The callback port %d is not a valid port. Choose a port between 1024 and 65535 (Kantata Connect uses %d unless told otherwise).", c.RedirectPort, kantata.DefaultRedirectPort),
			fmt.Sprintf("config: redirect port %d out of range", c.RedirectPort))
	}
	if !c.Callback.Valid() {
		return bad("Choose how Kantata's answer comes back: to this app (loopback), as a code Kantata shows (code) or through the app's own link (app-link).",
			fmt.Sprintf("config: unknown callback kind %q", c.Callback))
	}
	if c.Callback == CallbackCode && c.DisablePKCE {
		return bad("A client whose code Kantata shows needs PKCE: it is what ties the pasted code to this sign-in.",
			"config: callback kind code without PKCE")
	}
	if c.ClientAuth != ClientAuthBody && c.ClientAuth != ClientAuthBasic {
		return bad("Choose how the client credentials are sent: in the request body (Kantata's way) or in a basic-auth header.",
			fmt.Sprintf("config: unknown client auth %q", c.ClientAuth))
	}
	if c.Timeout < 0 || c.ExchangeTimeout < 0 {
		return bad("The sign-in timeouts must not be negative.",
			fmt.Sprintf("config: timeout %v, exchange timeout %v", c.Timeout, c.ExchangeTimeout))
	}
	return nil
}

// CheckEndpoint is the rule every endpoint of a client follows: an absolute
// https URL, or plain http only on a loopback address (a stand-in server on
// this computer), with no user name or password in it, a host name in plain
// ASCII, no OAuth parameter of its own in its query and no fragment. The
// token request carries the client secret and API calls the token, so
// nothing else is safe. The error says what is wrong in words that follow
// "The token URL".
func CheckEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "" && u.Opaque != "") {
		return errors.New("is not a web address")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return errors.New("must start with https://")
	}
	if u.Host == "" {
		return errors.New("has no host name")
	}
	if u.User != nil {
		return errors.New("must not hold a user name or password")
	}
	if err := checkASCIIHost(u.Hostname()); err != nil {
		return err
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return errors.New("must use https:// (http:// is only for 127.0.0.1)")
	}
	if name := oauthParameterIn(u.RawQuery); name != "" {
		return fmt.Errorf("has the OAuth parameter “%s” in its query, which only Kantata Connect may set", name)
	}
	if strings.Contains(raw, "#") { // even an empty one: the sign-in's parameters would land behind it
		return errors.New("must not have a “#” part")
	}
	return nil
}

// checkASCIIHost refuses a host name with a character outside ASCII. A
// browser and Go's HTTP client both turn such a name into another one (IDNA:
// app.mavenlİnk.com becomes app.xn--mavenlink-ckf.com) and connect there,
// so a look-alike would pass for a host it is not. Host names are judged
// only by the bytes that will be dialled: plain ASCII, whose case folding
// is ASCII's.
func checkASCIIHost(host string) error {
	for _, r := range host {
		if r < utf8.RuneSelf {
			continue
		}
		what := fmt.Sprintf("“%c” (U+%04X)", r, r)
		if safetext.Find(string(r)) >= 0 {
			what = safetext.Describe(r)
		}
		msg := fmt.Sprintf("has %s in its host name, where only plain letters (a–z), digits, “-” and “.” may stand", what)
		if dialled := DialledHost(host); dialled != safetext.Clean(host) {
			msg += fmt.Sprintf(": browsers and Kantata Connect would go to %s", dialled)
		}
		return errors.New(msg)
	}
	return nil
}

// oauthParameters are the OAuth 2.0 parameters (RFC 6749, 7636, 7009 and
// the IANA registry's common ones) an endpoint's own query must not hold:
// placed before the app's, a server may read them instead, and the sign-in
// would go to another client, callback or challenge than the one shown.
var oauthParameters = []string{
	"client_id", "client_secret", "response_type", "response_mode", "redirect_uri", "scope", "state",
	"code", "code_challenge", "code_challenge_method", "code_verifier", "grant_type", "refresh_token",
	"access_token", "token_type", "token", "token_type_hint", "nonce", "prompt", "request", "request_uri",
	"assertion", "client_assertion", "client_assertion_type", "username", "password", "audience", "resource",
}

// oauthParameterIn returns the first OAuth parameter named in rawQuery, or
// "". Names are compared after unescaping and without regard to ASCII
// case, and both "&" and ";" part them: servers differ, so the strictest
// reading decides.
func oauthParameterIn(rawQuery string) string {
	for _, pair := range strings.FieldsFunc(rawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
		key, _, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		key = strings.TrimSpace(key)
		for _, p := range oauthParameters {
			if isASCII(key) && strings.EqualFold(key, p) { // ASCII: "ſcope" is no server's scope
				return p
			}
		}
	}
	return ""
}

// DialledHost is host (a URL's host, maybe with a port) as it will be
// dialled and as messages show it: a name with characters outside ASCII in
// the ASCII form browsers and Go's HTTP client turn it into, else as it is,
// made safe to show.
func DialledHost(host string) string {
	if isASCII(host) {
		return safetext.Clean(host)
	}
	name, port := host, ""
	if h, p, err := net.SplitHostPort(host); err == nil {
		name, port = h, p
	}
	dialled, err := idna.Lookup.ToASCII(name)
	if err != nil || !isASCII(dialled) {
		return safetext.Clean(host)
	}
	if port != "" {
		return safetext.Clean(net.JoinHostPort(dialled, port))
	}
	return dialled
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
