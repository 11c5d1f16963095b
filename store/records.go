package store

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kantata-connect/kantata-connect/endpoint"
	"github.com/kantata-connect/kantata-connect/kantata"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// Status says where a connection stands with Kantata.
type Status string

const (
	StatusNeverAuthorized Status = "never_authorized"
	StatusAuthorized      Status = "authorized"
	StatusNeedsReauth     Status = "needs_reauthorization"
	StatusFailed          Status = "failed"
)

// Valid reports whether s is one of the known statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusNeverAuthorized, StatusAuthorized, StatusNeedsReauth, StatusFailed:
		return true
	}
	return false
}

// Client authentication methods: how the client secret reaches the token endpoint.
const (
	ClientAuthBody  = string(endpoint.ClientAuthBody)  // client_secret_post
	ClientAuthBasic = string(endpoint.ClientAuthBasic) // client_secret_basic
)

// Callback kinds: how Kantata's answer comes back (endpoint.Callback).
const (
	CallbackLoopback = string(endpoint.CallbackLoopback) // to this app, http://127.0.0.1:PORT/callback
	CallbackCode     = string(endpoint.CallbackCode)     // Kantata shows a code; the user pastes it
	CallbackAppLink  = string(endpoint.CallbackAppLink)  // through the app's own link, com.kantataconnect.desktop:/callback
)

// ClientSettings is what defines an OAuth 2.0 client (an "iClient"): every
// setting but its secret. It is the one shape of a client's settings: the
// records file, setup files and the command line's JSON embed it, and the
// rules in validate.go check it.
type ClientSettings struct {
	Name         string `json:"name"`
	ClientID     string `json:"client_id"`
	AuthURL      string `json:"auth_url"`
	TokenURL     string `json:"token_url"`
	APIBaseURL   string `json:"api_base_url"`
	ClientAuth   string `json:"client_auth"`
	PKCE         bool   `json:"pkce"`
	Callback     string `json:"callback"` // CallbackLoopback, CallbackCode or CallbackAppLink
	RedirectPort int    `json:"redirect_port"`
}

// DefaultClientSettings are Kantata's: its endpoints, the secret in the
// request body, PKCE, and the default callback port. Only Name and ClientID
// are left to fill in.
func DefaultClientSettings() ClientSettings {
	return ClientSettings{
		AuthURL:      kantata.DefaultAuthURL,
		TokenURL:     kantata.DefaultTokenURL,
		APIBaseURL:   kantata.DefaultAPIBaseURL,
		ClientAuth:   ClientAuthBody,
		PKCE:         true,
		Callback:     CallbackLoopback,
		RedirectPort: kantata.DefaultRedirectPort,
	}
}

// RedirectURI is the callback URL users register in Kantata: the loopback
// URL on the client's port, the out-of-band URI of CallbackCode or the
// app's own link.
func (c ClientSettings) RedirectURI() string {
	return endpoint.CallbackURI(endpoint.Callback(c.Callback), c.RedirectPort)
}

// SameSettings reports whether a and b are the same client but perhaps for
// its name: every setting is equal, the API base URL too.
func SameSettings(a, b ClientSettings) bool {
	a.Name, b.Name = "", ""
	return a == b
}

// sameForTokens reports whether the tokens issued under a still hold under
// b: every setting a sign-in depends on is equal, the API base URL too,
// since a token must not be sent to a host it was not issued for. How the
// next sign-in's answer comes back (Callback) changes no token.
func sameForTokens(a, b ClientSettings) bool {
	a.Callback, b.Callback = "", ""
	return SameSettings(a, b)
}

// Client is a saved OAuth 2.0 client. Its secret lives only in the
// keychain, under ClientSecretKey(ID).
type Client struct {
	ID string `json:"id"`
	ClientSettings
	// SecretNeeded: saved without a secret (imported with none given); it
	// must be entered before a sign-in.
	SecretNeeded bool      `json:"secret_needed,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Identity is the Kantata user a connection is authorized as.
type Identity struct {
	UserID   string `json:"user_id"`
	FullName string `json:"full_name"`
	Email    string `json:"email"`
}

// Connection is a saved authorization against a Client. Its tokens live only in
// the keychain. LastErrorDetail is technical text and must never hold a secret.
type Connection struct {
	ID               string     `json:"id"`
	Name             string     `json:"name"`
	ClientRef        string     `json:"client_ref"` // Client.ID
	Status           Status     `json:"status"`
	Identity         *Identity  `json:"identity,omitempty"`
	LastAuthorizedAt *time.Time `json:"last_authorized_at,omitempty"`
	LastTestedAt     *time.Time `json:"last_tested_at,omitempty"`
	LastError        string     `json:"last_error,omitempty"`
	LastErrorDetail  string     `json:"last_error_detail,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`

	// Timings of the last sign-in and the last test, for diagnostics.
	LastSignInTimings *SignInTimings `json:"last_sign_in_timings,omitempty"`
	LastTestTimings   *TestTimings   `json:"last_test_timings,omitempty"`

	// AuthorizedWith says how the token was had: "" by a sign-in in the
	// browser, AuthorizedWithPersonalToken when pasted from Kantata's
	// application page.
	AuthorizedWith string `json:"authorized_with,omitempty"`

	// Projects is how many projects the user could see when last counted
	// (after a sign-in or a successful test), or why they could not be
	// counted; nil when never counted.
	Projects *ProjectCount `json:"projects,omitempty"`
}

// AuthorizedWithPersonalToken marks a connection authorized with the token
// Kantata's application page shows its administrator ("Show your OAuth
// Token"), not by a sign-in.
const AuthorizedWithPersonalToken = "personal_token"

// ProjectCount is the outcome of counting the projects (Kantata workspaces)
// a connection's user can see. Exactly one of Visible and Error is set.
// Error and ErrorDetail say why the count failed, as LastError and
// LastErrorDetail do; the connection works all the same.
type ProjectCount struct {
	At          time.Time     `json:"at"`
	Visible     *int          `json:"visible,omitempty"`
	Error       string        `json:"error,omitempty"`
	ErrorDetail string        `json:"error_detail,omitempty"`
	Took        time.Duration `json:"took_ns,omitempty"` // the request, in nanoseconds
}

// SignInTimings says how long each step of a sign-in took. A zero duration
// is a step the sign-in did not reach (denied in the browser: no exchange).
// Durations are kept in nanoseconds, as Go's time.Duration.
type SignInTimings struct {
	At            time.Time     `json:"at"`
	BrowserWait   time.Duration `json:"browser_wait_ns,omitempty"`   // sign-in page opened → callback
	TokenExchange time.Duration `json:"token_exchange_ns,omitempty"` // the token request
	IdentityCheck time.Duration `json:"identity_check_ns,omitempty"` // GET users/me after signing in
}

// TestTimings says how long the last test's identity check took.
type TestTimings struct {
	At            time.Time     `json:"at"`
	IdentityCheck time.Duration `json:"identity_check_ns,omitempty"`
}

// clone deep-copies the pointer fields so callers can't change the store's copy.
func (c Connection) clone() Connection {
	if c.Identity != nil {
		id := *c.Identity
		c.Identity = &id
	}
	if c.LastAuthorizedAt != nil {
		t := *c.LastAuthorizedAt
		c.LastAuthorizedAt = &t
	}
	if c.LastTestedAt != nil {
		t := *c.LastTestedAt
		c.LastTestedAt = &t
	}
	if c.LastSignInTimings != nil {
		t := *c.LastSignInTimings
		c.LastSignInTimings = &t
	}
	if c.LastTestTimings != nil {
		t := *c.LastTestTimings
		c.LastTestTimings = &t
	}
	if c.Projects != nil {
		p := *c.Projects
		if p.Visible != nil {
			n := *p.Visible
			p.Visible = &n
		}
		c.Projects = &p
	}
	return c
}

// Token is what a connection keeps in the keychain. RefreshToken is empty when
// the server sent none (Kantata documents none).
type Token struct {
	AccessToken  string
	RefreshToken string
}

// String never shows the tokens, so a Token printed by mistake leaks nothing.
func (t Token) String() string {
	return "Token{AccessToken:" + safetext.Redacted(t.AccessToken) + " RefreshToken:" + safetext.Redacted(t.RefreshToken) + "}"
}

// GoString covers %#v.
func (t Token) GoString() string { return "store." + t.String() }

// LogValue covers slog.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// Keychain keys: one entry per secret keeps each one small (Windows allows
// 2560 bytes a secret, macOS about 3000 for service, account and secret).
func ClientSecretKey(clientID string) string { return "client/" + clientID + "/secret" }
func AccessTokenKey(connectionID string) string {
	return "connection/" + connectionID + "/access-token"
}
func RefreshTokenKey(connectionID string) string {
	return "connection/" + connectionID + "/refresh-token"
}

// Endpoint is one of a client's URLs that receives something secret.
type Endpoint struct {
	Field Field  // FieldAuthURL, FieldTokenURL or FieldAPIBaseURL
	Host  string // its host (and port, when not the scheme's default), as dialled: endpoint.DialledHost
}

// Departures are the ways a client's settings leave Kantata's own in where
// its secrets go: endpoints on hosts that are not Kantata's (the token URL
// receives the client secret and the code, the API URL the token), and PKCE
// turned off. A setup file from someone else can carry them, so they are
// shown wherever such a client appears and accepted only on purpose.
type Departures struct {
	Foreign []Endpoint
	NoPKCE  bool
}

// Departures reports how c departs from Kantata's settings; the zero value
// means it doesn't.
func (c ClientSettings) Departures() Departures {
	d := Departures{NoPKCE: !c.PKCE}
	for _, e := range []struct {
		field Field
		raw   string
	}{{FieldAuthURL, c.AuthURL}, {FieldTokenURL, c.TokenURL}, {FieldAPIBaseURL, c.APIBaseURL}} {
		u, err := url.Parse(strings.TrimSpace(e.raw))
		host := e.raw
		if err == nil {
			host = u.Host
		}
		if host = endpoint.DialledHost(host); !kantata.IsKantataHost(host) {
			d.Foreign = append(d.Foreign, Endpoint{Field: e.field, Host: host})
		}
	}
	return d
}

// Risk says in a sentence what the departures put at risk, naming the
// hosts; "" when there are none.
func (d Departures) Risk() string {
	var parts []string
	if hosts := d.Hosts(); len(hosts) > 0 {
		parts = append(parts, fmt.Sprintf("Its client secret, sign-in codes and tokens would go to %s, not only to Kantata.", strings.Join(hosts, " and ")))
	}
	if d.NoPKCE {
		parts = append(parts, "Without PKCE, a sign-in code caught on its way back to this computer could be used by whoever caught it.")
	}
	return strings.Join(parts, " ")
}

// Any reports whether there is a departure at all.
func (d Departures) Any() bool { return len(d.Foreign) > 0 || d.NoPKCE }

// Hosts are the foreign hosts, each once, in the order of the endpoints.
func (d Departures) Hosts() []string {
	var hosts []string
	for _, e := range d.Foreign {
		if !slices.Contains(hosts, e.Host) {
			hosts = append(hosts, e.Host)
		}
	}
	return hosts
}

// String says it as a predicate that follows "This client", e.g. `sends to
// hosts that are not Kantata's: evil.example (access token URL, API base
// URL), and turns PKCE off`.
func (d Departures) String() string {
	var parts []string
	if len(d.Foreign) > 0 {
		var hosts []string
		for _, h := range d.Hosts() {
			var fields []string
			for _, e := range d.Foreign {
				if e.Host == h {
					fields = append(fields, e.Field.Words())
				}
			}
			hosts = append(hosts, fmt.Sprintf("%s (%s)", h, strings.Join(fields, ", ")))
		}
		parts = append(parts, "sends to hosts that are not Kantata's: "+strings.Join(hosts, ", "))
	}
	if d.NoPKCE {
		parts = append(parts, "turns PKCE off")
	}
	return strings.Join(parts, ", and ")
}
