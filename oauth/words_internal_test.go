package oauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/frontwords"
	"github.com/kantata-connect/kantata-connect/outbound"
	"golang.org/x/oauth2"
)

// TestMessagesNameNoFront builds every error this package makes, each kind
// and each branch of the callback and token endpoint answers.
func TestMessagesNameNoFront(t *testing.T) {
	const redirect = "http://127.0.0.1:38917/callback"
	f := &Flow{cfg: Config{TokenURL: "https://app.mavenlink.com/oauth/token", ExchangeTimeout: 30 * time.Second}, redirectURI: redirect}
	retrieve := func(status int, code string) error {
		return &oauth2.RetrieveError{Response: &http.Response{StatusCode: status, Status: http.StatusText(status)}, ErrorCode: code}
	}
	exchange := func(err error) *Error { return f.exchangeError(context.Background(), err, nil) }
	errs := map[string]*Error{
		"port in use":      portInUseError(38917, syscall.EADDRINUSE),
		"port unavailable": portUnavailableError(80, syscall.EACCES),
		"already waiting":  alreadyWaitingError(38917),
		"canceled":         canceledError(context.Canceled),
		"timeout":          timeoutError(DefaultTimeout, CallbackLoopback, redirect),
		"code timeout":     timeoutError(DefaultCodeTimeout, CallbackCode, OOBRedirectURI),
		"missing code":     missingCodeError(),
		"token 401":        exchange(retrieve(401, "")),
		"token 400 html":   exchange(retrieve(400, "")),
		"token 503":        exchange(retrieve(503, "")),
		"token not json":   exchange(errors.New("oauth2: server response missing access_token")),
		"exchange timeout": exchange(context.DeadlineExceeded),
		"network":          exchange(&url.Error{Op: "Post", URL: f.cfg.TokenURL, Err: syscall.ECONNREFUSED}),
		"token redirected": exchange(&oauth2.RetrieveError{Response: &http.Response{StatusCode: 307, Status: "307 Temporary Redirect",
			Header: http.Header{"Location": {"http://evil.example/oauth/token"}}}}),
		"token redirected nowhere": exchange(retrieve(302, "")),
		"untrusted certificate": exchange(&url.Error{Op: "Post", URL: f.cfg.TokenURL, Err: &outbound.Error{
			Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{Cert: &x509.Certificate{
				Issuer: pkix.Name{CommonName: "Corp Inspection CA"}}}}}}),
		"proxy auth": exchange(&url.Error{Op: "Post", URL: f.cfg.TokenURL, Err: &outbound.Error{
			Err: &outbound.ProxyAuthError{Proxy: "proxy.corp:8080"}}}),
		"paste not callback":  notCallbackError(redirect, "not a URL"),
		"paste wrong address": wrongAddressError("127.0.0.1:1", true, redirect),
		"paste wrong state":   wrongStateError(),
		"paste after the end": notWaitingError(false),
		"paste after another": notWaitingError(true),
	}
	for _, code := range []string{"access_denied", "invalid_scope", "unauthorized_client", "server_error",
		"temporarily_unavailable", "invalid_request", "redirect_uri_mismatch", "invalid_redirect_uri", "mystery"} {
		errs["callback "+code] = callbackError(code, "description", redirect, "Kantata (Settings > API > registered applications)", nil)
	}
	for _, code := range []string{"invalid_client", "invalid_grant", "redirect_uri_mismatch", "invalid_request",
		"server_error", "temporarily_unavailable", "unsupported_grant_type"} {
		errs["token "+code] = exchange(retrieve(400, code))
	}
	for name, cfg := range map[string]Config{
		"no client ID":  {},
		"auth URL":      {ClientID: "id", AuthURL: "http://example.com/a"},
		"token URL":     {ClientID: "id", TokenURL: "ftp://example.com/t"},
		"port":          {ClientID: "id", RedirectPort: 70000},
		"client auth":   {ClientID: "id", ClientAuth: "header"},
		"negative wait": {ClientID: "id", Timeout: -time.Second},
	} {
		var e *Error
		if !errors.As(cfg.withDefaults().validate(), &e) {
			t.Fatalf("config %s: validate accepted %+v", name, cfg)
		}
		errs["config "+name] = e
	}

	kinds := map[Kind]bool{}
	for name, e := range errs {
		t.Run(name, func(t *testing.T) {
			kinds[e.Kind] = true
			msg := e.UserMessage()
			if msg == "" {
				t.Fatal("no user message")
			}
			frontwords.Check(t, string(e.Kind)+" message", msg)
		})
	}
	for _, k := range []Kind{KindInvalidConfig, KindPortInUse, KindAlreadyWaiting, KindCanceled, KindTimeout,
		KindDenied, KindAuthorizationError, KindInvalidClient, KindInvalidGrant, KindRedirectMismatch,
		KindServerError, KindBadResponse, KindNetwork, KindExchangeTimeout, KindTokenError, KindRedirected,
		KindUntrustedCertificate, KindProxyAuth,
		KindNotCallback, KindWrongAddress, KindWrongState, KindNotWaiting} {
		if !kinds[k] {
			t.Errorf("no error of kind %q was built", k)
		}
	}
}

// A typo in the client ID comes back from Kantata's authorization page as
// server_error as often as invalid_client: each of them names the client ID
// as the likely cause, and only a real outage says to wait.
func TestAuthorizationErrorsNameTheClientID(t *testing.T) {
	for _, tc := range []struct {
		code     string
		clientID bool
		wait     bool
	}{
		{"invalid_client", true, false},
		{"unauthorized_client", true, false},
		{"server_error", true, true},
		{"temporarily_unavailable", false, true},
		{"access_denied", false, false},
	} {
		t.Run(tc.code, func(t *testing.T) {
			msg := callbackError(tc.code, "", "http://127.0.0.1:38917/callback", "Kantata (Settings > API > registered applications)", nil).Message
			if got := strings.Contains(msg, "client ID"); got != tc.clientID {
				t.Errorf("names the client ID: %v, want %v: %q", got, tc.clientID, msg)
			}
			if got := strings.Contains(msg, "wait a few minutes") || strings.Contains(msg, "Wait a few minutes"); got != tc.wait {
				t.Errorf("says to wait: %v, want %v: %q", got, tc.wait, msg)
			}
		})
	}
}
