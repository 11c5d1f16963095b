package outbound

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/forwardproxy"
	"github.com/kantata-connect/kantata-connect/internal/testca"
)

// proxyOnlyHost is a name no resolver knows: only the test proxy leads there.
const proxyOnlyHost = "kantata.proxy-only.test"

// site is an https server for proxyOnlyHost with a certificate from a test
// authority, and a proxy that is the only way to it.
type site struct {
	ca    *testca.CA
	proxy *forwardproxy.Proxy
	url   string // https://kantata.proxy-only.test/hello
}

func newSite(t *testing.T) *site {
	t.Helper()
	ca, err := testca.New("Example Corp Inspection CA", "Example Corp IT")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(proxyOnlyHost)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:   http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello through the proxy") }),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		// A client that doesn't trust the certificate is a case tested here.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go srv.ServeTLS(l, "", "")
	t.Cleanup(func() { srv.Close() })
	p := forwardproxy.New(t)
	p.Map(proxyOnlyHost+":443", l.Addr().String())
	return &site{ca: ca, proxy: p, url: "https://" + proxyOnlyHost + "/hello"}
}

// transport is a Transport over r that trusts roots (nil: the system's).
func transport(r *Resolver, roots *x509.CertPool) *Transport {
	t := NewTransport(r)
	if roots != nil {
		t.base.TLSClientConfig = &tls.Config{RootCAs: roots}
	}
	return t
}

func (s *site) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(s.ca.Cert)
	return pool
}

func get(t *testing.T, tr http.RoundTripper, u string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestTransport(t *testing.T) {
	s := newSite(t)
	noSystem := system(Settings{})

	t.Run("the proxy is the only way there", func(t *testing.T) {
		_, err := get(t, transport(&Resolver{Getenv: env(nil), System: noSystem}, s.roots()), s.url)
		if err == nil {
			t.Fatal("reached the stand-in without the proxy")
		}
		if _, ok := Classify(err); ok {
			t.Errorf("a name that resolves nowhere is classified as %v", err)
		}
	})

	t.Run("through the proxy from the environment", func(t *testing.T) {
		before := s.proxy.Tunnels(proxyOnlyHost + ":443")
		body, err := get(t, transport(&Resolver{Getenv: env(map[string]string{"HTTPS_PROXY": s.proxy.URL}), System: noSystem},
			s.roots()), s.url)
		if err != nil || body != "hello through the proxy" {
			t.Fatalf("got %q, %v", body, err)
		}
		if s.proxy.Tunnels(proxyOnlyHost+":443") != before+1 {
			t.Errorf("the proxy opened no tunnel: %q", s.proxy.Requests())
		}
	})

	t.Run("through the system's manual proxy", func(t *testing.T) {
		r := &Resolver{Getenv: env(nil), System: system(Settings{Origin: gnomeOrigin, HTTPSProxy: s.proxy.Addr})}
		if body, err := get(t, transport(r, s.roots()), s.url); err != nil || body != "hello through the proxy" {
			t.Fatalf("got %q, %v", body, err)
		}
	})

	t.Run("a certificate from an authority not trusted here", func(t *testing.T) {
		// The system's trust store: the test authority is not in it.
		_, err := get(t, transport(&Resolver{Getenv: env(map[string]string{"HTTPS_PROXY": s.proxy.URL}), System: noSystem}, nil), s.url)
		f, ok := Classify(err)
		if !ok || f.Problem != ProblemUntrustedCertificate {
			t.Fatalf("Classify(%v) = %+v, %v; want an untrusted certificate", err, f, ok)
		}
		if f.Issuer != "Example Corp Inspection CA, Example Corp IT" {
			t.Errorf("issuer %q, want the test authority's name and organization", f.Issuer)
		}
		for _, want := range []string{proxyOnlyHost, "“Example Corp Inspection CA, Example Corp IT”", "doesn't trust", "IT department"} {
			if !strings.Contains(f.Message, want) {
				t.Errorf("message %q does not say %q", f.Message, want)
			}
		}
	})
}

func TestTransportProxyFailures(t *testing.T) {
	s := newSite(t)
	noSystem := system(Settings{})
	const password = "pr0xy-Pa55word"
	through := func(proxy string) (string, error) {
		return get(t, transport(&Resolver{Getenv: env(map[string]string{"HTTPS_PROXY": proxy}), System: noSystem}, s.roots()), s.url)
	}

	t.Run("a proxy that can't be reached", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		_, err := through("http://" + addr)
		f, ok := Classify(err)
		if !ok || f.Problem != ProblemProxyUnreachable || !strings.Contains(f.Message, addr) ||
			!strings.Contains(f.Message, "from the environment: HTTPS_PROXY") {
			t.Errorf("Classify(%v) = %+v, %v; want the proxy %s named, from HTTPS_PROXY", err, f, ok, addr)
		}
	})

	t.Run("a proxy that knows no way there", func(t *testing.T) {
		_, err := get(t, transport(&Resolver{Getenv: env(map[string]string{"HTTPS_PROXY": s.proxy.URL}), System: noSystem},
			s.roots()), "https://elsewhere.proxy-only.test/")
		f, ok := Classify(err)
		if !ok || f.Problem != ProblemProxyRefused || !strings.Contains(f.Message, "Bad Gateway") {
			t.Errorf("Classify(%v) = %+v, %v; want the proxy's refusal", err, f, ok)
		}
	})

	s.proxy.RequireBasic("jane", password)
	t.Run("407 without a user name and password", func(t *testing.T) {
		_, err := through(s.proxy.URL)
		f, ok := Classify(err)
		if !ok || f.Problem != ProblemProxyAuth {
			t.Fatalf("Classify(%v) = %+v, %v; want the proxy's sign-in", err, f, ok)
		}
		for _, want := range []string{s.proxy.Addr, "asks for a user name and password",
			"HTTPS_PROXY=http://USER:PASSWORD@" + s.proxy.Addr} {
			if !strings.Contains(f.Message, want) {
				t.Errorf("message %q does not say %q", f.Message, want)
			}
		}
	})
	t.Run("407 with a wrong password", func(t *testing.T) {
		_, err := through(s.proxy.WithCredentials("jane", "wrong-"+password))
		f, ok := Classify(err)
		if !ok || f.Problem != ProblemProxyAuth || !strings.Contains(f.Message, "did not accept the user name and password") {
			t.Errorf("Classify(%v) = %+v, %v", err, f, ok)
		}
		if strings.Contains(err.Error()+f.Message, password) {
			t.Errorf("the failure shows the password: %v / %s", err, f.Message)
		}
	})
	t.Run("signed in from HTTPS_PROXY", func(t *testing.T) {
		if body, err := through(s.proxy.WithCredentials("jane", password)); err != nil || body != "hello through the proxy" {
			t.Errorf("got %q, %v", body, err)
		}
	})
	s.proxy.RequireWindowsSignIn()
	t.Run("407 asking for Windows' sign-in", func(t *testing.T) {
		_, err := through(s.proxy.URL)
		f, ok := Classify(err)
		if !ok || f.Problem != ProblemProxyAuth || !strings.Contains(f.Message, "Windows sign-in (Negotiate, NTLM)") {
			t.Errorf("Classify(%v) = %+v, %v; want the Windows sign-in named", err, f, ok)
		}
		var pa *ProxyAuthError
		if !errors.As(err, &pa) || strings.Join(pa.Schemes, ",") != "Negotiate,NTLM" {
			t.Errorf("schemes %+v", pa)
		}
	})
}

func TestRoundTripBadEnvironment(t *testing.T) {
	tr := transport(&Resolver{Getenv: env(map[string]string{"HTTPS_PROXY": "http://u:p@[::1"}), System: system(Settings{})}, nil)
	_, err := get(t, tr, "https://app.mavenlink.com/")
	f, ok := Classify(err)
	if !ok || f.Problem != ProblemProxySetting || !strings.Contains(f.Message, "HTTPS_PROXY") {
		t.Errorf("Classify(%v) = %+v, %v; want the variable named", err, f, ok)
	}
}
