package oauth_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// TestCallbackAnswersOnlyItsOwnHost: a request whose Host is not
// 127.0.0.1:PORT (a web page on a name that resolves to 127.0.0.1, as in DNS
// rebinding; localhost; another port; none at all) gets 421 Misdirected
// Request and does not count as the callback, even with the right state and
// a code. The flow goes on waiting, and the real callback then succeeds.
func TestCallbackAnswersOnlyItsOwnHost(t *testing.T) {
	t.Parallel()
	te := newTokenEndpoint(t, okToken)
	cfg := testConfig(t, te.URL)
	f := start(t, cfg, nil)
	port := cfg.RedirectPort
	const forged = "forged-code-zzz-222"
	query := url.Values{"state": {stateOf(t, f)}, "code": {forged}}.Encode()

	for _, host := range []string{
		"evil.example",
		fmt.Sprintf("evil.example:%d", port),
		fmt.Sprintf("127.0.0.1.evil.example:%d", port),
		fmt.Sprintf("localhost:%d", port),
		fmt.Sprintf("[::1]:%d", port),
		"127.0.0.1",
		fmt.Sprintf("127.0.0.1:%d", port+1),
		fmt.Sprintf("127.0.0.1:%d.evil.example", port),
	} {
		t.Run(host, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, f.RedirectURI()+"?"+query, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = host
			resp, err := httpClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusMisdirectedRequest {
				t.Errorf("status %d, want 421", resp.StatusCode)
			}
			if strings.Contains(string(body), forged) || strings.Contains(string(body), host) {
				t.Errorf("the page echoes the request: %s", body)
			}
			checkPageHeaders(t, resp)
		})
	}
	t.Run("no Host (HTTP/1.0)", func(t *testing.T) {
		conn, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET %s?%s HTTP/1.0\r\n\r\n", oauth.CallbackPath, query)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("status %d, want 421", resp.StatusCode)
		}
	})

	select {
	case <-f.Done():
		_, err := f.Wait(context.Background())
		t.Fatalf("a request for another host ended the flow: %v", err)
	default:
	}
	if te.count() != 0 {
		t.Fatal("a request for another host reached the token endpoint")
	}

	_, body := callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
	if _, err := wait(t, f); err != nil {
		t.Fatalf("Wait after the misdirected requests: %v", err)
	}
	if !strings.Contains(body, "connected") {
		t.Errorf("page %q", body)
	}
	if form, _, _ := te.last(t); form.Get("code") != testCode {
		t.Errorf("exchanged code %q", form.Get("code"))
	}
}
