// Package kantata knows Kantata OX's own facts: its endpoints and how to ask
// which user a token belongs to.
package kantata

import (
	"net/url"
	"slices"
	"strings"

	"github.com/kantata-connect/kantata-connect/endpoint"
)

// Kantata OX's documented OAuth 2.0 endpoints (developer.kantata.com,
// "Obtaining tokens for users") and its API base.
const (
	DefaultAuthURL    = "https://app.mavenlink.com/oauth/authorize"
	DefaultTokenURL   = "https://app.mavenlink.com/oauth/token"
	DefaultAPIBaseURL = "https://api.mavenlink.com"
)

// AppsPage is where Kantata lists an account's registered applications:
// their client IDs and secrets, callback URLs and personal tokens.
const AppsPage = "Settings > API > registered applications"

// DefaultRedirectPort is the loopback port of the callback URL users register
// in Kantata. Kantata matches the callback URL exactly, so the port is fixed;
// it sits below 49152 because Windows reserves dynamic ranges above it.
const DefaultRedirectPort = 38917

// IsKantataHost reports whether host (a URL's host, with or without a port)
// is one of Kantata's own: the hosts of the endpoints above, over https's
// default port. A client whose endpoints name any other host sends its
// secret and tokens somewhere else.
//
// Only the bytes that will be dialled count: a host with any character
// outside ASCII is never Kantata's, since browsers and Go's HTTP client
// turn it into another name (IDNA: app.mavenlİnk.com is dialled as
// app.xn--mavenlink-ckf.com), and case is folded by ASCII's rules alone
// (Unicode's would fold "İ" or "K" (Kelvin) into a Kantata letter).
func IsKantataHost(host string) bool {
	host = strings.TrimSuffix(host, ":443")
	return endpoint.IsASCII(host) && slices.Contains(Hosts(), strings.ToLower(host)) // ASCII's case folding alone
}

// Hosts are Kantata's own hosts: those of the endpoints above.
func Hosts() []string {
	var hosts []string
	for _, u := range []string{DefaultAuthURL, DefaultTokenURL, DefaultAPIBaseURL} {
		if h := hostOf(u); !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err) // a constant above
	}
	return u.Host
}
