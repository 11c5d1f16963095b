package oauth

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// FuzzCallback throws arbitrary methods, paths and query strings at the
// callback handler of a waiting flow. Without the flow's state nothing may
// complete it or reach the token endpoint, and the answer must be one of the
// fixed error pages: it never depends on (so never echoes) the input, code
// included.
func FuzzCallback(f *testing.F) {
	var tokenCalls atomic.Int64
	te := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokenCalls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"tok","token_type":"bearer"}`))
	}))
	defer te.Close()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	flow, err := Start(context.Background(), Config{ClientID: "fuzz", ClientSecret: "fuzz-secret",
		TokenURL: te.URL, RedirectPort: port, Timeout: 1000 * time.Hour}, nil)
	if err != nil {
		f.Fatal(err)
	}
	defer flow.Cancel()

	serve := func(method, path, query string) *httptest.ResponseRecorder {
		r := (&http.Request{Method: method, URL: &url.URL{Path: path, RawQuery: query},
			Header: http.Header{}, Host: "127.0.0.1"}).WithContext(context.Background())
		w := httptest.NewRecorder()
		flow.serveCallback(w, r)
		return w
	}
	// The only answers a request without the state may get.
	allowed := map[string]bool{}
	for _, c := range [][3]string{
		{"GET", "/nope", ""},
		{"POST", CallbackPath, ""},
		{"GET", CallbackPath, "state=wrong"},
	} {
		allowed[serve(c[0], c[1], c[2]).Body.String()] = true
	}

	for _, seed := range [][3]string{
		{"GET", "/callback", "state=abc&code=secret-code-123"},
		{"GET", "/callback", "code=secret-code-123"},
		{"GET", "/callback", "error=access_denied&error_description=%3Cscript%3E"},
		{"GET", "/callback", "state=&state=x&code=%00%ff"},
		{"GET", "/callback/", "state=x;code=y"},
		{"GET", "//callback", "%zz&&==&code"},
		{"HEAD", "/callback", "state=x"},
		{"GET", "", ""},
		{"GET", "/../callback", "state=" + "A"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}

	f.Fuzz(func(t *testing.T, method, path, query string) {
		w := serve(method, path, query)
		if !allowed[w.Body.String()] {
			t.Fatalf("%s %q ?%q: unexpected page %q", method, path, query, w.Body.String())
		}
		if c := w.Code; c != 400 && c != 404 && c != 405 {
			t.Fatalf("%s %q ?%q: status %d", method, path, query, c)
		}
		if w.Header().Get("Content-Security-Policy") == "" {
			t.Fatal("page without CSP")
		}
		select {
		case <-flow.Done():
			t.Fatalf("%s %q ?%q ended the flow: %v", method, path, query, flow.err)
		default:
		}
		flow.mu.Lock()
		accepted := flow.accepted
		flow.mu.Unlock()
		if accepted || tokenCalls.Load() != 0 {
			t.Fatalf("%s %q ?%q was taken for the callback", method, path, query)
		}
	})
}
