package connect

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/kantata-connect/kantata-connect/outbound"
)

// ReachTimeout bounds the check that the authorization host answers.
const ReachTimeout = 10 * time.Second

// UnreachableError is a warning, never a failure: this computer could not
// open a connection to the host of the sign-in page (or to the proxy chosen
// for it, as for every call to Kantata: package outbound). The browser may
// still get there — through a proxy of its own, say — so the sign-in goes on
// waiting.
type UnreachableError struct {
	Host  string // what was tried: the sign-in page's host, or the proxy's
	Proxy bool   // Host is a proxy for the sign-in page's host
	// Route is how the sign-in page's host is reached: where the proxy
	// came from, or why there is none.
	Route outbound.Route
	Err   error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("connect to %s: %v", e.Host, e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.Err }
func (e *UnreachableError) UserMessage() string {
	if e.Proxy {
		return fmt.Sprintf("This computer couldn't reach its proxy, %s (from %s): check the proxy settings and the "+
			"internet connection. If your browser shows Kantata anyway, carry on.", e.Host, e.Route.From())
	}
	msg := fmt.Sprintf("This computer couldn't reach %s: check the internet connection or proxy. If your browser "+
		"shows Kantata anyway, carry on.", e.Host)
	if e.Route.Note != "" {
		msg += " " + e.Route.Note + "."
	}
	return msg
}
func (e *UnreachableError) TechnicalDetail() string { return e.Error() }

// Reachability delivers one value, soon after the sign-in starts: nil when
// the sign-in page's host accepted a connection, else *UnreachableError. The
// check opens a connection and closes it: nothing is sent, no credential.
// Nothing is delivered when the sign-in ends first.
func (a *Authorization) Reachability() <-chan error { return a.reach }

// Deadline is when the wait for the browser ends (Wait then fails with
// oauth.KindTimeout): for a countdown.
func (a *Authorization) Deadline() time.Time { return a.deadline }

// checkReach tries the host of authURL, or the proxy chosen for it, once,
// while the sign-in waits.
func (a *Authorization) checkReach(authURL string) {
	a.reach = make(chan error, 1)
	u, err := url.Parse(authURL)
	if err != nil {
		return // the rules checked it; nothing to try
	}
	ctx, cancel := context.WithTimeout(context.Background(), ReachTimeout)
	ended := a.flow.Done()
	go func() {
		defer cancel()
		go func() {
			select {
			case <-ended: // the sign-in is over: stop trying
				cancel()
			case <-ctx.Done():
			}
		}()
		// The route the sign-in's own requests take (a PAC script may
		// take a moment, within the same time limit).
		route, rerr := outbound.Shared().Resolver().Route(ctx, u)
		target, proxied := u, false
		if rerr == nil && route.Proxy != nil {
			target, proxied = route.Proxy, true
		}
		host := target.Host
		if target.Port() == "" {
			port := "443"
			if target.Scheme == "http" {
				port = "80"
			}
			host = net.JoinHostPort(target.Hostname(), port)
		}
		shown := target.Host
		if proxied {
			shown = route.ProxyAddr()
		}
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", host)
		if err == nil {
			conn.Close()
			a.reach <- nil
			return
		}
		select {
		case <-ended:
		default:
			a.reach <- &UnreachableError{Host: shown, Proxy: proxied, Route: route, Err: err}
		}
	}()
}
