package outbound

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// Error is a request that failed on its way out, with the route it took.
// Its text names the proxy (never its credentials) after the cause.
type Error struct {
	Route Route
	Err   error
}

func (e *Error) Error() string {
	if e.Route.Proxy != nil {
		return fmt.Sprintf("%v (via proxy %s, from %s)", e.Err, e.Route.ProxyAddr(), e.Route.From())
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Timeout keeps net.Error's meaning through the wrapping (url.Error asks).
func (e *Error) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.Err, &t) && t.Timeout()
}

// ProxyAuthError: the proxy answered 407, asking for a sign-in.
type ProxyAuthError struct {
	Proxy   string   // host:port
	Schemes []string // what it asks for: "Basic", "Negotiate", "NTLM"
	// CredentialsGiven: the request carried a user name and password for
	// the proxy, which it did not accept.
	CredentialsGiven bool
}

func (e *ProxyAuthError) Error() string {
	s := fmt.Sprintf("proxy %s answered 407 Proxy Authentication Required", e.Proxy)
	if len(e.Schemes) > 0 {
		s += " (asks for " + strings.Join(e.Schemes, ", ") + ")"
	}
	if e.CredentialsGiven {
		s += "; the user name and password given for it were not accepted"
	}
	return s
}

// ProxyRefusedError: the proxy would not open a tunnel to the host for a
// reason other than a sign-in (403 blocked by policy, 502 can't reach it).
type ProxyRefusedError struct {
	Proxy  string // host:port
	Target string // host:port asked for
	Status string // the proxy's status line, cleaned and cut
}

func (e *ProxyRefusedError) Error() string {
	return fmt.Sprintf("proxy %s refused CONNECT %s: %s", e.Proxy, e.Target, e.Status)
}

// onProxyConnectResponse turns a proxy's refusal of a CONNECT into a typed
// error; net/http would otherwise keep only its status text.
func onProxyConnectResponse(_ context.Context, proxyURL *url.URL, req *http.Request, resp *http.Response) error {
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusProxyAuthRequired:
		return proxyAuthError(proxyURL, resp)
	}
	return &ProxyRefusedError{Proxy: hostPort(proxyURL), Target: req.Host, Status: cleanText(resp.Status, 100)}
}

func proxyAuthError(proxyURL *url.URL, resp *http.Response) *ProxyAuthError {
	e := &ProxyAuthError{Proxy: hostPort(proxyURL), CredentialsGiven: proxyURL.User != nil}
	seen := map[string]bool{}
	for _, h := range resp.Header.Values("Proxy-Authenticate") {
		scheme, _, _ := strings.Cut(strings.TrimSpace(h), " ")
		scheme = cleanText(scheme, 30)
		if scheme != "" && !seen[strings.ToLower(scheme)] && len(e.Schemes) < 5 {
			seen[strings.ToLower(scheme)] = true
			e.Schemes = append(e.Schemes, scheme)
		}
	}
	return e
}

// Problem is a failure on the way out that has its own words.
type Problem string

const (
	// ProblemProxyAuth: the proxy asks for a sign-in (407).
	ProblemProxyAuth Problem = "proxy_auth"
	// ProblemProxyUnreachable: the proxy could not be reached.
	ProblemProxyUnreachable Problem = "proxy_unreachable"
	// ProblemProxyRefused: the proxy would not connect to the host.
	ProblemProxyRefused Problem = "proxy_refused"
	// ProblemUntrustedCertificate: the host's certificate comes from an
	// authority this computer doesn't trust, as when a company's proxy or
	// security software inspects encrypted traffic.
	ProblemUntrustedCertificate Problem = "untrusted_certificate"
	// ProblemProxySetting: the environment names a proxy that is not an
	// address.
	ProblemProxySetting Problem = "proxy_setting"
)

// Failure is what Classify found: the problem, the route the request took,
// and plain words that say what happened and what to do, naming the proxy
// and where it came from, or the certificate's issuer. Never credentials.
type Failure struct {
	Problem Problem
	Route   Route
	Issuer  string // ProblemUntrustedCertificate: who issued the certificate
	Message string
}

// Classify tells a failure on the way out apart from other network
// failures. ok is false when err is none of the Problems; RouteOf may still
// say which way it went. The words name the host the request was for, from
// net/http's *url.Error.
func Classify(err error) (f Failure, ok bool) {
	if err == nil {
		return Failure{}, false
	}
	host := "the server"
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil && u.Hostname() != "" {
			host = u.Hostname()
		}
	}
	route, _ := RouteOf(err)
	f.Route = route
	from := route.From()
	var pa *ProxyAuthError
	var pr *ProxyRefusedError
	var ua x509.UnknownAuthorityError
	var op *net.OpError
	switch {
	case errors.As(err, &pa):
		f.Problem = ProblemProxyAuth
		if pa.CredentialsGiven {
			f.Message = fmt.Sprintf("The proxy %s (from %s) did not accept the user name and password given for it. "+
				"Check them, then try again.", pa.Proxy, from)
			return f, true
		}
		windows := ""
		for _, s := range pa.Schemes {
			if strings.EqualFold(s, "Negotiate") || strings.EqualFold(s, "NTLM") || strings.EqualFold(s, "Kerberos") {
				windows = " It asks for your Windows sign-in (" + strings.Join(pa.Schemes, ", ") +
					"), which Kantata Connect can't give it by itself."
				break
			}
		}
		f.Message = fmt.Sprintf("The proxy %s (from %s) asks for a user name and password.%s Set the environment "+
			"variable HTTPS_PROXY=http://USER:PASSWORD@%s with your proxy user name and password (your IT department "+
			"can tell you them), then start Kantata Connect again.", pa.Proxy, from, windows, pa.Proxy)
	case errors.As(err, &pr):
		f.Problem = ProblemProxyRefused
		f.Message = fmt.Sprintf("The proxy %s (from %s) would not connect to %s (it answered “%s”). The company "+
			"network may block it: ask your IT department.", pr.Proxy, from, host, pr.Status)
	case errors.As(err, &ua):
		f.Problem = ProblemUntrustedCertificate
		f.Issuer = issuerName(ua.Cert)
		f.Message = fmt.Sprintf("The connection to %s presented a certificate issued by “%s”, an authority this "+
			"computer doesn't trust. A company proxy or security software that inspects encrypted traffic does this. "+
			"Ask your IT department to add their certificate authority to this computer's trusted certificates%s, "+
			"then try again.", host, f.Issuer, trustStoreHint())
	case route.Proxy != nil && errors.As(err, &op) && op.Op == "proxyconnect" && !isTLSFailure(err):
		f.Problem = ProblemProxyUnreachable
		f.Message = fmt.Sprintf("Kantata Connect could not reach the proxy %s (from %s). Check the proxy settings "+
			"and the network connection, then try again.", route.ProxyAddr(), from)
	case route.Source == FromEnvironment && route.Proxy == nil && route.Detail != "" && isSettingError(err):
		f.Problem = ProblemProxySetting
		f.Message = fmt.Sprintf("The environment variable %s is not a proxy address: it should look like "+
			"http://proxy.example.com:8080. Correct it or remove it, then start Kantata Connect again.", route.Detail)
	default:
		return f, false
	}
	return f, true
}

// RouteOf is the route a failed request took, when it went through a
// Transport.
func RouteOf(err error) (Route, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Route, true
	}
	return Route{}, false
}

// Note is what a failed request's route says could not be done (a PAC
// script the app can't run, say), or "": words to add to a network failure.
func Note(err error) string {
	r, _ := RouteOf(err)
	return r.Note
}

// errSetting marks the environment's proxy that is not an address.
type settingError struct{ error }

func isSettingError(err error) bool {
	var s settingError
	return errors.As(err, &s)
}

func isTLSFailure(err error) bool {
	var ce *x509.CertificateInvalidError
	var he x509.HostnameError
	return errors.As(err, &ce) || errors.As(err, &he)
}

// issuerName names who issued cert, as its issuer calls itself: the common
// name, else the organization, else the whole name; cleaned of anything a
// screen would obey, and cut.
func issuerName(cert *x509.Certificate) string {
	if cert == nil {
		return "an unknown authority"
	}
	name := cert.Issuer.CommonName
	if name == "" && len(cert.Issuer.Organization) > 0 {
		name = cert.Issuer.Organization[0]
	}
	if name == "" {
		name = cert.Issuer.String()
	}
	if org := cert.Issuer.Organization; name == cert.Issuer.CommonName && len(org) > 0 && org[0] != "" && org[0] != name {
		name += ", " + org[0]
	}
	if name = cleanText(name, 120); name == "" {
		return "an unnamed authority"
	}
	return name
}

// trustStoreHint says where this system keeps the trusted authorities.
func trustStoreHint() string {
	switch runtime.GOOS {
	case "windows":
		return " (Windows: Trusted Root Certification Authorities)"
	case "darwin":
		return " (macOS: the System keychain in Keychain Access)"
	}
	return " (Linux: the system's certificate bundle, e.g. /usr/local/share/ca-certificates with update-ca-certificates; " +
		"or set SSL_CERT_FILE to a file that holds it)"
}

// cleanText makes text from the network fit for a message: nothing a
// screen would obey, on one line, at most max runes.
func cleanText(s string, max int) string {
	return safetext.Cut(strings.Join(strings.Fields(safetext.Clean(s)), " "), max)
}
