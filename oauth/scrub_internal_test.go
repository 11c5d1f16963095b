package oauth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestExchangeDetailScrubbedBeforeCut: the parts of a token endpoint's
// answer that go into the detail besides its body (the status line's text,
// which the server writes, and a redirect's Location) have the secrets
// scrubbed before they are cut.
func TestExchangeDetailScrubbedBeforeCut(t *testing.T) {
	const secret = "s3cret-client-value-xyz"
	f := &Flow{cfg: Config{TokenURL: "https://app.mavenlink.com/oauth/token", ExchangeTimeout: time.Second}}
	for name, resp := range map[string]*http.Response{
		"status text, whole":          {StatusCode: 400, Status: "400 " + secret},
		"status text, across the cut": {StatusCode: 400, Status: "400 " + strings.Repeat("x", 100-4-8) + secret},
		"Location, across the cut": {StatusCode: 307, Status: "307 Temporary Redirect",
			Header: http.Header{"Location": {"https://evil.example/?x=" + strings.Repeat("x", 300-24-8) + secret}}},
		"Location path, across the cut": {StatusCode: 307, Status: "307 Temporary Redirect",
			Header: http.Header{"Location": {"/" + strings.Repeat("x", 100-len("app.mavenlink.com/")-8) + secret}}},
	} {
		t.Run(name, func(t *testing.T) {
			e := f.exchangeError(context.Background(), &oauth2.RetrieveError{Response: resp}, []string{secret})
			for _, text := range []string{e.Error(), e.UserMessage(), e.TechnicalDetail(), fmt.Sprintf("%+v", e)} {
				for n := 6; n <= len(secret); n++ {
					if strings.Contains(text, secret[:n]) {
						t.Fatalf("%q, part of the secret, appears in %q", secret[:n], text)
					}
				}
			}
		})
	}
}
