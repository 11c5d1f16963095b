package kantata_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/forwardproxy"
	"github.com/kantata-connect/kantata-connect/kantata"
)

// The identity check goes out the one way (package outbound): a failure on
// the way out gets its own kind and words that name what to fix, never
// "Kantata had a problem".
func TestMeOnTheWayOut(t *testing.T) {
	const token = "tok-on-the-way-out-0123456789"
	t.Run("a certificate from an authority not trusted here", func(t *testing.T) {
		// httptest's certificate is its own, from "Acme Co", trusted nowhere.
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.StartTLS()
		defer srv.Close()
		_, err := kantata.Checker{APIBaseURL: srv.URL}.Me(context.Background(), token)
		var e *kantata.Error
		if kantata.KindOf(err) != kantata.KindUntrustedCertificate || !errors.As(err, &e) {
			t.Fatalf("Me = %v; want kind %q", err, kantata.KindUntrustedCertificate)
		}
		if !strings.Contains(e.UserMessage(), "issued by “Acme Co”") || strings.Contains(e.UserMessage(), "had a problem") {
			t.Errorf("message %q does not name the issuer", e.UserMessage())
		}
		if _, err := (kantata.Checker{APIBaseURL: srv.URL}).ProjectCount(context.Background(), token); kantata.KindOf(err) != kantata.KindUntrustedCertificate {
			t.Errorf("ProjectCount = %v; want kind %q", err, kantata.KindUntrustedCertificate)
		}
	})
	t.Run("a proxy that asks for a sign-in", func(t *testing.T) {
		p := forwardproxy.New(t)
		p.RequireBasic("jane", "pr0xy-pw")
		t.Setenv("HTTPS_PROXY", p.URL)
		t.Setenv("NO_PROXY", "")
		_, err := kantata.Checker{APIBaseURL: "https://api.proxy-only.test"}.Me(context.Background(), token)
		var e *kantata.Error
		if kantata.KindOf(err) != kantata.KindProxyAuth || !errors.As(err, &e) {
			t.Fatalf("Me = %v; want kind %q", err, kantata.KindProxyAuth)
		}
		if !strings.Contains(e.UserMessage(), "The proxy "+p.Addr+" (from the environment: HTTPS_PROXY) asks for a user name and password") {
			t.Errorf("message %q does not name the proxy and where it came from", e.UserMessage())
		}
		if strings.Contains(e.TechnicalDetail(), token) {
			t.Error("the detail holds the token")
		}
	})
}
