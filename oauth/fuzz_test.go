package oauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// FuzzCallback throws arbitrary methods, Host headers, paths and query
// strings at the callback handler of a waiting flow. Without the flow's state
// nothing may complete it or reach the token endpoint, and the answer must be
// one of the fixed error pages: it never depends on (so never echoes) the
// input, code included.
func FuzzCallback(f *testing.F) {
	flow, tokenCalls := fuzzFlow(f)

	serve := func(method, host, path, query string) *httptest.ResponseRecorder {
		r := (&http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: query},
			Header: http.Header{}, Host: host}).WithContext(context.Background())
		w := httptest.NewRecorder()
		flow.serveCallback(w, r)
		return w
	}
	// The only answers a request without the state may get.
	allowed := map[string]bool{}
	for _, c := range [][4]string{
		{"GET", flow.host, "/nope", ""},
		{"POST", flow.host, CallbackPath, ""},
		{"GET", flow.host, CallbackPath, "state=wrong"},
		{"GET", "evil.example", CallbackPath, ""},
	} {
		allowed[serve(c[0], c[1], c[2], c[3]).Body.String()] = true
	}

	for _, seed := range [][4]string{
		{"GET", flow.host, "/callback", "state=abc&code=secret-code-123"},
		{"GET", flow.host, "/callback", "code=secret-code-123"},
		{"GET", flow.host, "/callback", "error=access_denied&error_description=%3Cscript%3E"},
		{"GET", flow.host, "/callback", "state=&state=x&code=%00%ff"},
		{"GET", flow.host, "/callback/", "state=x;code=y"},
		{"GET", flow.host, "//callback", "%zz&&==&code"},
		{"HEAD", flow.host, "/callback", "state=x"},
		{"GET", flow.host, "", ""},
		{"GET", flow.host, "/../callback", "state=" + "A"},
		{"GET", "localhost", "/callback", "code=secret-code-123"},
		{"GET", "", "/callback", "state=x"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}

	f.Fuzz(func(t *testing.T, method, host, path, query string) {
		w := serve(method, host, path, query)
		if !allowed[w.Body.String()] {
			t.Fatalf("%s %q %q ?%q: unexpected page %q", method, host, path, query, w.Body.String())
		}
		if c := w.Code; c != 400 && c != 404 && c != 405 && c != 421 {
			t.Fatalf("%s %q %q ?%q: status %d", method, host, path, query, c)
		}
		if w.Header().Get("Content-Security-Policy") == "" {
			t.Fatal("page without CSP")
		}
		select {
		case <-flow.Done():
			t.Fatalf("%s %q %q ?%q ended the flow: %v", method, host, path, query, flow.err)
		default:
		}
		flow.mu.Lock()
		accepted := flow.accepted
		flow.mu.Unlock()
		if accepted || tokenCalls.Load() != 0 {
			t.Fatalf("%s %q %q ?%q was taken for the callback", method, host, path, query)
		}
	})
}

// FuzzPaste pastes arbitrary text into a waiting flow. Without the flow's
// state nothing may complete it or reach the token endpoint; every answer is
// a refusal in plain words that are safe to show and never quote a code.
func FuzzPaste(f *testing.F) {
	flow, tokenCalls := fuzzFlow(f)

	cb := flow.RedirectURI()
	for _, seed := range []string{
		cb + "?code=secret-code-1234567890&state=wrong",
		cb + "?error=access_denied&state=old",
		strings.TrimPrefix(cb, "http://") + "?code=secret-code-1234567890&state=",
		"http://secret-code-1234567890/callback?code=secret-code-1234567890&state=x",
		"http://127.0.0.1:1/callback?code=secret-code-1234567890&state=x",
		"<" + cb + "?state=x;code=y>",
		"http://[::1]:80/callback?%zz&state=x&code=abc",
		flow.URL(),
		"",
		"\x1b]0;title\x07http://127.0.0.1/callback?state=1&code=\u202e1234567890abcdef",
	} {
		f.Add(seed)
	}
	codeParam := regexp.MustCompile(`code=([^&;#]*)`)
	codeLike := regexp.MustCompile(`^[A-Za-z0-9_-]{12,}$`)

	f.Fuzz(func(t *testing.T, text string) {
		err := flow.Complete(text)
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Complete(%q) = %v; want a refusal", text, err)
		}
		switch e.Kind {
		case KindNotCallback, KindWrongAddress, KindWrongState:
		default:
			t.Fatalf("Complete(%q): kind %q", text, e.Kind)
		}
		for _, s := range []string{e.Message, e.Detail} {
			if s == "" || safetext.Find(s) >= 0 {
				t.Fatalf("Complete(%q): text %q is empty or unsafe to show", text, s)
			}
		}
		// Any code the text holds, wherever it is repeated.
		for _, m := range codeParam.FindAllStringSubmatch(text, -1) {
			if v, err := url.QueryUnescape(m[1]); err == nil && codeLike.MatchString(v) &&
				(strings.Contains(e.Message, v) || strings.Contains(e.Detail, v)) && !strings.Contains(cb, v) {
				t.Fatalf("Complete(%q): the code %q shows in %q / %q", text, v, e.Message, e.Detail)
			}
		}
		select {
		case <-flow.Done():
			t.Fatalf("Complete(%q) ended the flow: %v", text, flow.err)
		default:
		}
		flow.mu.Lock()
		accepted := flow.accepted
		flow.mu.Unlock()
		if accepted || tokenCalls.Load() != 0 {
			t.Fatalf("Complete(%q) was taken for the callback", text)
		}
	})
}

// fuzzFlow is a flow waiting for its callback, with a token endpoint that
// counts its calls: none may come from input without the flow's state.
func fuzzFlow(f *testing.F) (*Flow, *atomic.Int64) {
	var tokenCalls atomic.Int64
	te := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokenCalls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"tok","token_type":"bearer"}`))
	}))
	f.Cleanup(te.Close)
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	flow, err := Start(context.Background(), Config{ClientID: "fuzz", ClientSecret: "fuzz-secret",
		AuthURL: "https://kantata.example/oauth/authorize", TokenURL: te.URL, RedirectPort: port, Timeout: 1000 * time.Hour}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(flow.Cancel)
	return flow, &tokenCalls
}
