// Package outbound is the one way out to the network for everything that
// talks to Kantata: the token request, users/me, the project count and the
// reachability check. Its transport chooses the proxy for each request the way
// the user's browser would: the environment's HTTPS_PROXY / HTTP_PROXY /
// NO_PROXY when set, otherwise the system's settings — Windows' Internet
// Options (a manual proxy with its bypass list, a PAC script, automatic
// detection), GNOME's proxy settings on Linux, the network settings on macOS.
// Loopback is never proxied.
//
// Each choice is a Route that says where it came from, for diagnostics and
// for messages; neither ever shows a proxy's user name or password. Failures
// on the way out (a proxy that asks for a sign-in, one that can't be
// reached, a certificate from an authority this computer doesn't trust) are
// told apart by Classify, so the engines (oauth, kantata) can give each its
// own kind and words.
package outbound

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Timeouts of the shared transport. The engines bound each whole request
// with their own deadline; these keep a stalled peer or proxy from holding a
// connection when a caller's context has none.
const (
	DialTimeout           = 10 * time.Second
	TLSHandshakeTimeout   = 10 * time.Second
	ResponseHeaderTimeout = 30 * time.Second
)

var (
	sharedOnce      sync.Once
	sharedTransport *Transport
)

// Shared is the transport every call to Kantata uses, over the default
// Resolver (the environment, then this system's settings). One per process,
// so connections are reused across calls.
func Shared() *Transport {
	sharedOnce.Do(func() { sharedTransport = NewTransport(&Resolver{}) })
	return sharedTransport
}

// Client is an *http.Client over Shared, with no overall timeout of its own
// (callers set deadlines on their requests) and net/http's redirect rule;
// the engines replace it with NoRedirects.
func Client() *http.Client { return &http.Client{Transport: Shared()} }

// NoRedirects returns a copy of c (nil: Client) that follows no redirect at
// all: a 3xx answer comes back as it is. Every request to Kantata carries
// something secret — the token request the client secret, the code and the
// PKCE verifier, the API calls the access token — and goes to the address
// the user chose and nowhere else: net/http would post a 307 or 308 again
// wherever it points, even from https to http on another host, and keeps
// the Authorization header on a redirect to the same host name. The caller's
// client is left as it was.
func NoRedirects(c *http.Client) *http.Client {
	if c == nil {
		c = Client()
	}
	nc := *c
	nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &nc
}

// Transport is an http.RoundTripper that routes each request as its Resolver
// says, and wraps every failure in an *Error holding that Route.
type Transport struct {
	resolver *Resolver
	base     *http.Transport
}

// NewTransport returns a transport that routes through r.
func NewTransport(r *Resolver) *Transport {
	t := &Transport{resolver: r}
	t.base = &http.Transport{
		Proxy: func(req *http.Request) (*url.URL, error) {
			if route, ok := req.Context().Value(routeKey{}).(Route); ok {
				return route.Proxy, nil
			}
			route, err := r.Route(req.Context(), req.URL)
			return route.Proxy, err
		},
		OnProxyConnectResponse: onProxyConnectResponse,
		DialContext:            (&net.Dialer{Timeout: DialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:    TLSHandshakeTimeout,
		ResponseHeaderTimeout:  ResponseHeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		IdleConnTimeout:        90 * time.Second,
		MaxIdleConns:           8,
		ForceAttemptHTTP2:      true,
	}
	return t
}

// Resolver is the transport's; for diagnostics and the reachability check,
// which must choose as the requests do.
func (t *Transport) Resolver() *Resolver { return t.resolver }

// CloseIdleConnections closes the connections kept for reuse.
func (t *Transport) CloseIdleConnections() { t.base.CloseIdleConnections() }

type routeKey struct{}

// RoundTrip chooses the route, sends the request along it, and turns a
// failure into an *Error that names the route. A proxy's 407 to a plain-http
// request (which it answers itself, with no tunnel) is a failure too.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	route, err := t.resolver.Route(req.Context(), req.URL)
	if err != nil {
		closeBody(req)
		return nil, &Error{Route: route, Err: err}
	}
	resp, err := t.base.RoundTrip(req.WithContext(context.WithValue(req.Context(), routeKey{}, route)))
	if err != nil {
		return nil, &Error{Route: route, Err: err}
	}
	if resp.StatusCode == http.StatusProxyAuthRequired && route.Proxy != nil {
		resp.Body.Close()
		return nil, &Error{Route: route, Err: proxyAuthError(route.Proxy, resp)}
	}
	return resp, nil
}

// closeBody honours RoundTrip's contract to close the body even on failure.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
