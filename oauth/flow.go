package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/oauth2"
)

// Flow is one sign-in in progress: a loopback listener waiting for the
// browser's callback, or (CallbackCode) a wait for the code the server
// shows, pasted through Complete, or (CallbackAppLink) a wait for the
// address of the app's own link, handed over (package handover) or pasted
// through Complete. Start one with Start, finish it with Wait
// or Cancel.
type Flow struct {
	cfg         Config
	redirectURI string
	host        string // 127.0.0.1:PORT, the only Host the callback answers
	oc          *oauth2.Config
	state       string
	verifier    string // "" when PKCE is disabled
	authURL     string
	open        Opener

	ln  net.Listener // nil for CallbackCode and CallbackAppLink
	srv *http.Server // nil for CallbackCode and CallbackAppLink

	flowCtx context.Context // done when canceled (Cancel, Wait's or Start's ctx)
	cancel  context.CancelFunc

	callbacks chan *callback // the one accepted callback, to run

	mu       sync.Mutex
	openErr  error
	accepted bool // a callback with the right state was taken

	// Timings, guarded by mu, for support staff's diagnostics: when the
	// listener was ready, when the callback arrived, how long the token
	// request took.
	readyAt     time.Time
	callbackAt  time.Time
	exchangeDur time.Duration

	done chan struct{} // closed once the listener is closed and tok/err are set
	tok  Token
	err  error
}

// callback is a request, or a pasted address, that carried the right state.
type callback struct {
	code, errCode, errDesc string
	reply                  chan error    // buffered: the outcome, for the page
	written                chan struct{} // closed once the page is on the wire (at once when pasted: no page)
}

// pageWait bounds how long the callback handler waits for the exchange
// beyond its own timeout before it shows a neutral page.
const pageWait = 5 * time.Second

// shutdownWait bounds the wait for the outcome page to be written.
const shutdownWait = 2 * time.Second

// Start checks cfg, binds the callback port on 127.0.0.1 (not for
// CallbackCode: the code comes pasted), builds the authorization URL with a
// fresh state and PKCE challenge, serves the callback and calls open with
// the URL (a nil open opens nothing). A failing opener does not fail Start:
// see OpenError, URL and Reopen.
//
// ctx bounds the whole sign-in, not only Start: canceling it cancels the flow.
// Config.Timeout counts from Start. The opener runs before Start returns
// (SystemOpener may take up to 3 seconds), so call Start off a UI thread.
func Start(ctx context.Context, cfg Config, open Opener) (*Flow, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, canceledError(err)
	}
	f := &Flow{
		cfg:         cfg,
		redirectURI: cfg.RedirectURI(),
		state:       randomString(32), // 256 bits
		open:        open,
		callbacks:   make(chan *callback),
		done:        make(chan struct{}),
	}
	if cfg.Callback == CallbackLoopback {
		if err := f.listen(); err != nil {
			return nil, err
		}
	}
	style := oauth2.AuthStyleInParams
	if cfg.ClientAuth == ClientAuthBasic {
		style = oauth2.AuthStyleInHeader
	}
	f.oc = &oauth2.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: cfg.AuthURL, TokenURL: cfg.TokenURL, AuthStyle: style},
		RedirectURL:  f.redirectURI,
		Scopes:       cfg.Scopes,
	}
	var opts []oauth2.AuthCodeOption
	if !cfg.DisablePKCE {
		f.verifier = oauth2.GenerateVerifier()
		opts = append(opts, oauth2.S256ChallengeOption(f.verifier))
	}
	f.authURL = f.oc.AuthCodeURL(f.state, opts...)
	f.flowCtx, f.cancel = context.WithCancel(ctx)

	f.readyAt = time.Now() // before run starts: no lock needed yet
	if f.srv != nil {
		go f.srv.Serve(f.ln)
	}
	go f.run()

	if open != nil {
		err := open(f.authURL)
		f.mu.Lock()
		f.openErr = err
		f.mu.Unlock()
	}
	return f, nil
}

// listen binds the callback port on 127.0.0.1 and sets up the callback's
// server (not yet serving).
func (f *Flow) listen() error {
	port := f.cfg.RedirectPort
	if !reservePort(port) {
		return alreadyWaitingError(port)
	}
	// Loopback only: nothing else on the network can reach the callback.
	ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		releasePort(port)
		if addrInUse(err) {
			return portInUseError(port, err)
		}
		return portUnavailableError(port, err)
	}
	f.ln, f.host = ln, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	f.srv = &http.Server{
		Handler:           http.HandlerFunc(f.serveCallback),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// net/http's own log lines could carry request details: drop them.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	// One request per connection, so closing the server frees the port at once.
	f.srv.SetKeepAlivesEnabled(false)
	return nil
}

// Run is Start followed by Wait.
func Run(ctx context.Context, cfg Config, open Opener) (Token, error) {
	f, err := Start(ctx, cfg, open)
	if err != nil {
		return Token{}, err
	}
	return f.Wait(ctx)
}

// URL is the authorization URL, for the user to copy when no browser opened.
func (f *Flow) URL() string { return f.authURL }

// RedirectURI is the callback URL this flow listens on.
func (f *Flow) RedirectURI() string { return f.redirectURI }

// Deadline is when the sign-in stops waiting: Config.Timeout (or its
// default for the callback kind) after Start began to wait.
func (f *Flow) Deadline() time.Time { return f.readyAt.Add(f.cfg.Timeout) }

// OpenError is the error of the last attempt to open the browser, if any.
func (f *Flow) OpenError() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.openErr
}

// Reopen calls the opener again ("Open browser again").
func (f *Flow) Reopen() error {
	select {
	case <-f.done:
		return ErrEnded
	default:
	}
	if f.open == nil {
		return errors.New("oauth: this sign-in has no browser opener")
	}
	err := f.open(f.authURL)
	f.mu.Lock()
	f.openErr = err
	f.mu.Unlock()
	return err
}

// Done is closed when the sign-in has ended and its listener is closed.
func (f *Flow) Done() <-chan struct{} { return f.done }

// Wait waits for the callback and the token exchange. It returns early with
// KindCanceled when ctx is done or Cancel is called, and with KindTimeout
// once Config.Timeout has passed since Start. The listener is closed when Wait returns. Later
// calls return the same outcome.
func (f *Flow) Wait(ctx context.Context) (Token, error) {
	select {
	case <-f.done:
	case <-ctx.Done():
		f.cancel()
		<-f.done
	}
	return f.tok, f.err
}

// Cancel ends the sign-in; Wait returns KindCanceled. It is safe to call
// from any goroutine, any number of times, also after the end.
func (f *Flow) Cancel() { f.cancel() }

// run waits for the one callback with the right state, the cancel or the
// timeout, then closes the listener and frees the port. A pasted code that
// the server refuses as invalid_grant (mistyped, cut short, expired) does
// not end a CallbackCode sign-in: the user may paste another.
func (f *Flow) run() {
	timer := time.NewTimer(f.cfg.Timeout)
	defer timer.Stop()
	var tok Token
	var err error
wait:
	for {
		select {
		case cb := <-f.callbacks:
			f.mu.Lock()
			f.callbackAt = time.Now()
			f.mu.Unlock()
			tok, err = f.complete(cb)
			if f.cfg.Callback == CallbackCode && KindOf(err) == KindInvalidGrant && f.flowCtx.Err() == nil {
				f.mu.Lock()
				f.accepted = false // the slot is free for the next code
				f.mu.Unlock()
				cb.reply <- &retryError{err}
				continue
			}
			cb.reply <- err
			// Let the browser get its page before the connections close.
			page := time.NewTimer(shutdownWait)
			select {
			case <-cb.written:
			case <-page.C:
			}
			page.Stop()
			break wait
		case <-f.flowCtx.Done():
			tok, err = Token{}, canceledError(f.flowCtx.Err())
			break wait
		case <-timer.C:
			tok, err = Token{}, timeoutError(f.cfg.Timeout, f.cfg.Callback, f.redirectURI)
			break wait
		}
	}
	f.cancel()

	if f.srv != nil {
		// Close, not Shutdown: Shutdown waits up to 5s for connections a
		// browser opened speculatively and never used. The page that
		// matters is written.
		f.srv.Close()
		// Serve may not have picked up the listener yet (an early
		// cancel), and then it closes it only later, in its own
		// goroutine: close it here so the port is free when Wait returns.
		f.ln.Close()
		releasePort(f.cfg.RedirectPort)
	}

	f.tok, f.err = tok, err
	close(f.done)
}

// retryError carries a refused code back to Complete while a CallbackCode
// sign-in goes on waiting.
type retryError struct{ err error }

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// complete turns the accepted callback into a token or an error.
func (f *Flow) complete(cb *callback) (Token, error) {
	if cb.errCode != "" {
		return Token{}, callbackError(cb.errCode, cb.errDesc, f.redirectURI, f.cfg.Provider.registered(), f.secrets(cb.code))
	}
	if cb.code == "" {
		return Token{}, missingCodeError()
	}
	start := time.Now()
	tok, err := f.exchange(f.flowCtx, cb.code)
	f.mu.Lock()
	f.exchangeDur = time.Since(start)
	f.mu.Unlock()
	return tok, err
}

// Timings says how long the user's browser took, from the listener being
// ready (just before the opener runs) to the callback arriving, and how long
// the token request took. Each is 0 until that step has happened: no
// callback yet, or a callback that carried an error instead of a code.
func (f *Flow) Timings() (browserWait, exchange time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.callbackAt.IsZero() {
		browserWait = f.callbackAt.Sub(f.readyAt)
	}
	return browserWait, f.exchangeDur
}

// serveCallback is the callback handler. Requests that are not the callback with
// this flow's state get an error page and change nothing: anything on this
// machine can reach the port, and a stray or forged request must not end the
// sign-in. The page for the real callback waits for the exchange, so the
// browser tells the real outcome.
//
// Only a request for 127.0.0.1:PORT, the address of the callback URL, is
// looked at. A web page served under another name that resolves to
// 127.0.0.1 (DNS rebinding) reaches this port too, with its own name in
// Host: it gets 421 Misdirected Request, before the path or the state is
// looked at, and the sign-in goes on waiting.
func (f *Flow) serveCallback(w http.ResponseWriter, r *http.Request) {
	if r.Host != f.host {
		writeFailure(w, http.StatusMisdirectedRequest, failureData{
			Heading: "Wrong address",
			Message: "This request was not sent to the address of a Kantata Connect sign-in, so it was ignored.",
		})
		return
	}
	if r.URL.Path != CallbackPath {
		writeFailure(w, http.StatusNotFound, failureData{
			Heading: "Page not found",
			Message: "This address is not part of a Kantata Connect sign-in.",
		})
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeFailure(w, http.StatusMethodNotAllowed, failureData{
			Heading: "Not a sign-in",
			Message: "This address only accepts the browser's return from Kantata.",
		})
		return
	}
	cb, v := f.deliver(r.URL.Query(), make(chan struct{}), r.Context().Done())
	switch v {
	case wrongState:
		writeFailure(w, http.StatusBadRequest, failureData{
			Heading: "Not the sign-in Kantata Connect is waiting for",
			Message: "This link does not belong to the sign-in in progress (it may be old or copied from elsewhere), so it was ignored.",
			Next:    "Return to Kantata Connect and sign in from the page it opened, or have it open that page again.",
		})
		return
	case alreadyTaken:
		writeFailure(w, http.StatusBadRequest, failureData{
			Heading: "Already used",
			Message: "This sign-in link was already used.",
			Next:    "Return to Kantata Connect to see the result.",
		})
		return
	case ended:
		writeEnded(w, f.err)
		return
	case gone:
		return
	}
	defer close(cb.written)

	wait := time.NewTimer(f.cfg.ExchangeTimeout + pageWait)
	defer wait.Stop()
	select {
	case err := <-cb.reply:
		if err == nil {
			writeSuccess(w)
			return
		}
		writeEnded(w, err)
	case <-wait.C:
		writeFailure(w, http.StatusOK, failureData{
			Heading: "Still finishing",
			Message: "Kantata Connect is still finishing the sign-in.",
			Next:    "Return to Kantata Connect to see the result; you can close this tab.",
		})
	case <-r.Context().Done():
	}
}

// verdict is what became of a callback handed to deliver.
type verdict int

const (
	taken        verdict = iota // the flow took it: its outcome follows on cb.reply
	wrongState                  // not this flow's state: ignored
	alreadyTaken                // a callback with the right state was taken before
	ended                       // the flow ended before it could take it
	gone                        // the sender went away before the flow took it
)

// deliver is the one way into the sign-in, for the browser's callback and a
// pasted address alike: it checks q's state against this flow's, takes the
// flow's one callback slot, so that a code is exchanged at most once however
// many arrive at the same time, and hands the callback to run. written is
// closed by the caller once the outcome is shown (run waits a little for
// it, so the browser gets its page before the listener closes). When
// giveUp is closed before run takes the callback, the slot is freed again
// (a browser that went away may reload).
func (f *Flow) deliver(q url.Values, written chan struct{}, giveUp <-chan struct{}) (*callback, verdict) {
	// A code the server shows comes back without the state (Doorkeeper's
	// out-of-band page has none): PKCE is what binds it to this sign-in.
	if f.cfg.Callback != CallbackCode && subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.state)) != 1 {
		return nil, wrongState
	}
	if f.flowCtx.Err() != nil {
		// Canceled or timed out: run is ending the flow, and would pick
		// between this callback and the cancel at random.
		<-f.done
		return nil, ended
	}
	f.mu.Lock()
	already := f.accepted
	f.accepted = true
	f.mu.Unlock()
	if already {
		return nil, alreadyTaken
	}
	cb := &callback{code: q.Get("code"), errCode: q.Get("error"), errDesc: q.Get("error_description"),
		reply: make(chan error, 1), written: written}
	select {
	case f.callbacks <- cb:
		return cb, taken
	case <-f.done:
		return nil, ended
	case <-giveUp:
		f.mu.Lock()
		f.accepted = false
		f.mu.Unlock()
		return nil, gone
	}
}

// writeEnded shows why the sign-in failed, in the words the app shows too.
func writeEnded(w http.ResponseWriter, err error) {
	d := failureData{Heading: "Sign-in failed", Message: "The sign-in did not succeed.",
		Next: "Return to Kantata Connect for the details; you can close this tab."}
	var e *Error
	if errors.As(err, &e) {
		d.Message = e.UserMessage()
		switch e.Kind {
		case KindDenied:
			d.Heading = "Not authorized"
		case KindCanceled:
			d.Heading = "Sign-in canceled"
		}
	}
	writeFailure(w, http.StatusOK, d)
}

// Process-wide registry of callback ports with a sign-in waiting, so a second
// sign-in on the same port fails clearly instead of racing for the callback.
var ports = struct {
	sync.Mutex
	m map[int]bool
}{m: map[int]bool{}}

func reservePort(port int) bool {
	ports.Lock()
	defer ports.Unlock()
	if ports.m[port] {
		return false
	}
	ports.m[port] = true
	return true
}

func releasePort(port int) {
	ports.Lock()
	delete(ports.m, port)
	ports.Unlock()
}

// addrInUse recognises EADDRINUSE, and WSAEADDRINUSE (10048) on Windows.
func addrInUse(err error) bool {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno == syscall.EADDRINUSE || errno == 10048
	}
	return false
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (Go ≥ 1.24 crashes the program instead)
	return base64.RawURLEncoding.EncodeToString(b)
}
