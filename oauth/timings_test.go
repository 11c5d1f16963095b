package oauth_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// The delays below are lower bounds the flow must see (a sleep lasts at
// least as long as asked); nothing asserts an upper bound on elapsed time.

func TestTimingsMeasureBrowserWaitAndExchange(t *testing.T) {
	t.Parallel()
	const browserDelay, exchangeDelay = 40 * time.Millisecond, 60 * time.Millisecond
	te := newTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(exchangeDelay)
		okToken(w, r)
	})
	f := start(t, testConfig(t, te.URL), nil)
	if bw, ex := f.Timings(); bw != 0 || ex != 0 {
		t.Errorf("before the callback Timings = %v, %v; want 0, 0", bw, ex)
	}
	time.Sleep(browserDelay)
	callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
	if _, err := wait(t, f); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	bw, ex := f.Timings()
	if bw < browserDelay {
		t.Errorf("browser wait %v; the callback came at least %v after Start", bw, browserDelay)
	}
	if ex < exchangeDelay {
		t.Errorf("token exchange %v; the token endpoint took at least %v", ex, exchangeDelay)
	}
}

func TestTimingsOfDeniedSignInHaveNoExchange(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	f := start(t, testConfig(t, te.URL), nil)
	callback(t, f, url.Values{"state": {stateOf(t, f)}, "error": {"access_denied"}})
	_, err := wait(t, f)
	wantKind(t, err, oauth.KindDenied)
	bw, ex := f.Timings()
	if bw <= 0 || ex != 0 {
		t.Errorf("denied: Timings = %v, %v; want a browser wait and no exchange", bw, ex)
	}
}

func TestTimingsOfCanceledSignInAreZero(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	f := start(t, testConfig(t, te.URL), nil)
	f.Cancel()
	_, err := wait(t, f)
	wantKind(t, err, oauth.KindCanceled)
	if bw, ex := f.Timings(); bw != 0 || ex != 0 {
		t.Errorf("canceled: Timings = %v, %v; want 0, 0", bw, ex)
	}
}
