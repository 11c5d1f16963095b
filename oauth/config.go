// Package oauth runs the native-app OAuth 2.0 sign-in (RFC 8252): it
// listens on a loopback callback URL, sends the user's own browser to the
// authorization URL with a one-time state and a PKCE challenge, waits for
// the callback and exchanges the code for a token.
//
// It knows no provider: the caller gives the client's endpoints, its
// callback port and what the messages say of the server (Provider); Kantata
// OX's are package kantata's, filled in by the app (package connect). It
// knows nothing about the GUI either: the caller injects how a browser is
// opened and shows the URL, the progress and the typed errors.
package oauth

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kantata-connect/kantata-connect/endpoint"
)

// ClientAuth is how the client authenticates at the token endpoint
// (endpoint.ClientAuth).
type ClientAuth = endpoint.ClientAuth

const (
	ClientAuthBody  = endpoint.ClientAuthBody
	ClientAuthBasic = endpoint.ClientAuthBasic
)

// The callback kinds and their redirect URIs are the endpoint package's
// (store keeps them too); the engine names them as its own.
type Callback = endpoint.Callback

const (
	CallbackPath       = endpoint.CallbackPath
	CallbackLoopback   = endpoint.CallbackLoopback
	CallbackCode       = endpoint.CallbackCode
	CallbackAppLink    = endpoint.CallbackAppLink
	AppLinkScheme      = endpoint.AppLinkScheme
	AppLinkRedirectURI = endpoint.AppLinkRedirectURI
	OOBRedirectURI     = endpoint.OOBRedirectURI
)

// RedirectURI is endpoint.RedirectURI: the loopback callback URL for port.
func RedirectURI(port int) string { return endpoint.RedirectURI(port) }

// CallbackURI is endpoint.CallbackURI: the redirect URI of a callback kind.
func CallbackURI(kind Callback, port int) string { return endpoint.CallbackURI(kind, port) }

// AllCallbackURIs is endpoint.AllCallbackURIs: every kind's redirect URI.
func AllCallbackURIs(port int) []string { return endpoint.AllCallbackURIs(port) }

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

// Config describes one OAuth 2.0 client. The engine knows no provider: the
// caller gives the endpoints, the port and the provider's words; zero values
// of the other fields mean the defaults noted.
type Config struct {
	AuthURL, TokenURL      string
	ClientID, ClientSecret string
	Callback               Callback   // "" → CallbackLoopback
	RedirectPort           int        // CallbackLoopback only
	Scopes                 []string   // none by default: Kantata documents none
	ClientAuth             ClientAuth // "" → ClientAuthBody
	Provider               Provider
	DisablePKCE            bool          // PKCE (S256) is on unless disabled
	Timeout                time.Duration // wait for the callback; 0 → DefaultTimeout (DefaultCodeTimeout for CallbackCode)
	ExchangeTimeout        time.Duration // token request; 0 → DefaultExchangeTimeout
	HTTPClient             *http.Client  // optional client for the token request
}

// RedirectURI is the callback URL this client must have registered in Kantata.
func (c Config) RedirectURI() string { return CallbackURI(c.Callback, c.RedirectPort) }

// DefaultTimeoutFor is how long a sign-in of kind waits by default.
func DefaultTimeoutFor(kind Callback) time.Duration {
	if kind == CallbackCode {
		return DefaultCodeTimeout
	}
	return DefaultTimeout
}

// Provider is what the messages say of the authorization server: words the
// caller gives, since the engine knows no provider.
type Provider struct {
	// Registered is where the client's application is registered, for
	// advice: the provider and the page of its settings that lists them.
	// "" → "the authorization server's settings".
	Registered string
	// TokenURL is the server's own token URL, named in advice about a
	// client's that answers wrongly; "" names none.
	TokenURL string
}

// registered is Registered, or words that name no provider.
func (p Provider) registered() string {
	if p.Registered == "" {
		return "the authorization server's settings"
	}
	return p.Registered
}

// theirTokenURL is " (Kantata's is URL)" for advice, or "".
func (p Provider) theirTokenURL() string {
	if p.TokenURL == "" {
		return ""
	}
	return " (Kantata's is " + p.TokenURL + ")"
}

// withDefaults fills in the defaults of zero fields.
func (c Config) withDefaults() Config {
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
		return bad("The OAuth 2.0 client has no client ID. Enter the client ID shown in "+c.Provider.registered()+".",
			"config: client ID is empty")
	}
	if err := endpoint.Check(c.AuthURL); err != nil {
		return bad(fmt.Sprintf("The authorization URL %q %v.", c.AuthURL, err),
			fmt.Sprintf("config: authorization URL %q: %v", c.AuthURL, err))
	}
	if err := endpoint.Check(c.TokenURL); err != nil {
		return bad(fmt.Sprintf("The access token URL %q %v.", c.TokenURL, err),
			fmt.Sprintf("config: token URL %q: %v", c.TokenURL, err))
	}
	if err := endpoint.CheckPort(c.RedirectPort); err != nil && (c.Callback == CallbackLoopback || c.RedirectPort != 0) {
		return bad(fmt.Sprintf("The callback port %d %v.", c.RedirectPort, err),
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
	if !c.ClientAuth.Valid() {
		return bad("Choose how the client credentials are sent: in the request body (Kantata's way) or in a basic-auth header.",
			fmt.Sprintf("config: unknown client auth %q", c.ClientAuth))
	}
	if c.Timeout < 0 || c.ExchangeTimeout < 0 {
		return bad("The sign-in timeouts must not be negative.",
			fmt.Sprintf("config: timeout %v, exchange timeout %v", c.Timeout, c.ExchangeTimeout))
	}
	return nil
}
