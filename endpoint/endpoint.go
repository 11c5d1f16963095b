// Package endpoint holds the rules of an OAuth 2.0 client's web addresses
// and settings that more than one engine applies: which endpoint URLs are
// safe to send a secret to, how a host is dialled, where a redirect points,
// how the client credentials are sent and which callback ports exist. It
// knows no provider: the sign-in (package oauth), the API calls (package
// kantata) and the saved settings (package store) all follow it.
package endpoint

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// ClientAuth is how the client authenticates at the token endpoint.
type ClientAuth string

const (
	// ClientAuthBody sends client_id and client_secret in the request body
	// (client_secret_post), the way Kantata documents it.
	ClientAuthBody ClientAuth = "body"
	// ClientAuthBasic sends them in an HTTP basic-auth header
	// (client_secret_basic).
	ClientAuthBasic ClientAuth = "basic"
)

// Valid reports whether a is a known way to send the client credentials.
func (a ClientAuth) Valid() bool { return a == ClientAuthBody || a == ClientAuthBasic }

// The callback ports a client may choose.
const (
	MinPort = 1
	MaxPort = 65535
)

// CheckPort is the rule of a callback port. The error says what is wrong in
// words that follow "The callback port".
func CheckPort(port int) error {
	if port < MinPort || port > MaxPort {
		return fmt.Errorf("must be a number from %d to %d", MinPort, MaxPort)
	}
	return nil
}

// Check is the rule every endpoint of a client follows: an absolute https
// URL, or plain http only on a loopback address (a stand-in server on this
// computer), with no user name or password in it, a host name in plain
// ASCII, no OAuth parameter of its own in its query and no fragment. The
// token request carries the client secret and API calls the token, so
// nothing else is safe. The error says what is wrong in words that follow
// "The token URL".
func Check(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "" && u.Opaque != "") {
		return errors.New("is not a web address")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return errors.New("must start with https://")
	}
	if u.Host == "" {
		return errors.New("has no host name")
	}
	if u.User != nil {
		return errors.New("must not hold a user name or password")
	}
	if err := checkASCIIHost(u.Hostname()); err != nil {
		return err
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return errors.New("must use https:// (http:// is only for 127.0.0.1)")
	}
	if name := oauthParameterIn(u.RawQuery); name != "" {
		return fmt.Errorf("has the OAuth parameter “%s” in its query, which only Kantata Connect may set", name)
	}
	if strings.Contains(raw, "#") { // even an empty one: the sign-in's parameters would land behind it
		return errors.New("must not have a “#” part")
	}
	return nil
}

// checkASCIIHost refuses a host name with a character outside ASCII. A
// browser and Go's HTTP client both turn such a name into another one (IDNA:
// app.mavenlİnk.com becomes app.xn--mavenlink-ckf.com) and connect there,
// so a look-alike would pass for a host it is not. Host names are judged
// only by the bytes that will be dialled: plain ASCII, whose case folding
// is ASCII's.
func checkASCIIHost(host string) error {
	for _, r := range host {
		if r < utf8.RuneSelf {
			continue
		}
		what := fmt.Sprintf("“%c” (U+%04X)", r, r)
		if safetext.Find(string(r)) >= 0 {
			what = safetext.Describe(r)
		}
		msg := fmt.Sprintf("has %s in its host name, where only plain letters (a–z), digits, “-” and “.” may stand", what)
		if dialled := DialledHost(host); dialled != safetext.Clean(host) {
			msg += fmt.Sprintf(": browsers and Kantata Connect would go to %s", dialled)
		}
		return errors.New(msg)
	}
	return nil
}

// oauthParameters are the OAuth 2.0 parameters (RFC 6749, 7636, 7009 and
// the IANA registry's common ones) an endpoint's own query must not hold:
// placed before the app's, a server may read them instead, and the sign-in
// would go to another client, callback or challenge than the one shown.
var oauthParameters = []string{
	"client_id", "client_secret", "response_type", "response_mode", "redirect_uri", "scope", "state",
	"code", "code_challenge", "code_challenge_method", "code_verifier", "grant_type", "refresh_token",
	"access_token", "token_type", "token", "token_type_hint", "nonce", "prompt", "request", "request_uri",
	"assertion", "client_assertion", "client_assertion_type", "username", "password", "audience", "resource",
}

// oauthParameterIn returns the first OAuth parameter named in rawQuery, or
// "". Names are compared after unescaping and without regard to ASCII
// case, and both "&" and ";" part them: servers differ, so the strictest
// reading decides.
func oauthParameterIn(rawQuery string) string {
	for _, pair := range strings.FieldsFunc(rawQuery, func(r rune) bool { return r == '&' || r == ';' }) {
		key, _, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		key = strings.TrimSpace(key)
		for _, p := range oauthParameters {
			if IsASCII(key) && strings.EqualFold(key, p) { // ASCII: "ſcope" is no server's scope
				return p
			}
		}
	}
	return ""
}

// DialledHost is host (a URL's host, maybe with a port) as it will be
// dialled and as messages show it: a name with characters outside ASCII in
// the ASCII form browsers and Go's HTTP client turn it into, else as it is,
// made safe to show.
func DialledHost(host string) string {
	if IsASCII(host) {
		return safetext.Clean(host)
	}
	name, port := host, ""
	if h, p, err := net.SplitHostPort(host); err == nil {
		name, port = h, p
	}
	dialled, err := idna.Lookup.ToASCII(name)
	if err != nil || !IsASCII(dialled) {
		return safetext.Clean(host)
	}
	if port != "" {
		return safetext.Clean(net.JoinHostPort(dialled, port))
	}
	return dialled
}

// RedirectTarget names where a redirect from endpoint to loc points, for a
// message: the scheme and host when the scheme changes, the host when it
// changes, else the host and path. "" when loc names no address. The token
// exchange and the API calls word their redirects with it.
func RedirectTarget(endpoint, loc string) string {
	base, err := url.Parse(endpoint)
	if err != nil || loc == "" {
		return ""
	}
	l, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	to := base.ResolveReference(l)
	switch {
	case to.Host == "":
		return ""
	case !strings.EqualFold(to.Scheme, base.Scheme):
		return to.Scheme + "://" + to.Host
	case !strings.EqualFold(to.Host, base.Host):
		return to.Host
	}
	return to.Host + to.EscapedPath()
}

// IsASCII reports whether s holds only ASCII bytes: the only host names
// that are dialled as they read.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
