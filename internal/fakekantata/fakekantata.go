// Package fakekantata is a stand-in Kantata OX for tests: a real OAuth 2.0
// authorization server (ory/fosite: authorization-code grant, optional PKCE,
// client_secret_post and client_secret_basic) plus the users/me identity
// endpoint and the workspaces (projects) list, served on 127.0.0.1.
// Switches make the token, users/me and workspaces endpoints fail the ways
// the real service can.
//
// It is a normal (non-_test) package so other packages' tests can import it;
// nothing outside tests should.
package fakekantata

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
)

// TokenMode selects how the token endpoint answers.
type TokenMode int

const (
	TokenOK          TokenMode = iota // real fosite token endpoint
	TokenServerError                  // HTTP 500
	TokenGarbage                      // HTTP 200 with an HTML (non-JSON) body
	TokenSlow                         // sleeps SetSlowDelay, then answers normally
)

// MeMode selects how GET /api/v1/users/me.json answers.
type MeMode int

const (
	MeOK           MeMode = iota // validates the bearer token and returns its user
	MeUnauthorized               // 401 with Kantata's body, whatever the token
	MeRateLimited                // 429 with Retry-After: 0 for the next SetRateLimitCount requests, then as MeOK
	MeServerError                // 500
	MeSlow                       // sleeps SetSlowDelay, then answers as MeOK
	MeBadJSON                    // 200 with valid JSON that is not Kantata's shape
	MeOversized                  // 200 with a Kantata-shaped body larger than 5 MiB
)

// WorkspacesMode selects how GET /api/v1/workspaces.json answers.
type WorkspacesMode int

const (
	WorkspacesOK           WorkspacesMode = iota // validates the bearer token and lists SetProjectCount workspaces
	WorkspacesUnauthorized                       // 401 with Kantata's body, whatever the token
	WorkspacesRateLimited                        // 429 with Retry-After: 0 for the next SetWorkspacesRateLimitCount requests, then as WorkspacesOK
	WorkspacesServerError                        // 500 with Kantata's error body
	WorkspacesGarbage                            // 200 with an HTML (non-JSON) body
	WorkspacesSlow                               // sleeps SetSlowDelay, then answers as WorkspacesOK
)

// DefaultProjectCount is how many workspaces the list holds until
// SetProjectCount says otherwise.
const DefaultProjectCount = 42

// Defaults for the identity users/me returns.
const (
	DefaultUserID   = "12345"
	DefaultFullName = "Jane Doe"
	DefaultEmail    = "jane@example.com"
)

// OversizedBodyBytes is the minimum size of the MeOversized body.
const OversizedBodyBytes = 6 << 20

// UnauthorizedBody is what Kantata answers (HTTP 401) for a bad or revoked token.
const UnauthorizedBody = `{"errors":[{"type":"oauth","message":"Invalid OAuth 2 Request"}]}`

// User is the identity users/me reports for a token.
type User struct {
	ID, FullName, Email string
}

// Server is a running fake Kantata. All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:PORT.
	URL string

	ts       *httptest.Server
	provider fosite.OAuth2Provider
	store    *store
	hasher   fosite.Hasher
	closing  chan struct{}

	mu             sync.Mutex
	clients        map[string]*client
	user           User
	issueRefresh   bool
	tokenMode      TokenMode
	meMode         MeMode
	meErrorMessage string
	rateLimitLeft  int
	wsMode         WorkspacesMode
	wsRateLeft     int
	projectCount   int
	wsRequests     int
	lastWSQuery    url.Values
	slowDelay      time.Duration
	codeLifespan   time.Duration
	requests       int // of any kind, to any path
	tokenRequests  int
	meRequests     int
	authRequests   int
	lastAuthQuery  url.Values
	lastTokenForm  url.Values
	lastTokenBasic bool

	// Doorkeeper's behaviours (PRODUCT.md, "Kantata's server software:
	// Doorkeeper, measured"), each off until a test turns it on.
	httpsOnly      bool            // force_ssl_in_redirect_uri: http callbacks refused at registration
	rememberGrant  bool            // a client with a live token skips the Authorize page
	granted        map[string]bool // client IDs with a live token (rememberGrant)
	doorkeeper401  bool            // 401s as Doorkeeper's: empty body, WWW-Authenticate
	revokedAtLeast bool            // RevokeAll was called: a refused token reads "was revoked"
}

// New starts a fake Kantata on 127.0.0.1; t.Cleanup stops it.
func New(t testing.TB) *Server { return NewAt(t, "127.0.0.1") }

// NewTLS starts one on 127.0.0.1 that serves https with cert, such as one
// a test's own authority issued for a name only a test proxy resolves
// (packages testca and forwardproxy); t.Cleanup stops it. URL is then
// https://127.0.0.1:PORT; Addr is where to map that name.
func NewTLS(t testing.TB, cert tls.Certificate) *Server {
	t.Helper()
	s, err := start("127.0.0.1", &cert)
	if err != nil {
		t.Fatalf("fakekantata: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// NewAt starts one on another loopback address, such as 127.0.0.2: a second
// host, for tests of what may and may not reach a host the user never chose.
func NewAt(t testing.TB, ip string) *Server {
	t.Helper()
	s, err := start(ip, nil)
	if err != nil {
		t.Fatalf("fakekantata: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a fake Kantata on 127.0.0.1 outside a test (for the
// fakekantata-server command); the caller stops it with Close. With a
// certificate it serves https.
func Start(cert *tls.Certificate) (*Server, error) { return start("127.0.0.1", cert) }

func start(ip string, cert *tls.Certificate) (*Server, error) {
	s := &Server{
		closing:       make(chan struct{}),
		clients:       map[string]*client{},
		granted:       map[string]bool{},
		user:          User{DefaultUserID, DefaultFullName, DefaultEmail},
		rateLimitLeft: 1,
		wsRateLeft:    1,
		projectCount:  DefaultProjectCount,
		slowDelay:     5 * time.Second,
		codeLifespan:  5 * time.Minute, // Kantata: "valid for about 5 minutes"
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("random secret: %w", err)
	}
	cfg := &fosite.Config{
		// Kantata tokens do not expire; fosite insists on a lifespan, so make
		// it long enough never to matter in a test.
		AccessTokenLifespan:   365 * 24 * time.Hour,
		RefreshTokenLifespan:  365 * 24 * time.Hour,
		AuthorizeCodeLifespan: s.codeLifespan,
		GlobalSecret:          secret,
		HashCost:              4, // bcrypt.MinCost: keeps -race tests fast
		ScopeStrategy:         fosite.ExactScopeStrategy,
		// Kantata does not require PKCE; a challenge that was sent is still verified.
		EnforcePKCE:                    false,
		EnablePKCEPlainChallengeMethod: true,
		// Refresh tokens are gated per client by SetIssueRefreshToken, not by scope.
		RefreshTokenScopes: []string{},
		// Kantata does not require state; fosite's default demands 8+
		// characters and fosite never accepts fewer than 1 (see noState).
		MinParameterEntropy: 1,
		// fosite fills these lazily on first use without a lock, which
		// races under concurrent requests: set them up front.
		AudienceMatchingStrategy: fosite.DefaultAudienceMatchingStrategy,
		JWKSFetcherStrategy:      fosite.NewDefaultJWKSFetcherStrategy(),
	}
	cfg.ClientSecretsHasher = &fosite.BCrypt{Config: cfg}
	s.hasher = cfg.ClientSecretsHasher
	s.store = newStore(s)
	s.provider = compose.Compose(cfg, s.store, compose.NewOAuth2HMACStrategy(cfg),
		compose.OAuth2AuthorizeExplicitFactory,
		compose.OAuth2RefreshTokenGrantFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2PKCEFactory,
	)

	mux := http.NewServeMux()
	mux.HandleFunc("/oauth/authorize", s.handleAuthorize)
	mux.HandleFunc(NativeCodePath, s.handleNativeCode)
	mux.HandleFunc("/oauth/token", s.handleToken)
	mux.HandleFunc("/oauth/revoke", s.handleRevoke)
	mux.HandleFunc("/api/v1/users/me.json", s.handleMe)
	mux.HandleFunc("/api/v1/workspaces.json", s.handleWorkspaces)
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", ip, err)
	}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	s.ts.Listener.Close()
	s.ts.Listener = l
	if cert != nil {
		s.ts.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
		// A client that doesn't trust the certificate is a case tests make.
		s.ts.Config.ErrorLog = log.New(io.Discard, "", 0)
		s.ts.StartTLS()
	} else {
		s.ts.Start()
	}
	s.URL = s.ts.URL
	return s, nil
}

// Close stops the server; slow handlers are released at once. Idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.closing:
		s.mu.Unlock()
		return
	default:
		close(s.closing)
	}
	s.mu.Unlock()
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Addr is the address the server listens on, 127.0.0.1:PORT.
func (s *Server) Addr() string { return s.ts.Listener.Addr().String() }

// AuthURL is the authorization endpoint.
func (s *Server) AuthURL() string { return s.URL + "/oauth/authorize" }

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.URL + "/oauth/token" }

// RevokeURL is the token revocation endpoint (RFC 7009).
func (s *Server) RevokeURL() string { return s.URL + "/oauth/revoke" }

// APIBaseURL is the API base; it serves /api/v1/users/me.json and
// /api/v1/workspaces.json.
func (s *Server) APIBaseURL() string { return s.URL }

// MeURL is the full users/me URL.
func (s *Server) MeURL() string { return s.URL + "/api/v1/users/me.json" }

// AddClient registers (or replaces) a confidential client. Redirect URIs are
// matched exactly, port included. It panics where RegisterClient would
// refuse: a test that means to see the refusal calls RegisterClient.
func (s *Server) AddClient(id, secret string, redirectURIs ...string) {
	if err := s.RegisterClient(id, secret, redirectURIs...); err != nil {
		panic("fakekantata: AddClient: " + err.Error())
	}
}

// ErrHTTPSRedirectURI is Doorkeeper's refusal of an http redirect URI at
// registration while force_ssl_in_redirect_uri holds (its production
// default), measured against Doorkeeper 5.5.
const ErrHTTPSRedirectURI = "Redirect URI must be an HTTPS/SSL URI."

// RegisterClient registers a client as Kantata's application page would,
// refusing with Doorkeeper's words what SetHTTPSOnlyCallbacks forbids.
func (s *Server) RegisterClient(id, secret string, redirectURIs ...string) error {
	s.mu.Lock()
	httpsOnly := s.httpsOnly
	s.mu.Unlock()
	for _, u := range redirectURIs {
		if httpsOnly && strings.HasPrefix(strings.ToLower(u), "http:") {
			return fmt.Errorf("%s (%s)", ErrHTTPSRedirectURI, u)
		}
	}
	hash, err := s.hasher.Hash(context.Background(), []byte(secret))
	if err != nil {
		panic(fmt.Sprintf("fakekantata: hash client secret: %v", err))
	}
	c := &client{
		DefaultClient: &fosite.DefaultClient{
			ID:            id,
			Secret:        hash,
			RedirectURIs:  slices.Clone(redirectURIs),
			ResponseTypes: []string{"code"},
		},
		srv:    s,
		secret: secret,
	}
	s.mu.Lock()
	s.clients[id] = c
	s.mu.Unlock()
	return nil
}

// SetHTTPSOnlyCallbacks makes registration refuse http redirect URIs, the
// loopback one included, as Doorkeeper does by default in production.
func (s *Server) SetHTTPSOnlyCallbacks(on bool) {
	s.mu.Lock()
	s.httpsOnly = on
	s.mu.Unlock()
}

// SetRememberGrant makes a client that holds a live token skip the
// Authorize page: Doorkeeper redirects at once when the user authorized the
// application before.
func (s *Server) SetRememberGrant(on bool) {
	s.mu.Lock()
	s.rememberGrant = on
	s.mu.Unlock()
}

// SetDoorkeeper401 makes users/me and workspaces refuse a token as
// Doorkeeper's API guard does: 401 with an empty body and
// WWW-Authenticate: Bearer realm="Doorkeeper", error="invalid_token",
// error_description="The access token was revoked" (or "is invalid").
func (s *Server) SetDoorkeeper401(on bool) {
	s.mu.Lock()
	s.doorkeeper401 = on
	s.mu.Unlock()
}

// PersonalToken is the token Kantata's application page shows its
// administrator ("Show your OAuth Token"): a working access token for the
// client, for the current user, with no browser sign-in. (Here it is
// issued through the server's own authorization code grant.)
func (s *Server) PersonalToken(t testing.TB, clientID string) string {
	t.Helper()
	s.mu.Lock()
	c, ok := s.clients[clientID]
	s.mu.Unlock()
	if !ok || len(c.RedirectURIs) == 0 {
		t.Fatalf("fakekantata: PersonalToken: no client %q with a redirect URI", clientID)
	}
	return s.IssueToken(t, clientID, c.secret, c.RedirectURIs[0])
}

// SetUser sets the identity users/me returns for tokens issued from now on.
func (s *Server) SetUser(id, fullName, email string) {
	s.mu.Lock()
	s.user = User{id, fullName, email}
	s.mu.Unlock()
}

// SetMeErrorMessage sets the message of the error body users/me answers
// with in MeUnauthorized and MeServerError (and for a refused token), as a
// misbehaving or hostile server could; "" restores Kantata's own.
func (s *Server) SetMeErrorMessage(msg string) {
	s.mu.Lock()
	s.meErrorMessage = msg
	s.mu.Unlock()
}

// RevokeAll makes every access and refresh token issued so far invalid, as
// when a user revokes the app's access in Kantata.
func (s *Server) RevokeAll() {
	s.store.revokeAll()
	s.mu.Lock()
	s.granted = map[string]bool{}
	s.revokedAtLeast = true
	s.mu.Unlock()
}

// SetIssueRefreshToken controls whether token responses carry a refresh
// token (Kantata documents none; off by default).
func (s *Server) SetIssueRefreshToken(on bool) {
	s.mu.Lock()
	s.issueRefresh = on
	s.mu.Unlock()
}

// SetTokenMode sets how the token endpoint answers.
func (s *Server) SetTokenMode(m TokenMode) {
	s.mu.Lock()
	s.tokenMode = m
	s.mu.Unlock()
}

// SetMeMode sets how users/me answers. Setting MeRateLimited does not reset
// the count given to SetRateLimitCount.
func (s *Server) SetMeMode(m MeMode) {
	s.mu.Lock()
	s.meMode = m
	s.mu.Unlock()
}

// SetWorkspacesMode sets how the workspaces list answers. Setting
// WorkspacesRateLimited does not reset the count given to
// SetWorkspacesRateLimitCount.
func (s *Server) SetWorkspacesMode(m WorkspacesMode) {
	s.mu.Lock()
	s.wsMode = m
	s.mu.Unlock()
}

// SetProjectCount sets how many workspaces (projects) the list holds for
// every valid token (default DefaultProjectCount); 0 is a user who sees none.
func (s *Server) SetProjectCount(n int) {
	s.mu.Lock()
	s.projectCount = n
	s.mu.Unlock()
}

// SetWorkspacesRateLimitCount sets how many 429s WorkspacesRateLimited
// answers before it lets requests through (default 1); a large n means
// always 429.
func (s *Server) SetWorkspacesRateLimitCount(n int) {
	s.mu.Lock()
	s.wsRateLeft = n
	s.mu.Unlock()
}

// WorkspacesRequests counts requests to the workspaces list.
func (s *Server) WorkspacesRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wsRequests
}

// LastWorkspacesQuery returns the query of the last request to the
// workspaces list (to check per_page).
func (s *Server) LastWorkspacesQuery() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneValues(s.lastWSQuery)
}

// SetRateLimitCount sets how many 429s MeRateLimited answers before it lets
// requests through (default 1); a large n means always 429.
func (s *Server) SetRateLimitCount(n int) {
	s.mu.Lock()
	s.rateLimitLeft = n
	s.mu.Unlock()
}

// SetSlowDelay sets how long TokenSlow, MeSlow and WorkspacesSlow sleep (default 5s). A
// sleeping handler returns early when its client goes away or the server closes.
func (s *Server) SetSlowDelay(d time.Duration) {
	s.mu.Lock()
	s.slowDelay = d
	s.mu.Unlock()
}

// SetCodeLifespan sets how long authorization codes issued from now on stay
// valid (default 5 minutes, like Kantata). Use a negative value to issue
// already-expired codes.
func (s *Server) SetCodeLifespan(d time.Duration) {
	s.mu.Lock()
	s.codeLifespan = d
	s.mu.Unlock()
}

// Requests counts every request the server received, to any path.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// TokenRequests counts requests to the token endpoint.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests
}

// MeRequests counts requests to users/me.
func (s *Server) MeRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.meRequests
}

// AuthorizeRequests counts requests (GET and POST) to the authorize endpoint.
func (s *Server) AuthorizeRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authRequests
}

// LastAuthorizeQuery returns the query of the last GET to the authorize
// endpoint (to check state, code_challenge, redirect_uri sent by a client).
func (s *Server) LastAuthorizeQuery() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneValues(s.lastAuthQuery)
}

// LastTokenRequest returns the form of the last token request with
// client_secret replaced by "REDACTED" when present, and whether the client
// authenticated with an HTTP Basic header.
func (s *Server) LastTokenRequest() (form url.Values, basicAuth bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneValues(s.lastTokenForm), s.lastTokenBasic
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// abort drops the connection without an answer, as a server going down
// does; returning from the handler instead would send an empty 200.
func abort() { panic(http.ErrAbortHandler) }

// sleep waits the slow delay; false if the client left or the server closed.
func (s *Server) sleep(r *http.Request) bool {
	s.mu.Lock()
	d := s.slowDelay
	s.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.closing:
	}
	return false
}

// ---- fosite plumbing -------------------------------------------------------

// client makes the refresh_token grant type follow SetIssueRefreshToken at
// the moment fosite asks, so the switch works for clients added earlier.
type client struct {
	*fosite.DefaultClient
	srv    *Server
	secret string // in the clear, for PersonalToken: a test server's own
}

func (c *client) GetGrantTypes() fosite.Arguments {
	c.srv.mu.Lock()
	defer c.srv.mu.Unlock()
	if c.srv.issueRefresh {
		return fosite.Arguments{"authorization_code", "refresh_token"}
	}
	return fosite.Arguments{"authorization_code"}
}

// session carries the identity a token was issued for.
type session struct {
	fosite.DefaultSession
	User User
}

func (s *session) Clone() fosite.Session {
	if s == nil {
		return nil
	}
	c := *s
	if d, ok := s.DefaultSession.Clone().(*fosite.DefaultSession); ok && d != nil {
		c.DefaultSession = *d
	}
	return &c
}

// ---- /oauth/authorize ------------------------------------------------------

var consentPage = template.Must(template.New("consent").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Authorize application - Kantata OX (fake)</title></head>
<body>
<h1>Authorization required</h1>
<p>Authorize <strong id="client-id">{{.ClientID}}</strong> to use your Kantata OX account?</p>
<form method="post" action="/oauth/authorize">
{{range .Params}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<button type="submit" id="authorize" name="decision" value="authorize">Authorize</button>
<button type="submit" id="deny" name="decision" value="deny">Deny</button>
</form>
</body></html>
`))

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Kantata OX (fake) - error</title></head>
<body>
<h1>An error has occurred</h1>
<p id="error">{{.Error}}</p>
<p id="error-description">{{.Description}}</p>
</body></html>
`))

type param struct{ Name, Value string }

func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.writeErrorPage(w, "invalid_request", "The request could not be parsed.")
		return
	}
	s.mu.Lock()
	s.authRequests++
	if r.Method == http.MethodGet {
		s.lastAuthQuery = cloneValues(r.URL.Query())
	}
	s.mu.Unlock()

	// fosite rejects a request without state; Kantata does not. Stand in a
	// placeholder for fosite and take it out of the redirect again.
	// The consent form carries the placeholder back in its POST.
	if st := r.Form.Get("state"); st == "" || st == noState {
		r.Form.Set("state", noState)
		w = &stateStripper{ResponseWriter: w}
	}

	// fosite accepts any port on a registered loopback URI (RFC 8252 7.3);
	// Kantata is assumed to match exactly, so check first.
	if ru := r.Form.Get("redirect_uri"); ru != "" {
		s.mu.Lock()
		c, ok := s.clients[r.Form.Get("client_id")]
		s.mu.Unlock()
		if ok && !slices.Contains(c.RedirectURIs, ru) {
			s.writeErrorPage(w, "invalid_redirect_uri", "The redirect uri included is not valid.")
			return
		}
	}

	ar, err := s.provider.NewAuthorizeRequest(ctx, r)
	if err != nil {
		s.writeAuthorizeError(w, r, ar, err)
		return
	}

	// Doorkeeper shows an out-of-band code on a page of its own.
	if ar.GetRedirectURI().String() == OOBRedirectURI {
		w = &nativeRedirect{ResponseWriter: w}
	}
	decision := r.PostForm.Get("decision")
	if r.Method == http.MethodGet {
		s.mu.Lock()
		skip := s.rememberGrant && s.granted[ar.GetClient().GetID()]
		s.mu.Unlock()
		if !skip {
			s.writeConsent(w, r, ar)
			return
		}
		decision = "authorize" // authorized before: no Authorize page
	}
	switch decision {
	case "authorize":
		s.mu.Lock()
		user := s.user
		s.mu.Unlock()
		sess := &session{DefaultSession: fosite.DefaultSession{Subject: user.ID, Username: user.Email}, User: user}
		resp, err := s.provider.NewAuthorizeResponse(ctx, ar, sess)
		if err != nil {
			s.writeAuthorizeError(w, r, ar, err)
			return
		}
		s.provider.WriteAuthorizeResponse(ctx, w, ar, resp)
	case "deny":
		s.provider.WriteAuthorizeError(ctx, w, ar, fosite.ErrAccessDenied.WithHint("The user denied access."))
	default:
		s.writeConsent(w, r, ar)
	}
}

// OOBRedirectURI is the out-of-band redirect URI: the code is shown on
// NativeCodePath instead of being sent anywhere.
const OOBRedirectURI = "urn:ietf:wg:oauth:2.0:oob"

// NativeCodePath is Doorkeeper's page for an out-of-band code.
const NativeCodePath = "/oauth/authorize/native"

// nativeRedirect turns a redirect to OOBRedirectURI into one to the native
// code page, as Doorkeeper does: the code (or the error) in its query, no
// state.
type nativeRedirect struct{ http.ResponseWriter }

func (n *nativeRedirect) WriteHeader(code int) {
	if loc := n.Header().Get("Location"); strings.HasPrefix(loc, OOBRedirectURI) {
		if u, err := url.Parse(loc); err == nil {
			q := u.Query()
			q.Del("state")
			q.Del("scope")
			n.Header().Set("Location", NativeCodePath+"?"+q.Encode())
		}
	}
	n.ResponseWriter.WriteHeader(code)
}

var nativeCodePage = template.Must(template.New("native").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>OAuth authorization required</title></head>
<body>
<h1>Authorization code:</h1>
{{if .Code}}<code id="authorization_code">{{.Code}}</code>{{else}}<p id="error">{{.Error}}</p>
<p id="error-description">{{.Description}}</p>{{end}}
</body></html>
`))

// handleNativeCode shows an out-of-band code, as Doorkeeper's page
// "OAuth authorization required" does: "Authorization code: CODE".
func (s *Server) handleNativeCode(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = nativeCodePage.Execute(w, struct{ Code, Error, Description string }{q.Get("code"), q.Get("error"), q.Get("error_description")})
}

// noState stands in for a missing state parameter inside fosite.
const noState = "fakekantata-no-state"

// stateStripper removes the noState placeholder from a redirect.
type stateStripper struct{ http.ResponseWriter }

func (s *stateStripper) WriteHeader(code int) {
	if loc := s.Header().Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil && u.Query().Get("state") == noState {
			q := u.Query()
			q.Del("state")
			u.RawQuery = q.Encode()
			s.Header().Set("Location", u.String())
		}
	}
	s.ResponseWriter.WriteHeader(code)
}

// writeAuthorizeError redirects errors to a valid redirect URI, and shows an
// HTML page (never a redirect) when the redirect URI or client is bad.
func (s *Server) writeAuthorizeError(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester, err error) {
	if ar != nil && ar.IsRedirectURIValid() {
		s.provider.WriteAuthorizeError(r.Context(), w, ar, err)
		return
	}
	rfc := fosite.ErrorToRFC6749Error(err)
	s.writeErrorPage(w, rfc.ErrorField, rfc.GetDescription())
}

func (s *Server) writeErrorPage(w http.ResponseWriter, code, description string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	_ = errorPage.Execute(w, struct{ Error, Description string }{code, description})
}

func (s *Server) writeConsent(w http.ResponseWriter, r *http.Request, ar fosite.AuthorizeRequester) {
	var params []param
	keys := make([]string, 0, len(r.Form))
	for k := range r.Form {
		if k != "decision" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range r.Form[k] {
			params = append(params, param{k, v})
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = consentPage.Execute(w, struct {
		ClientID string
		Params   []param
	}{ar.GetClient().GetID(), params})
}

// ---- /oauth/token ------------------------------------------------------------

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s.mu.Lock()
	s.tokenRequests++
	mode := s.tokenMode
	s.mu.Unlock()

	switch mode {
	case TokenServerError:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("<html><body><h1>We're sorry, but something went wrong.</h1></body></html>\n"))
		return
	case TokenGarbage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body><h1>Kantata OX is down for maintenance</h1></body></html>\n"))
		return
	case TokenSlow:
		if !s.sleep(r) {
			abort()
		}
	}

	ar, err := s.provider.NewAccessRequest(ctx, r, &session{})
	s.recordTokenRequest(r)
	if err != nil {
		s.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	sess, ok := ar.GetSession().(*session)
	if !ok {
		s.provider.WriteAccessError(ctx, w, ar, fosite.ErrServerError.WithDebug("unexpected session type"))
		return
	}
	s.mu.Lock()
	user := s.user
	s.mu.Unlock()
	// Stamp a copy: the stored code's session may be shared with a
	// concurrent request redeeming the same code.
	stamped := sess.Clone().(*session)
	stamped.User, stamped.Subject, stamped.Username = user, user.ID, user.Email
	ar.SetSession(stamped)

	resp, err := s.provider.NewAccessResponse(ctx, ar)
	if err != nil {
		s.provider.WriteAccessError(ctx, w, ar, err)
		return
	}
	s.mu.Lock()
	s.granted[ar.GetClient().GetID()] = true
	s.mu.Unlock()
	s.provider.WriteAccessResponse(ctx, w, ar, resp)
}

func (s *Server) recordTokenRequest(r *http.Request) {
	form := cloneValues(r.PostForm)
	if form.Has("client_secret") {
		form.Set("client_secret", "REDACTED")
	}
	_, _, basic := r.BasicAuth()
	s.mu.Lock()
	s.lastTokenForm, s.lastTokenBasic = form, basic
	s.mu.Unlock()
}

// ---- /oauth/revoke ------------------------------------------------------------

func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	err := s.provider.NewRevocationRequest(ctx, r)
	s.provider.WriteRevocationResponse(ctx, w, err)
}

// ---- /api/v1/users/me.json ----------------------------------------------------

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.meRequests++
	mode := s.meMode
	errorMessage := s.meErrorMessage
	limited := false
	if mode == MeRateLimited && s.rateLimitLeft > 0 {
		s.rateLimitLeft--
		limited = true
	}
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch mode {
	case MeUnauthorized:
		writeUnauthorized(w, errorMessage)
		return
	case MeRateLimited:
		if limited {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"errors":[{"type":"system","message":"Rate limit exceeded"}]}`))
			return
		}
	case MeServerError:
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(errorsBody("system", "Internal Server Error", errorMessage))
		return
	case MeSlow:
		if !s.sleep(r) {
			abort()
		}
	case MeBadJSON:
		_, _ = w.Write([]byte(`{"data":{"type":"user","attributes":{"name":"Jane Doe"}}}`))
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte(`{"errors":[{"type":"system","message":"Method Not Allowed"}]}`))
		return
	}

	user, ok := s.authenticate(r)
	if !ok {
		s.refuseToken(w, errorMessage)
		return
	}
	body := meBody(user)
	if mode == MeOversized {
		// Valid and Kantata-shaped, so only a response size limit rejects it.
		body.Padding = strings.Repeat("x", OversizedBodyBytes)
		writeCompressed(w, r, body)
		return
	}
	_ = json.NewEncoder(w).Encode(body)
}

// writeCompressed writes body as JSON, gzipped when the client takes gzip
// (Go's does, and unpacks it unasked): the oversized answer is a few
// kilobytes on the wire then, as a server's compressed answer can be,
// and its size shows only once unpacked. Sent plain, a client that stops
// at its limit and closes left megabytes unsent, and under Wine a write to
// a peer that has closed can stay pending for ever, however short its
// deadline, so the server's Close waited for this handler for ever.
func writeCompressed(w http.ResponseWriter, r *http.Request, body any) {
	if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	zw := gzip.NewWriter(w)
	_ = json.NewEncoder(zw).Encode(body)
	_ = zw.Close()
}

// authenticate validates the bearer token with fosite's introspection.
func (s *Server) authenticate(r *http.Request) (User, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return User{}, false
	}
	use, ar, err := s.provider.IntrospectToken(r.Context(), tok, fosite.AccessToken, &session{})
	if err != nil || use != fosite.AccessToken || ar == nil {
		return User{}, false
	}
	sess, ok := ar.GetSession().(*session)
	if !ok {
		return User{}, false
	}
	return sess.User, true
}

// refuseToken answers a request whose token is not (or no longer) valid:
// Kantata's 401, or Doorkeeper's (SetDoorkeeper401).
func (s *Server) refuseToken(w http.ResponseWriter, message string) {
	s.mu.Lock()
	doorkeeper, revoked := s.doorkeeper401, s.revokedAtLeast
	s.mu.Unlock()
	if !doorkeeper {
		writeUnauthorized(w, message)
		return
	}
	desc := "The access token is invalid"
	if revoked {
		desc = "The access token was revoked"
	}
	w.Header().Del("Content-Type")
	w.Header().Set("WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token", error_description="`+desc+`"`)
	w.WriteHeader(http.StatusUnauthorized)
}

// writeUnauthorized answers 401 with Kantata's body, or with message
// instead of Kantata's message when one is set.
func writeUnauthorized(w http.ResponseWriter, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	if message == "" {
		_, _ = w.Write([]byte(UnauthorizedBody))
		return
	}
	_, _ = w.Write(errorsBody("oauth", "", message))
}

// errorsBody is Kantata's {"errors":[{"type","message"}]} body with
// message, or with def when message is "".
func errorsBody(typ, def, message string) []byte {
	if message == "" {
		message = def
	}
	type kantataError struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	b, _ := json.Marshal(struct {
		Errors []kantataError `json:"errors"`
	}{[]kantataError{{typ, message}}})
	return b
}

// meResponse mirrors Kantata's users/me body, in Kantata's key order.
type meResponse struct {
	Count   int               `json:"count"`
	Results []meResult        `json:"results"`
	Users   map[string]meUser `json:"users"`
	Meta    meMeta            `json:"meta"`
	Padding string            `json:"padding,omitempty"` // MeOversized only
}

type meResult struct {
	Key string `json:"key"`
	ID  string `json:"id"`
}

type meUser struct {
	ID           string `json:"id"`
	FullName     string `json:"full_name"`
	EmailAddress string `json:"email_address"`
}

type meMeta struct {
	Count      int `json:"count"`
	PageCount  int `json:"page_count"`
	PageNumber int `json:"page_number"`
	PageSize   int `json:"page_size"`
}

func meBody(u User) *meResponse {
	return &meResponse{
		Count:   1,
		Results: []meResult{{Key: "users", ID: u.ID}},
		Users:   map[string]meUser{u.ID: {ID: u.ID, FullName: u.FullName, EmailAddress: u.Email}},
		Meta:    meMeta{Count: 1, PageCount: 1, PageNumber: 1, PageSize: 20},
	}
}

// ---- /api/v1/workspaces.json ----------------------------------------------------

// handleWorkspaces lists the workspaces (projects) a token's user sees, in
// Kantata's list envelope, one page of per_page (default 20, at most 200)
// from page (default 1). The workspaces are made up: ids from 1001, titles
// "Project N".
func (s *Server) handleWorkspaces(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.wsRequests++
	s.lastWSQuery = cloneValues(r.URL.Query())
	mode := s.wsMode
	count := s.projectCount
	limited := false
	if mode == WorkspacesRateLimited && s.wsRateLeft > 0 {
		s.wsRateLeft--
		limited = true
	}
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch mode {
	case WorkspacesUnauthorized:
		writeUnauthorized(w, "")
		return
	case WorkspacesRateLimited:
		if limited {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"errors":[{"type":"system","message":"Rate limit exceeded"}]}`))
			return
		}
	case WorkspacesServerError:
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write(errorsBody("system", "Internal Server Error", ""))
		return
	case WorkspacesGarbage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><body><h1>Kantata OX is down for maintenance</h1></body></html>\n"))
		return
	case WorkspacesSlow:
		if !s.sleep(r) {
			abort()
		}
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte(`{"errors":[{"type":"system","message":"Method Not Allowed"}]}`))
		return
	}
	if _, ok := s.authenticate(r); !ok {
		s.refuseToken(w, "")
		return
	}
	_ = json.NewEncoder(w).Encode(workspacesBody(count, pageParam(r, "per_page", 20, 200), pageParam(r, "page", 1, 1<<20)))
}

// pageParam is a positive whole-number query parameter, def when absent or
// not one, at most max.
func pageParam(r *http.Request, name string, def, max int) int {
	n, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || n < 1 {
		return def
	}
	return min(n, max)
}

// workspacesResponse mirrors Kantata's list envelope for workspaces.
type workspacesResponse struct {
	Count      int                  `json:"count"`
	Results    []meResult           `json:"results"`
	Workspaces map[string]workspace `json:"workspaces"`
	Meta       meMeta               `json:"meta"`
}

type workspace struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

func workspacesBody(count, perPage, page int) *workspacesResponse {
	body := &workspacesResponse{
		Count:      count,
		Results:    []meResult{},
		Workspaces: map[string]workspace{},
		Meta:       meMeta{Count: count, PageCount: (count + perPage - 1) / perPage, PageNumber: page, PageSize: perPage},
	}
	for i := (page - 1) * perPage; i < count && i < page*perPage; i++ {
		id := strconv.Itoa(1001 + i)
		body.Results = append(body.Results, meResult{Key: "workspaces", ID: id})
		body.Workspaces[id] = workspace{ID: id, Title: fmt.Sprintf("Project %d", i+1)}
	}
	return body
}
