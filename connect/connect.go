// Package connect holds the operations the window and the command line share:
// authorizing a saved connection with Kantata and testing it. Each lives here
// once, so the two fronts cannot drift apart.
package connect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kantata-connect/kantata-connect/handover"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// Service runs sign-ins and checks against the records and keychain in Store.
type Service struct {
	Store *store.Store
	// Opener opens the sign-in page in the user's browser.
	Opener oauth.Opener
	// HTTPClient, when set, carries the token exchange and the identity check.
	HTTPClient *http.Client
	// Now is the clock for the times kept with a connection.
	Now func() time.Time
	// Backoff is the first wait after Kantata answers 429; 0 means
	// kantata.DefaultBackoff. Tests shorten it.
	Backoff time.Duration
	// RegisterLink registers the app's own link with the operating system
	// before a sign-in of that kind (package linkhandler); registered is
	// true when it did so just now. nil registers nothing.
	RegisterLink func() (registered bool, err error)
}

// New returns a Service over st that opens pages with open.
func New(st *store.Store, open oauth.Opener) *Service {
	return &Service{Store: st, Opener: open, Now: time.Now}
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// AuthorizeOptions tune one sign-in.
type AuthorizeOptions struct {
	// NoBrowser leaves opening the page to the user: the URL is only shown.
	NoBrowser bool
	// Timeout bounds the wait for the browser; 0 means the client's
	// callback kind's default (oauth.DefaultTimeoutFor).
	Timeout time.Duration
	// HintAfter is when HintDue fires while still waiting, counted from
	// StartAuthorize's return; 0 means DefaultHintAfter, negative never.
	HintAfter time.Duration
}

// Authorization is a sign-in that waits for the user's browser.
type Authorization struct {
	svc  *Service
	conn store.Connection
	api  string
	flow *oauth.Flow
	hint chan struct{} // see HintDue
	// reach delivers the one outcome of checking the authorization host;
	// deadline is when the wait for the browser ends.
	reach    chan error
	deadline time.Time
	callback oauth.Callback
	// The app's own link (CallbackAppLink only): its listener, why there
	// is none, and what registering the link did.
	link    *handover.Listener
	linkErr error
	linkReg LinkRegistration
}

// provider is what the sign-in's messages say of Kantata.
var provider = oauth.Provider{Registered: "Kantata (" + kantata.AppsPage + ")", TokenURL: kantata.DefaultTokenURL}

// StartAuthorize begins signing in a saved connection: it reads the client's
// secret from the keychain, binds the loopback callback and opens the browser.
// The caller then shows URL and calls Wait.
func (s *Service) StartAuthorize(ctx context.Context, connectionID string, opts AuthorizeOptions) (*Authorization, error) {
	conn, client, err := s.connectionAndClient(connectionID)
	if err != nil {
		return nil, err
	}
	if client.SecretNeeded {
		return nil, &SecretNeededError{Client: client.Name}
	}
	secret, err := s.Store.ClientSecret(client.ID)
	if err != nil {
		return nil, fmt.Errorf("read the secret of client %q: %w", client.Name, err)
	}
	cfg := oauth.Config{
		AuthURL:      client.AuthURL,
		TokenURL:     client.TokenURL,
		ClientID:     client.ClientID,
		ClientSecret: secret,
		Callback:     oauth.Callback(client.Callback),
		RedirectPort: client.RedirectPort,
		ClientAuth:   oauth.ClientAuth(client.ClientAuth),
		DisablePKCE:  !client.PKCE,
		Provider:     provider,
		Timeout:      opts.Timeout,
		HTTPClient:   s.HTTPClient,
	}
	open := s.Opener
	if opts.NoBrowser {
		open = nil
	}
	a := &Authorization{svc: s, conn: conn, api: client.APIBaseURL, callback: cfg.Callback}
	ready := make(chan struct{})
	if a.WaitsForAppLink() {
		// Listening before the browser opens: Kantata answers at once
		// when it skips its Authorize page.
		s.waitAppLink(a, ready)
	}
	flow, err := oauth.Start(ctx, cfg, open)
	a.flow = flow
	close(ready)
	if err != nil {
		if a.link != nil {
			a.link.Close()
		}
		return nil, fmt.Errorf("start sign-in for %q: %w", conn.Name, err)
	}
	a.closeLinkWhenDone()
	a.deadline = flow.Deadline()
	a.watchHint(opts.HintAfter)
	a.checkReach(client.AuthURL)
	return a, nil
}

// URL is the Kantata sign-in page; show it so the user can copy it when no
// browser opened.
func (a *Authorization) URL() string { return a.flow.URL() }

// RedirectURI is the callback URL the sign-in waits on.
func (a *Authorization) RedirectURI() string { return a.flow.RedirectURI() }

// ShowsCode reports whether Kantata shows this sign-in's code for the user
// to paste (oauth.CallbackCode) instead of sending the browser back.
func (a *Authorization) ShowsCode() bool { return a.callback == oauth.CallbackCode }

// OpenError is why the browser did not open, or nil.
func (a *Authorization) OpenError() error { return a.flow.OpenError() }

// Reopen opens the sign-in page in the browser again.
func (a *Authorization) Reopen() error { return a.flow.Reopen() }

// Cancel stops waiting and frees the callback port. Safe from any goroutine.
func (a *Authorization) Cancel() { a.flow.Cancel() }

// Complete finishes the sign-in with the address the browser ended on, when
// the browser could not reach this computer (remote desktop, SSH, security
// software) and the user pasted the address from it. It goes the way the
// browser's callback goes (oauth.Flow.Complete): nil means the sign-in took
// it, and Wait gives the outcome, recorded as for any sign-in. An error says
// in plain words why the address was not used (not such an address, another
// callback URL, another sign-in, or not waiting any more); the sign-in goes
// on waiting and nothing is recorded. Neither ever quotes the code. Safe
// from any goroutine.
func (a *Authorization) Complete(pasted string) error { return a.flow.Complete(pasted) }

// Wait waits for the browser, keeps the token in the keychain, asks Kantata who
// the token belongs to and how many projects that user sees, and records the
// outcome with the connection. A canceled sign-in leaves the connection as it
// was.
func (a *Authorization) Wait(ctx context.Context) (store.Connection, error) {
	tok, err := a.flow.Wait(ctx)
	if err != nil {
		if a.conn.Status == store.StatusAuthorized {
			// The working token was not touched: a new sign-in that did not
			// finish takes nothing away from the connection.
			err = &StillAuthorizedError{Name: a.conn.Name, Who: IdentityText(a.conn), Err: err}
			if oauth.KindOf(err) == oauth.KindCanceled {
				return a.conn, err
			}
			conn, uerr := a.svc.record(a.conn, a.timings(0))
			return conn, errors.Join(err, uerr)
		}
		if oauth.KindOf(err) == oauth.KindCanceled {
			return a.conn, err
		}
		status := store.StatusFailed
		if oauth.KindOf(err) == oauth.KindDenied && a.conn.Status == store.StatusNeverAuthorized {
			// A choice, not a failure: still not authorized, with why.
			status = store.StatusNeverAuthorized
		}
		return a.svc.recordFailure(a.conn, status, false, err, a.timings(0))
	}
	if err := a.svc.Store.SaveToken(a.conn.ID, store.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken}); err != nil {
		err = fmt.Errorf("keep the token of %q: %w", a.conn.Name, err)
		return a.svc.recordFailure(a.conn, store.StatusFailed, false, err, a.timings(0))
	}
	authorizedAt := a.svc.now()
	checkStart := time.Now()
	id, err := a.svc.checker(a.api).Me(ctx, tok.AccessToken)
	recordTimings := a.timings(time.Since(checkStart))
	if kantata.IsRejected(err) {
		return a.svc.recordFailure(a.conn, store.StatusFailed, true, err, recordTimings)
	}
	// A count from before belongs to the token this sign-in replaced, maybe
	// another user's: it is replaced, or dropped when none is taken (the
	// user unknown, or the count canceled).
	var projects *store.ProjectCount
	if err == nil {
		projects, _ = a.svc.countProjects(ctx, a.api, tok.AccessToken)
	}
	conn, uerr := a.svc.record(a.conn, func(c *store.Connection) {
		recordTimings(c)
		c.Status = store.StatusAuthorized
		c.LastAuthorizedAt = &authorizedAt
		c.LastError, c.LastErrorDetail = "", ""
		c.Projects = projects
		if err != nil {
			// Signed in, but Kantata's API could not say who as: the
			// authorization stands; the note says why no name shows.
			c.Identity = nil
			c.LastError, c.LastErrorDetail = Explain(fmt.Errorf("signed in, but could not check the Kantata user: %w", err))
			return
		}
		c.Identity = identity(id)
		c.LastTestedAt = &authorizedAt
		c.AuthorizedWith = "" // a sign-in's token now
	})
	return conn, uerr
}

// AuthorizeWithToken authorizes a saved connection with a token pasted
// from Kantata's application page ("Show your OAuth Token"), instead of a
// sign-in: the token is checked with users/me at the client's API address
// first, and kept (keychain only) only when Kantata accepts it. The
// connection then works as any other and is marked
// store.AuthorizedWithPersonalToken. A refused token stores nothing.
func (s *Service) AuthorizeWithToken(ctx context.Context, connectionID, token string) (store.Connection, error) {
	conn, client, err := s.connectionAndClient(connectionID)
	if err != nil {
		return store.Connection{}, err
	}
	token = strings.TrimSpace(token)
	if err := store.CheckSecretSize(store.AccessTokenKey(conn.ID), token); err != nil {
		return conn, &TokenRefusedError{Name: conn.Name, Err: err}
	}
	checkedAt := s.now()
	checkStart := time.Now()
	id, err := s.checker(client.APIBaseURL).Me(ctx, token)
	if err != nil {
		if kantata.KindOf(err) == kantata.KindCanceled {
			return conn, err
		}
		return conn, &TokenRefusedError{Name: conn.Name, Err: err}
	}
	timings := store.TestTimings{At: checkedAt, IdentityCheck: time.Since(checkStart)}
	if err := s.Store.SaveToken(conn.ID, store.Token{AccessToken: token}); err != nil {
		return conn, fmt.Errorf("keep the token of %q: %w", conn.Name, err)
	}
	projects, _ := s.countProjects(ctx, client.APIBaseURL, token)
	return s.record(conn, func(c *store.Connection) {
		c.Status = store.StatusAuthorized
		c.Identity = identity(id)
		c.LastAuthorizedAt, c.LastTestedAt = &checkedAt, &checkedAt
		c.LastTestTimings = &timings
		c.LastError, c.LastErrorDetail = "", ""
		c.AuthorizedWith = store.AuthorizedWithPersonalToken
		c.Projects = projects
	})
}

// TokenRefusedError: a pasted token that was not kept, because Kantata
// refused it or it could not be checked. Nothing was stored.
type TokenRefusedError struct {
	Name string // the connection
	Err  error
}

func (e *TokenRefusedError) Error() string {
	return fmt.Sprintf("token for %q not kept: %v", e.Name, e.Err)
}
func (e *TokenRefusedError) Unwrap() error { return e.Err }
func (e *TokenRefusedError) UserMessage() string {
	if kantata.KindOf(e.Err) == kantata.KindInvalidInput || errors.Is(e.Err, store.ErrTooLarge) {
		return "That is not a token Kantata shows, so nothing was stored. Copy the whole token from the page of " +
			"this client's application in Kantata (Show your OAuth Token), and nothing else."
	}
	if kantata.IsRejected(e.Err) {
		return "Kantata did not accept that token, so nothing was stored. Copy it again from the page of this " +
			"client's application in Kantata (Show your OAuth Token)."
	}
	msg, _ := Explain(e.Err)
	return "The token could not be checked with Kantata, so nothing was stored. " + msg
}
func (e *TokenRefusedError) TechnicalDetail() string {
	_, detail := Explain(e.Err)
	return detail
}

// timings records how long the sign-in's steps took; identityCheck is 0
// when the sign-in ended before the identity check.
func (a *Authorization) timings(identityCheck time.Duration) func(*store.Connection) {
	browserWait, exchange := a.flow.Timings()
	t := store.SignInTimings{At: a.svc.now(), BrowserWait: browserWait, TokenExchange: exchange, IdentityCheck: identityCheck}
	return func(c *store.Connection) { c.LastSignInTimings = &t }
}

// Authorize runs a whole sign-in; started, when set, receives it as soon as the
// browser is open so the caller can show its URL or cancel it.
func (s *Service) Authorize(ctx context.Context, connectionID string, opts AuthorizeOptions, started func(*Authorization)) (store.Connection, error) {
	a, err := s.StartAuthorize(ctx, connectionID, opts)
	if err != nil {
		return store.Connection{}, err
	}
	if started != nil {
		started(a)
	}
	return a.Wait(ctx)
}

// SecretNeededError: the connection's client was saved without its secret
// (imported with none given); it must be entered before a sign-in.
type SecretNeededError struct{ Client string }

func (e *SecretNeededError) Error() string {
	return fmt.Sprintf("client %q has no secret yet", e.Client)
}
func (e *SecretNeededError) UserMessage() string {
	return fmt.Sprintf("The OAuth 2.0 client “%s” has no secret yet: it was imported without one. Enter its secret first.", e.Client)
}
func (e *SecretNeededError) TechnicalDetail() string {
	return e.Error() + " (secret_needed in the records)"
}

// StillAuthorizedError is a new sign-in of an authorized connection that did
// not finish (denied, canceled, timed out, refused by the token endpoint):
// the connection keeps its working authorization. It unwraps to why.
type StillAuthorizedError struct {
	Name string // the connection
	Who  string // IdentityText of the user it still works as; "" when unknown
	Err  error
}

func (e *StillAuthorizedError) Error() string {
	return fmt.Sprintf("new sign-in of %q did not finish; it keeps its authorization: %v", e.Name, e.Err)
}
func (e *StillAuthorizedError) Unwrap() error { return e.Err }
func (e *StillAuthorizedError) UserMessage() string {
	msg, _ := Explain(e.Err)
	still := fmt.Sprintf("The new sign-in did not finish, so nothing changed: “%s” still works", e.Name)
	if e.Who != "" {
		still += " as " + e.Who
	}
	return msg + " " + still + "."
}
func (e *StillAuthorizedError) TechnicalDetail() string {
	_, detail := Explain(e.Err)
	return detail
}

// ErrNotAuthorized means a connection has no token to test yet.
var ErrNotAuthorized = errors.New("connection not authorized yet")

// NotAuthorizedError says which connection has no token to test: never
// authorized, or (NeedsSignIn) its token may not be sent anywhere until it
// is authorized again — its client's settings changed, or Kantata refused
// it. Why is the connection's note on the reason, when it has one.
type NotAuthorizedError struct {
	Name        string
	NeedsSignIn bool
	Why         string
}

func (e *NotAuthorizedError) Error() string {
	if e.NeedsSignIn {
		return fmt.Sprintf("connection %q needs re-authorization; its token is sent nowhere", e.Name)
	}
	return fmt.Sprintf("connection %q has no token", e.Name)
}
func (e *NotAuthorizedError) Is(target error) bool { return target == ErrNotAuthorized }
func (e *NotAuthorizedError) UserMessage() string {
	if !e.NeedsSignIn {
		return fmt.Sprintf("“%s” is not authorized yet.", e.Name)
	}
	msg := fmt.Sprintf("“%s” needs a new sign-in, so it was not tested: Kantata Connect asks nobody anything with its "+
		"old authorization.", e.Name)
	if e.Why != "" {
		msg += " " + e.Why
	}
	return msg
}
func (e *NotAuthorizedError) TechnicalDetail() string {
	if e.NeedsSignIn {
		return e.Error() + " (status needs_reauthorization)"
	}
	return e.Error() + " in the keychain"
}

// notTestable is why conn is not tested at all, or nil: never authorized,
// or needing a new sign-in, whose token goes nowhere — it may have been
// issued for endpoints the client no longer names.
func notTestable(conn store.Connection) error {
	switch conn.Status {
	case store.StatusNeverAuthorized:
		return &NotAuthorizedError{Name: conn.Name}
	case store.StatusNeedsReauth:
		return &NotAuthorizedError{Name: conn.Name, NeedsSignIn: true, Why: conn.LastError}
	}
	return nil
}

// Test asks Kantata which user the connection's token belongs to and records
// the answer: authorized as that user, needs re-authorization when Kantata
// rejects the token, or failed with the reason. A connection that needs
// re-authorization is not tested (NotAuthorizedError with NeedsSignIn):
// its token goes only to the endpoints it was issued with, and its
// client's may have changed since. When the user is known it
// then counts the projects that user sees (Connection.Projects); a count
// that fails is kept with its reason and the test still passes. A canceled
// test leaves the connection as it was.
func (s *Service) Test(ctx context.Context, connectionID string) (store.Connection, error) {
	conn, client, err := s.connectionAndClient(connectionID)
	if err != nil {
		return store.Connection{}, err
	}
	if conn.Status == store.StatusNeedsReauth {
		return conn, notTestable(conn)
	}
	tok, err := s.Store.Token(conn.ID)
	if errors.Is(err, store.ErrNotFound) {
		return conn, &NotAuthorizedError{Name: conn.Name}
	}
	if err != nil {
		return conn, fmt.Errorf("read the token of %q: %w", conn.Name, err)
	}
	testedAt := s.now()
	checkStart := time.Now()
	id, err := s.checker(client.APIBaseURL).Me(ctx, tok.AccessToken)
	timings := store.TestTimings{At: testedAt, IdentityCheck: time.Since(checkStart)}
	if kantata.KindOf(err) == kantata.KindCanceled {
		// Nothing was learned about the connection: leave it as it was.
		return conn, fmt.Errorf("test %q: %w", conn.Name, err)
	}
	if err != nil {
		status := store.StatusFailed
		if kantata.IsRejected(err) {
			status = store.StatusNeedsReauth
		}
		conn, uerr := s.record(conn, func(c *store.Connection) {
			c.Status = status
			c.LastTestedAt = &testedAt
			c.LastTestTimings = &timings
			c.LastError, c.LastErrorDetail = Explain(err)
		})
		return conn, errors.Join(fmt.Errorf("test %q: %w", conn.Name, err), uerr)
	}
	projects, err := s.countProjects(ctx, client.APIBaseURL, tok.AccessToken)
	if err != nil {
		return conn, fmt.Errorf("test %q: %w", conn.Name, err) // canceled
	}
	conn, err = s.record(conn, func(c *store.Connection) {
		c.Status = store.StatusAuthorized
		c.Identity = identity(id)
		c.LastTestedAt = &testedAt
		c.LastTestTimings = &timings
		c.LastError, c.LastErrorDetail = "", ""
		c.Projects = projects
	})
	return conn, err
}

// countProjects asks Kantata how many projects the token's user sees. A
// count that fails is an outcome like any other, kept in its plain words; the
// error is only for a canceled count, which learned nothing.
func (s *Service) countProjects(ctx context.Context, apiBaseURL, accessToken string) (*store.ProjectCount, error) {
	p := &store.ProjectCount{At: s.now()}
	start := time.Now()
	n, err := s.checker(apiBaseURL).ProjectCount(ctx, accessToken)
	p.Took = time.Since(start)
	switch {
	case kantata.KindOf(err) == kantata.KindCanceled:
		return nil, err
	case err != nil:
		p.Error, p.ErrorDetail = Explain(err)
	default:
		p.Visible = &n
	}
	return p, nil
}

// recordFailure keeps err's plain words with the connection and returns err;
// also are further changes to record with them.
func (s *Service) recordFailure(conn store.Connection, status store.Status, tested bool, err error, also ...func(*store.Connection)) (store.Connection, error) {
	at := s.now()
	conn, uerr := s.record(conn, func(c *store.Connection) {
		for _, change := range also {
			change(c)
		}
		c.Status = status
		if tested {
			c.LastTestedAt = &at
		}
		c.LastError, c.LastErrorDetail = Explain(err)
	})
	return conn, errors.Join(err, uerr)
}

// record applies change to the saved connection. When the records cannot be
// written (read-only, disk full) the caller still gets the outcome, applied to
// its own copy, with the reason it was not kept.
func (s *Service) record(conn store.Connection, change func(*store.Connection)) (store.Connection, error) {
	saved, err := s.Store.RecordOutcome(conn.ID, change)
	if err != nil {
		change(&conn)
		return conn, err
	}
	return saved, nil
}

func (s *Service) connectionAndClient(connectionID string) (store.Connection, store.Client, error) {
	// Another instance may have changed or deleted the connection since this
	// one loaded it: a reload is one stat when nothing changed. If it fails
	// the records in memory still serve; a write would report the cause.
	_ = s.Store.Reload()
	conn, ok := s.Store.Connection(connectionID)
	if !ok {
		return conn, store.Client{}, &store.NotFoundError{Kind: "connection", ID: connectionID}
	}
	client, ok := s.Store.Client(conn.ClientRef)
	if !ok {
		return conn, client, &store.NotFoundError{Kind: "client", ID: conn.ClientRef}
	}
	// The rules hold when a client is used, not only when it is saved: a
	// records file edited by hand, or written by an older version, must
	// not send a secret or token where they would refuse it.
	if _, err := store.NormalizeClient(client.ClientSettings); err != nil {
		return conn, client, fmt.Errorf("client %q: %w", client.Name, err)
	}
	return conn, client, nil
}

func (s *Service) checker(apiBaseURL string) kantata.Checker {
	return kantata.Checker{APIBaseURL: apiBaseURL, HTTPClient: s.HTTPClient, Backoff: s.Backoff}
}

func identity(id kantata.Identity) *store.Identity {
	return &store.Identity{UserID: id.UserID, FullName: id.FullName, Email: id.Email}
}
