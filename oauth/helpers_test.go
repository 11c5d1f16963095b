package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// Hang guards only; no test asserts on elapsed time.
const (
	hangGuard = 60 * time.Second
)

// stateOf reads the state parameter of a flow's authorization URL.
func stateOf(t testing.TB, f *oauth.Flow) string {
	t.Helper()
	u, err := url.Parse(f.URL())
	if err != nil {
		t.Fatalf("parse authorization URL: %v", err)
	}
	return u.Query().Get("state")
}

var httpClient = &http.Client{Timeout: hangGuard}

// get requests a URL and returns the response and its body.
func get(t testing.TB, rawURL string) (*http.Response, string) {
	t.Helper()
	resp, err := httpClient.Get(rawURL)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", rawURL, err)
	}
	return resp, string(b)
}

// callback sends the browser's return to the flow with the given query.
func callback(t testing.TB, f *oauth.Flow, q url.Values) (*http.Response, string) {
	t.Helper()
	return get(t, f.RedirectURI()+"?"+q.Encode())
}

// wait is Wait under a hang guard.
func wait(t testing.TB, f *oauth.Flow) (oauth.Token, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	tok, err := f.Wait(ctx)
	if oauth.KindOf(err) == oauth.KindCanceled && ctx.Err() != nil {
		t.Fatalf("Wait did not return within the hang guard %v", hangGuard)
	}
	return tok, err
}

// wantKind fails unless err is an *oauth.Error of kind k with a message
// and a detail.
func wantKind(t testing.TB, err error, k oauth.Kind) *oauth.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want kind %q", k)
	}
	var e *oauth.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want *oauth.Error of kind %q", err, err, k)
	}
	if e.Kind != k {
		t.Fatalf("got kind %q (%v; %q), want %q", e.Kind, err, e.UserMessage(), k)
	}
	if e.UserMessage() == "" || e.TechnicalDetail() == "" {
		t.Errorf("kind %q: empty UserMessage %q or TechnicalDetail %q", k, e.UserMessage(), e.TechnicalDetail())
	}
	// What the GUI and CLI look for.
	var um interface {
		UserMessage() string
		TechnicalDetail() string
	}
	if !errors.As(err, &um) {
		t.Errorf("kind %q: not found by errors.As as UserMessage/TechnicalDetail", k)
	}
	return e
}

// assertNoSecrets fails if any secret shows in err's texts, through the
// whole chain.
func assertNoSecrets(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	var texts []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		texts = append(texts, e.Error(), fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e))
	}
	var um interface {
		UserMessage() string
		TechnicalDetail() string
	}
	if errors.As(err, &um) {
		texts = append(texts, um.UserMessage(), um.TechnicalDetail())
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, text := range texts {
			if strings.Contains(text, s) || strings.Contains(text, url.QueryEscape(s)) {
				t.Errorf("secret %q appears in error text %q", s, text)
			}
		}
	}
}

// portFree fails unless the port can be bound again right now.
func portFree(t testing.TB, port int) {
	t.Helper()
	ln, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("port %d not freed after the flow ended: %v", port, err)
	}
	ln.Close()
}
