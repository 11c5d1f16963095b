package oauth_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// BenchmarkCallbackToToken measures the flow's own overhead on loopback:
// from the browser's callback request to Wait returning the token, with an
// httptest token endpoint (so the figure is ours, not Kantata's). Starting
// the flow is outside the timed part.
func BenchmarkCallbackToToken(b *testing.B) {
	te := newTokenEndpoint(b, okToken)
	cfg := testConfig(b, te.URL)
	client := &http.Client{Timeout: hangGuard}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		f, err := oauth.Start(context.Background(), cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		cb := f.RedirectURI() + "?" + url.Values{"state": {stateOf(b, f)}, "code": {testCode}}.Encode()
		b.StartTimer()

		resp, err := client.Get(cb)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		tok, err := f.Wait(context.Background())
		if err != nil || tok.AccessToken != testAccess {
			b.Fatalf("Wait = %v, %v", tok, err)
		}
	}
}
