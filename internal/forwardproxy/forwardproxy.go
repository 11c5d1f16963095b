// Package forwardproxy is a forward HTTP proxy for tests, such as a company
// network has: it opens CONNECT tunnels and forwards plain-http requests. It
// is the only way to the host names it maps (names such as
// "kantata.proxy-only.test", which no resolver knows), so a request that
// arrives there went through it. It can demand a sign-in (407, as Basic or
// as Windows' Negotiate/NTLM) and serves a PAC script.
//
// It is a normal (non-_test) package so other packages' tests can import it;
// nothing outside tests should.
package forwardproxy

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// PACPath is where the proxy serves its PAC script (see SetPAC).
const PACPath = "/proxy.pac"

// Proxy is a running forward proxy on 127.0.0.1. Its methods are safe for
// concurrent use.
type Proxy struct {
	// URL is the proxy's address, http://127.0.0.1:PORT.
	URL string
	// Addr is 127.0.0.1:PORT.
	Addr string

	srv *http.Server

	mu        sync.Mutex
	hosts     map[string]string // "name:port" → "127.0.0.1:port"
	basic     string            // "user:password" demanded, or ""
	negotiate bool              // demand Windows' sign-in, which no test gives
	pac       string
	requests  []string
	conns     map[net.Conn]struct{}
}

// New starts a proxy; t.Cleanup stops it.
func New(t testing.TB) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("forwardproxy: %v", err)
	}
	p := &Proxy{Addr: l.Addr().String(), hosts: map[string]string{}, conns: map[net.Conn]struct{}{}}
	p.URL = "http://" + p.Addr
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(l)
	t.Cleanup(p.Close)
	return p
}

// Close stops the proxy and cuts its open tunnels.
func (p *Proxy) Close() {
	p.srv.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

// Map makes name:port (as clients ask for it) lead to addr (where the server
// really listens).
func (p *Proxy) Map(hostPort, addr string) {
	p.mu.Lock()
	p.hosts[strings.ToLower(hostPort)] = addr
	p.mu.Unlock()
}

// RequireBasic makes the proxy demand a Basic sign-in with user and password
// (407 until it gets one).
func (p *Proxy) RequireBasic(user, password string) {
	p.mu.Lock()
	p.basic = user + ":" + password
	p.mu.Unlock()
}

// RequireWindowsSignIn makes the proxy demand Negotiate or NTLM, as company
// proxies do, and accept nothing (407 always).
func (p *Proxy) RequireWindowsSignIn() {
	p.mu.Lock()
	p.negotiate = true
	p.mu.Unlock()
}

// SetPAC makes the proxy serve script at PACPath and returns its address.
func (p *Proxy) SetPAC(script string) string {
	p.mu.Lock()
	p.pac = script
	p.mu.Unlock()
	return p.URL + PACPath
}

// Requests lists what the proxy was asked, in order: "CONNECT host:port",
// "GET http://host/path", "PAC". Refused requests are listed too, with
// " (407)" or " (502)" after them.
func (p *Proxy) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// Tunnels counts the tunnels opened to hostPort.
func (p *Proxy) Tunnels(hostPort string) int {
	n := 0
	for _, r := range p.Requests() {
		if r == "CONNECT "+strings.ToLower(hostPort) {
			n++
		}
	}
	return n
}

func (p *Proxy) note(s string) {
	p.mu.Lock()
	p.requests = append(p.requests, s)
	p.mu.Unlock()
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodConnect:
		p.connect(w, r)
	case r.URL.IsAbs():
		p.forward(w, r)
	case r.URL.Path == PACPath:
		p.mu.Lock()
		script := p.pac
		p.mu.Unlock()
		if script == "" {
			http.NotFound(w, r)
			return
		}
		p.note("PAC")
		w.Header().Set("Content-Type", "application/x-ns-proxy-autoconfig")
		io.WriteString(w, script)
	default:
		http.Error(w, "a forward proxy: ask for an absolute URL or CONNECT", http.StatusBadRequest)
	}
}

// signedIn answers 407 and returns false unless the request carries the
// sign-in the proxy demands.
func (p *Proxy) signedIn(w http.ResponseWriter, r *http.Request, what string) bool {
	p.mu.Lock()
	basic, negotiate := p.basic, p.negotiate
	p.mu.Unlock()
	switch {
	case negotiate:
		w.Header().Add("Proxy-Authenticate", "Negotiate")
		w.Header().Add("Proxy-Authenticate", "NTLM")
	case basic != "":
		if r.Header.Get("Proxy-Authorization") == "Basic "+base64.StdEncoding.EncodeToString([]byte(basic)) {
			return true
		}
		w.Header().Set("Proxy-Authenticate", `Basic realm="test proxy"`)
	default:
		return true
	}
	p.note(what + " (407)")
	http.Error(w, "Proxy Authentication Required", http.StatusProxyAuthRequired)
	return false
}

// target is where a request for hostPort goes: its mapping, or itself when
// it is on loopback; "" when the proxy knows no way there.
func (p *Proxy) target(hostPort string) string {
	p.mu.Lock()
	addr, ok := p.hosts[strings.ToLower(hostPort)]
	p.mu.Unlock()
	if ok {
		return addr
	}
	if host, _, err := net.SplitHostPort(hostPort); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return hostPort
		}
	}
	return ""
}

func (p *Proxy) connect(w http.ResponseWriter, r *http.Request) {
	what := "CONNECT " + strings.ToLower(r.Host)
	if !p.signedIn(w, r, what) {
		return
	}
	addr := p.target(r.Host)
	if addr == "" {
		p.note(what + " (502)")
		http.Error(w, "no such host", http.StatusBadGateway)
		return
	}
	upstream, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		p.note(what + " (502)")
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		upstream.Close()
		http.Error(w, "no hijacking", http.StatusInternalServerError)
		return
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	p.note(what)
	p.track(client, upstream)
	io.WriteString(client, "HTTP/1.1 200 Connection Established\r\n\r\n")
	go func() {
		// Anything the client sent after the CONNECT is in buf.
		io.Copy(upstream, buf)
		upstream.(*net.TCPConn).CloseWrite()
	}()
	go func() {
		io.Copy(client, upstream)
		client.Close()
		upstream.Close()
		p.untrack(client, upstream)
	}()
}

func (p *Proxy) track(cs ...net.Conn) {
	p.mu.Lock()
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	p.mu.Unlock()
}

func (p *Proxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	for _, c := range cs {
		delete(p.conns, c)
	}
	p.mu.Unlock()
}

// hopHeaders are for one hop only: not forwarded.
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authorization",
	"Proxy-Authenticate", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func (p *Proxy) forward(w http.ResponseWriter, r *http.Request) {
	what := r.Method + " " + r.URL.String()
	if !p.signedIn(w, r, what) {
		return
	}
	hostPort := r.URL.Host
	if r.URL.Port() == "" {
		hostPort = net.JoinHostPort(r.URL.Hostname(), "80")
	}
	addr := p.target(hostPort)
	if addr == "" {
		p.note(what + " (502)")
		http.Error(w, "no such host", http.StatusBadGateway)
		return
	}
	p.note(what)
	out := r.Clone(r.Context())
	out.RequestURI = ""
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
		},
	}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for _, h := range hopHeaders {
		resp.Header.Del(h)
	}
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// WithCredentials is the proxy's URL with a user name and password in it,
// as HTTPS_PROXY takes them.
func (p *Proxy) WithCredentials(user, password string) string {
	u, _ := url.Parse(p.URL)
	u.User = url.UserPassword(user, password)
	return u.String()
}

// String names the proxy for test logs.
func (p *Proxy) String() string { return fmt.Sprintf("forward proxy at %s", p.Addr) }
