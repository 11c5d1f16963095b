// Package browsertest drives one real headless Chromium (through chromedp)
// for tests: it opens an authorization URL, clicks Authorize or Deny the way
// a user would, and reports the text of the page the browser ends on, or,
// for a browser that cannot reach the app's callback, the address it ends
// on.
//
// It is a normal (non-_test) package so other packages' tests can import it;
// nothing outside tests should.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	neturl "net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// DefaultExecPath is where Debian's chromium package puts the browser.
const DefaultExecPath = "/usr/bin/chromium"

// Hang guards. They bound how long a broken run waits; no test asserts on them.
const (
	startTimeout  = 60 * time.Second
	actionTimeout = 30 * time.Second
	resultTimeout = 90 * time.Second
)

// Browser is one headless Chromium. Each action runs in its own tab, so
// actions may run concurrently.
type Browser struct {
	ctx    context.Context // the browser's root chromedp context
	cancel context.CancelFunc

	wg      sync.WaitGroup // running opener actions
	mu      sync.Mutex
	last    *pending
	opened  []string
	closing bool
}

type pending struct {
	done chan struct{}
	text string
	err  error
}

// ExecPath returns the Chromium binary the tests use: $CHROMIUM_PATH if set,
// else DefaultExecPath.
func ExecPath() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	return DefaultExecPath
}

// New starts one headless Chromium with a fresh profile; t.Cleanup closes it.
// A missing browser fails the test (never skips it).
func New(t testing.TB) *Browser {
	t.Helper()
	b, err := Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// ErrNoChromium says Chromium is not installed, and how to install it.
var ErrNoChromium = errors.New("chromium not found: install it with apt-get install -y chromium")

// Start starts one headless Chromium with its profile in userDataDir, outside
// a test (for the authorize-in-chromium command); the caller stops it with
// Close. It returns ErrNoChromium when the browser is missing.
func Start(userDataDir string) (*Browser, error) { return StartWith(userDataDir, Options{}) }

// Options are how a browser reaches a stand-in Kantata that only a test
// proxy leads to (package forwardproxy), with a certificate of a test's own
// authority.
type Options struct {
	// ProxyServer is the proxy for every address but loopback
	// ("http://127.0.0.1:PORT"); "" means none.
	ProxyServer string
	// IgnoreCertificateErrors: accept any certificate, as a test browser
	// may: what is tested is the app's trust, not the browser's.
	IgnoreCertificateErrors bool
}

// StartWith is Start with opts.
func StartWith(userDataDir string, opts Options) (*Browser, error) {
	path := ExecPath()
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		return nil, fmt.Errorf("%w (looked for %s)", ErrNoChromium, path)
	}
	args := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in a container
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(userDataDir),
	)
	if opts.ProxyServer != "" {
		args = append(args, chromedp.ProxyServer(opts.ProxyServer))
	}
	if opts.IgnoreCertificateErrors {
		args = append(args, chromedp.Flag("ignore-certificate-errors", true))
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), args...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &Browser{ctx: ctx, cancel: func() { cancel(); allocCancel() }}

	// The first Run starts the browser and binds its life to ctx, so it
	// cannot carry a timeout itself: guard it from outside.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			b.cancel()
			return nil, fmt.Errorf("start chromium %s: %w", path, err)
		}
	case <-time.After(startTimeout):
		b.cancel()
		return nil, fmt.Errorf("start chromium %s: no answer after %v", path, startTimeout)
	}
	return b, nil
}

// Close stops the browser after its running opener actions end (they end
// quickly: closing the browser fails them). Idempotent.
func (b *Browser) Close() {
	b.mu.Lock()
	if b.closing {
		b.mu.Unlock()
		return
	}
	b.closing = true
	b.mu.Unlock()
	b.cancel()
	b.wg.Wait()
}

// Authorize opens url in a new tab, clicks the #authorize button and returns
// the text of the page the browser ends on (usually the app's callback page).
func (b *Browser) Authorize(url string) (string, error) { return b.clickThrough(url, "authorize") }

// Deny is Authorize clicking #deny instead.
func (b *Browser) Deny(url string) (string, error) { return b.clickThrough(url, "deny") }

// Visit opens url in a new tab and returns the page's body text.
func (b *Browser) Visit(url string) (string, error) {
	ctx, done := b.tab()
	defer done()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return "", fmt.Errorf("browsertest: open %s: %w", url, err)
	}
	return bodyText(ctx)
}

func (b *Browser) clickThrough(url, buttonID string) (string, error) {
	ctx, done := b.tab()
	defer done()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return "", fmt.Errorf("browsertest: open %s: %w", url, err)
	}
	if text, err := hasButton(ctx, url, buttonID); err != nil {
		return text, err
	}
	// RunResponse returns once the navigation the click starts (form POST,
	// redirect to the callback) has loaded.
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID(buttonID))); err != nil {
		text, _ := bodyText(ctx)
		return text, fmt.Errorf("browsertest: click #%s: %w", buttonID, err)
	}
	return bodyText(ctx)
}

// AuthorizeShownCode is Authorize for a sign-in whose redirect URI is the
// out-of-band one: after the click the server shows the code on a page of
// its own (Doorkeeper's "Authorization code: …"). It returns what a user
// copies from there: the address the browser ended on, and the code the
// page shows in #authorization_code.
func (b *Browser) AuthorizeShownCode(url string) (pageURL, code string, err error) {
	ctx, done := b.tab()
	defer done()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return "", "", fmt.Errorf("browsertest: open %s: %w", url, err)
	}
	if text, err := hasButton(ctx, url, "authorize"); err != nil {
		return "", "", fmt.Errorf("%w: %s", err, text)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("authorize"))); err != nil {
		return "", "", fmt.Errorf("browsertest: click #authorize: %w", err)
	}
	if pageURL, err = chromedp.Run(ctx, chromedp.Location()); err != nil {
		return "", "", fmt.Errorf("browsertest: read the address the browser ended on: %w", err)
	}
	code, err = chromedp.Run(ctx, chromedp.Evaluate[string](
		`(document.getElementById("authorization_code") || {innerText: ""}).innerText`))
	if err != nil || strings.TrimSpace(code) == "" {
		text, _ := bodyText(ctx)
		return "", "", fmt.Errorf("browsertest: no code on the page at %s (%v): %s", pageURL, err, text)
	}
	return pageURL, strings.TrimSpace(code), nil
}

// AuthorizeBlocked is Authorize for a browser that cannot reach the app's
// callback listener: a browser on another computer (remote desktop, SSH) or
// behind security software that blocks 127.0.0.1. It opens url, clicks
// #authorize, and every request to the callback URL (the redirect_uri in url)
// fails in the browser as if nothing listened there (connection refused), so
// the listener gets nothing. It returns the address the browser ended on,
// the one its address bar shows on the "can't be reached" page, which holds
// the code and state for the user to paste.
func (b *Browser) AuthorizeBlocked(url string) (string, error) {
	return b.clickBlocked(url, "authorize")
}

// DenyBlocked is AuthorizeBlocked clicking #deny: the address holds the
// error Kantata sent.
func (b *Browser) DenyBlocked(url string) (string, error) { return b.clickBlocked(url, "deny") }

func (b *Browser) clickBlocked(authURL, buttonID string) (string, error) {
	u, err := neturl.Parse(authURL)
	if err != nil {
		return "", fmt.Errorf("browsertest: parse %s: %w", authURL, err)
	}
	callback := u.Query().Get("redirect_uri")
	if callback == "" {
		return "", fmt.Errorf("browsertest: %s has no redirect_uri to block", authURL)
	}
	ctx, done := b.tab()
	defer done()
	// Only the callback is intercepted: the sign-in pages load as usual.
	pattern := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(callback) + "*"
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: pattern}}}); err != nil {
		return "", fmt.Errorf("browsertest: block %s: %w", callback, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(authURL)); err != nil {
		return "", fmt.Errorf("browsertest: open %s: %w", authURL, err)
	}
	if text, err := hasButton(ctx, authURL, buttonID); err != nil {
		return text, err
	}
	paused := chromedp.Events(ctx, fetch.RequestPaused) // subscribed before the click
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID(buttonID))); err != nil {
		text, _ := bodyText(ctx)
		return text, fmt.Errorf("browsertest: click #%s: %w", buttonID, err)
	}
	var blocked string
	for ev, err := range paused {
		if err != nil {
			return "", fmt.Errorf("browsertest: wait for the browser to go to %s: %w", callback, err)
		}
		blocked = ev.Request.URL + ev.Request.URLFragment
		if _, err := chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{
			RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionRefused}); err != nil {
			return "", fmt.Errorf("browsertest: fail the request to %s: %w", callback, err)
		}
		break
	}
	// The address bar: the page the browser ended on, once its error page
	// has taken the place of Kantata's. While it does, the tab may answer
	// that it has no page: ask again.
	last := errors.New("the address did not change")
	for {
		h, err := chromedp.Call(ctx, page.GetNavigationHistory, cdp.Empty{})
		switch {
		case err != nil:
			last = err
		case h.CurrentIndex >= 0 && int(h.CurrentIndex) < len(h.Entries) && h.Entries[h.CurrentIndex].URL == blocked:
			return h.Entries[h.CurrentIndex].URL, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("browsertest: the browser did not end on %s: %w", callback, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// hasButton fails fast with the page text when there is no #id button (an
// error page), rather than letting Click wait for it until the hang guard.
func hasButton(ctx context.Context, url, id string) (string, error) {
	present, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		fmt.Sprintf("document.getElementById(%q) !== null", id)))
	if err != nil {
		return "", fmt.Errorf("browsertest: look for #%s: %w", id, err)
	}
	if !present {
		text, _ := bodyText(ctx)
		return text, fmt.Errorf("browsertest: no #%s button on the page at %s", id, url)
	}
	return "", nil
}

// tab opens a new tab whose actions end after actionTimeout.
func (b *Browser) tab() (context.Context, func()) {
	tabCtx, tabCancel := chromedp.NewContext(b.ctx)
	ctx, cancel := context.WithTimeout(tabCtx, actionTimeout)
	return ctx, func() { cancel(); tabCancel() }
}

func bodyText(ctx context.Context) (string, error) {
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "", fmt.Errorf("browsertest: read page text: %w", err)
	}
	return text, nil
}

// Opener returns a function with the shape of oauth.Opener. Like launching a
// real browser, it returns nil at once and runs action(b, url) in the
// background; LastResult returns what the action returned.
func (b *Browser) Opener(action func(b *Browser, url string) (string, error)) func(url string) error {
	return func(url string) error {
		p := &pending{done: make(chan struct{})}
		b.mu.Lock()
		if b.closing {
			b.mu.Unlock()
			return errors.New("browsertest: browser is closed")
		}
		b.last = p
		b.opened = append(b.opened, url)
		b.wg.Add(1)
		b.mu.Unlock()
		go func() {
			defer b.wg.Done()
			defer close(p.done)
			p.text, p.err = action(b, url)
		}()
		return nil
	}
}

// LastResult waits for the action the last opener call started and returns
// its result. It is an error if no opener was called or the action hangs.
func (b *Browser) LastResult() (string, error) {
	b.mu.Lock()
	p := b.last
	b.mu.Unlock()
	if p == nil {
		return "", errors.New("browsertest: the opener was never called")
	}
	t := time.NewTimer(resultTimeout)
	defer t.Stop()
	select {
	case <-p.done:
		return p.text, p.err
	case <-t.C:
		return "", fmt.Errorf("browsertest: the browser action did not finish within %v", resultTimeout)
	}
}

// Opened returns the URLs given to openers, in call order.
func (b *Browser) Opened() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.opened...)
}

// AuthorizeAppLink is Authorize for a sign-in whose redirect URI is the
// app's own link (a private-use scheme): it opens url, clicks #authorize
// and returns the address Kantata redirects the browser to, read from the
// redirect itself. A headless Chromium can't hand such an address to a
// program, so the redirect is stopped there, as a browser with no handler
// for the scheme stops; the test then hands the address over as the
// operating system would (xdg-open).
func (b *Browser) AuthorizeAppLink(url string) (string, error) {
	u, err := neturl.Parse(url)
	if err != nil {
		return "", fmt.Errorf("browsertest: parse %s: %w", url, err)
	}
	callback := u.Query().Get("redirect_uri")
	ctx, done := b.tab()
	defer done()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return "", fmt.Errorf("browsertest: open %s: %w", url, err)
	}
	if text, err := hasButton(ctx, url, "authorize"); err != nil {
		return text, err
	}
	// The consent form posts to the authorization endpoint: its answer is
	// the redirect.
	endpoint := u.Scheme + "://" + u.Host + u.Path
	pattern := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(endpoint) + "*"
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: pattern, RequestStage: fetch.RequestStageResponse}}}); err != nil {
		return "", fmt.Errorf("browsertest: watch %s: %w", endpoint, err)
	}
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("authorize"))); err != nil {
		return "", fmt.Errorf("browsertest: click #authorize: %w", err)
	}
	for ev, err := range paused {
		if err != nil {
			return "", fmt.Errorf("browsertest: wait for the redirect to %s: %w", callback, err)
		}
		loc := header(ev.ResponseHeaders, "Location")
		if !strings.HasPrefix(loc, callback) {
			if _, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID}); err != nil {
				return "", fmt.Errorf("browsertest: let %s through: %w", ev.Request.URL, err)
			}
			continue
		}
		_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{
			RequestID: ev.RequestID, ErrorReason: network.ErrorReasonAborted})
		return loc, nil
	}
	return "", fmt.Errorf("browsertest: no redirect to %s", callback)
}

// header is the value of the named response header, or "".
func header(headers []*fetch.HeaderEntry, name string) string {
	for _, h := range headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}
