package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// callbackApp stands in for the app's loopback callback server.
type callbackApp struct {
	URL string
	mu  sync.Mutex
	got []url.Values
}

func newCallbackApp(t *testing.T) *callbackApp {
	t.Helper()
	app := &callbackApp{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		app.mu.Lock()
		app.got = append(app.got, q)
		app.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if e := q.Get("error"); e != "" {
			fmt.Fprintf(w, "<html><body><h1>Sign-in failed</h1><p>%s</p></body></html>", e)
			return
		}
		fmt.Fprint(w, "<html><body><h1>Connected</h1><p>You can close this window.</p></body></html>")
	}))
	t.Cleanup(ts.Close)
	app.URL = ts.URL + "/callback"
	return app
}

func (a *callbackApp) calls() []url.Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]url.Values(nil), a.got...)
}

func setup(t *testing.T) (*Browser, *fakekantata.Server, *callbackApp) {
	t.Helper()
	b := New(t)
	k := fakekantata.New(t)
	app := newCallbackApp(t)
	k.AddClient("cid", "secret", app.URL)
	return b, k, app
}

func authURL(k *fakekantata.Server, app *callbackApp, state string) string {
	return k.AuthURL() + "?" + url.Values{
		"client_id": {"cid"}, "response_type": {"code"}, "redirect_uri": {app.URL}, "state": {state},
	}.Encode()
}

func TestAuthorizeDeliversCode(t *testing.T) {
	testenv.Chromium(t)
	b, k, app := setup(t)
	text, err := b.Authorize(authURL(k, app, "state-authorize-1"))
	if err != nil {
		t.Fatalf("Authorize: %v (page: %q)", err, text)
	}
	if !strings.Contains(text, "Connected") {
		t.Errorf("final page text = %q, want the callback's success page", text)
	}
	calls := app.calls()
	if len(calls) != 1 || calls[0].Get("code") == "" || calls[0].Get("state") != "state-authorize-1" {
		t.Fatalf("callback calls = %v, want one with a code and the state", calls)
	}
}

func TestDenyDeliversAccessDenied(t *testing.T) {
	testenv.Chromium(t)
	b, k, app := setup(t)
	text, err := b.Deny(authURL(k, app, "state-deny-1"))
	if err != nil {
		t.Fatalf("Deny: %v (page: %q)", err, text)
	}
	if !strings.Contains(text, "access_denied") {
		t.Errorf("final page text = %q, want the callback's failure page", text)
	}
	calls := app.calls()
	if len(calls) != 1 || calls[0].Get("error") != "access_denied" || calls[0].Has("code") || calls[0].Get("state") != "state-deny-1" {
		t.Fatalf("callback calls = %v, want one access_denied with the state", calls)
	}
}

// The browser cannot reach the callback: it ends on the callback's address,
// which holds what Kantata sent, and the callback app gets nothing. Other
// tabs still reach it.
func TestBlockedCallbackReportsTheAddress(t *testing.T) {
	testenv.Chromium(t)
	b, k, app := setup(t)
	for _, c := range []struct {
		name  string
		click func(*Browser, string) (string, error)
		want  string // the query parameter the address must hold
	}{
		{"Authorize", (*Browser).AuthorizeBlocked, "code"},
		{"Deny", (*Browser).DenyBlocked, "error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			state := "state-blocked-" + c.name
			addr, err := c.click(b, authURL(k, app, state))
			if err != nil {
				t.Fatalf("%s with the callback blocked: %v", c.name, err)
			}
			u, err := url.Parse(addr)
			if err != nil || !strings.HasPrefix(addr, app.URL+"?") || u.Query().Get(c.want) == "" || u.Query().Get("state") != state {
				t.Fatalf("ended on %q; want %s?...%s=...&state=%s", addr, app.URL, c.want, state)
			}
			if n := len(app.calls()); n != 0 {
				t.Fatalf("the blocked callback was reached %d times", n)
			}
		})
	}
	if _, err := b.Authorize(authURL(k, app, "state-not-blocked")); err != nil || len(app.calls()) != 1 {
		t.Errorf("a later tab did not reach the callback: %v, %d calls", err, len(app.calls()))
	}
}

func TestAuthorizeOnErrorPageFailsFast(t *testing.T) {
	testenv.Chromium(t)
	b, k, app := setup(t)
	u := k.AuthURL() + "?" + url.Values{
		"client_id": {"cid"}, "response_type": {"code"}, "redirect_uri": {"http://127.0.0.1:1/callback"}, "state": {"s-12345678"},
	}.Encode()
	text, err := b.Authorize(u)
	if err == nil || !strings.Contains(err.Error(), "no #authorize button") {
		t.Fatalf("Authorize on an error page: err = %v, want no #authorize button", err)
	}
	if !strings.Contains(text, "An error has occurred") {
		t.Errorf("page text = %q, want Kantata's error page", text)
	}
	if n := len(app.calls()); n != 0 {
		t.Errorf("callback called %d times", n)
	}
}

func TestVisit(t *testing.T) {
	testenv.Chromium(t)
	b, k, app := setup(t)
	text, err := b.Visit(authURL(k, app, "state-visit-1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "cid") || !strings.Contains(text, "Authorize") || !strings.Contains(text, "Deny") {
		t.Errorf("consent page text = %q", text)
	}
	if n := len(app.calls()); n != 0 {
		t.Errorf("Visit alone reached the callback %d times", n)
	}
}

func TestOpener(t *testing.T) {
	testenv.Chromium(t)
	b, k, app := setup(t)
	if _, err := b.LastResult(); err == nil {
		t.Error("LastResult before any opener call: want an error")
	}
	open := b.Opener((*Browser).Authorize)
	u := authURL(k, app, "state-opener-1")
	if err := open(u); err != nil {
		t.Fatalf("opener: %v", err)
	}
	text, err := b.LastResult()
	if err != nil || !strings.Contains(text, "Connected") {
		t.Fatalf("LastResult = %q, %v", text, err)
	}
	if got := b.Opened(); len(got) != 1 || got[0] != u {
		t.Errorf("Opened = %v", got)
	}

	// A custom action sees the URL and its result comes back.
	open = b.Opener(func(b *Browser, u string) (string, error) {
		text, err := b.Deny(u)
		return "custom:" + text, err
	})
	if err := open(authURL(k, app, "state-opener-2")); err != nil {
		t.Fatal(err)
	}
	if text, err := b.LastResult(); err != nil || !strings.HasPrefix(text, "custom:") || !strings.Contains(text, "access_denied") {
		t.Fatalf("LastResult = %q, %v", text, err)
	}
	if calls := app.calls(); len(calls) != 2 || calls[1].Get("error") != "access_denied" {
		t.Fatalf("callback calls = %v", calls)
	}
}

func TestConcurrentTabs(t *testing.T) {
	testenv.Chromium(t)
	b, k, app := setup(t)
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := b.Authorize(authURL(k, app, fmt.Sprintf("state-concurrent-%d", i))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(app.calls()); n != 3 {
		t.Fatalf("callback calls = %d, want 3", n)
	}
}

func TestMissingChromiumFails(t *testing.T) {
	t.Setenv("CHROMIUM_PATH", "/nonexistent/chromium")
	ft := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		New(ft)
	}()
	<-done
	if !strings.Contains(ft.msg, "apt-get install -y chromium") {
		t.Fatalf("New with no browser: fatal message %q, want the install hint", ft.msg)
	}
}

// fatalRecorder captures Fatal instead of failing the real test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// With the app's own link as redirect URI, clicking Authorize gives the
// address Kantata redirects to, with the code and the state.
func TestAuthorizeAppLink(t *testing.T) {
	testenv.Chromium(t)
	const appLink = "com.kantataconnect.desktop:/callback"
	b := New(t)
	k := fakekantata.New(t)
	k.SetHTTPSOnlyCallbacks(true)
	k.AddClient("cid", "secret", appLink)
	addr, err := b.AuthorizeAppLink(k.AuthURL() + "?" + url.Values{
		"client_id": {"cid"}, "response_type": {"code"}, "redirect_uri": {appLink}, "state": {"state-app-link"},
	}.Encode())
	if err != nil {
		t.Fatalf("AuthorizeAppLink: %v", err)
	}
	u, err := url.Parse(addr)
	if err != nil || !strings.HasPrefix(addr, appLink+"?") || u.Query().Get("code") == "" || u.Query().Get("state") != "state-app-link" {
		t.Fatalf("redirected to %q; want %s?code=…&state=state-app-link", addr, appLink)
	}
}
