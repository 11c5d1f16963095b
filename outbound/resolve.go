package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// Source says where a route's choice came from.
type Source string

const (
	// FromNone: nothing names a proxy for the host; it is reached directly.
	FromNone Source = "none"
	// FromLoopback: the host is this computer, which is never proxied.
	FromLoopback Source = "loopback"
	// FromEnvironment: HTTPS_PROXY / HTTP_PROXY (or NO_PROXY) decided.
	FromEnvironment Source = "environment"
	// FromSystem: the system's manual proxy settings (or their bypass list).
	FromSystem Source = "system settings"
	// FromPAC: a proxy auto-config script, named in the system settings or
	// found by automatic detection (WPAD).
	FromPAC Source = "PAC script"
)

// Route is how a request to one host goes out.
type Route struct {
	// Proxy is the proxy to go through; nil means straight to the host. It
	// may hold a user name and password (from HTTPS_PROXY, or GNOME's
	// settings): show it only through ProxyAddr or String.
	Proxy  *url.URL
	Source Source
	// Detail names the variable, setting or script that decided:
	// "HTTPS_PROXY", "NO_PROXY", "Windows Internet Options", a PAC script's
	// address, "the bypass list of GNOME's proxy settings".
	Detail string
	// Note says in plain words what the system's settings ask for that
	// could not be done (a PAC script on a system where the app can't run
	// one, a PAC script that failed), so the route fell back to another way.
	Note string
}

// ProxyAddr is the proxy's host:port, without any user name or password, or
// "" for a direct route.
func (r Route) ProxyAddr() string {
	if r.Proxy == nil {
		return ""
	}
	return hostPort(r.Proxy)
}

// From says where the choice came from, for a message: "the environment:
// HTTPS_PROXY", "the system settings: Windows Internet Options", "a PAC
// script: http://wpad/wpad.dat".
func (r Route) From() string {
	var s string
	switch r.Source {
	case FromEnvironment:
		s = "the environment"
	case FromSystem:
		s = "the system settings"
	case FromPAC:
		s = "a PAC script"
	case FromLoopback:
		return "this computer's own address, which is never proxied"
	default:
		return "no proxy is set in the environment or the system settings"
	}
	if r.Detail != "" {
		s += ": " + r.Detail
	}
	return s
}

// String is the route for diagnostics: "proxy proxy.corp:8080, from the
// environment: HTTPS_PROXY", "direct, from a PAC script (...)", "direct: no
// proxy is set ...". It never holds credentials.
func (r Route) String() string {
	var s string
	switch {
	case r.Proxy != nil:
		s = "proxy " + r.ProxyAddr() + ", from " + r.From()
	case r.Source == FromNone || r.Source == FromLoopback || r.Source == "":
		s = "direct: " + r.From()
	default:
		s = "direct, as decided by " + r.From()
	}
	if r.Note != "" {
		s += ". " + r.Note
	}
	return s
}

// Settings are the system's proxy settings, as far as this app reads them.
type Settings struct {
	// Origin names where they were read: "Windows Internet Options",
	// "GNOME proxy settings", "macOS network settings".
	Origin string
	// HTTPSProxy and HTTPProxy are the manual proxies for https and http
	// addresses ("host:port" or a URL); "" when there is none.
	HTTPSProxy, HTTPProxy string
	// Bypass lists the hosts the manual proxy is not used for, in the
	// system's own syntax (wildcards, CIDR ranges, "<local>").
	Bypass []string
	// BypassSimple: host names without a dot skip the manual proxy
	// (Windows' "<local>", macOS's ExcludeSimpleHostnames).
	BypassSimple bool
	// PACURL is the proxy auto-config script's address, when one is set.
	PACURL string
	// AutoDetect: look for a PAC script on the network (WPAD).
	AutoDetect bool
	// Err is why the settings could not be read (or "" of them were);
	// the app then goes direct.
	Err error
}

// Summary says in one line what the settings hold, for diagnostics.
func (s Settings) Summary() string {
	if s.Origin == "" {
		return "none read on this system"
	}
	var parts []string
	if s.Err != nil {
		parts = append(parts, "could not be read: "+s.Err.Error())
	}
	if s.AutoDetect {
		parts = append(parts, "automatic detection (WPAD) on")
	}
	if s.PACURL != "" {
		parts = append(parts, "PAC script "+redactURL(s.PACURL))
	}
	if s.HTTPSProxy != "" {
		parts = append(parts, "https proxy "+redactProxy(s.HTTPSProxy))
	}
	if s.HTTPProxy != "" && s.HTTPProxy != s.HTTPSProxy {
		parts = append(parts, "http proxy "+redactProxy(s.HTTPProxy))
	}
	if len(s.Bypass) > 0 || s.BypassSimple {
		b := append([]string(nil), s.Bypass...)
		if s.BypassSimple {
			b = append(b, "<local>")
		}
		parts = append(parts, "bypass "+strings.Join(b, "; "))
	}
	if len(parts) == 0 {
		parts = append(parts, "no proxy")
	}
	return s.Origin + ": " + strings.Join(parts, ", ")
}

// DefaultTTL is how long the system's settings, and a PAC script's answer
// for a host, are reused before they are read again: long enough that a
// sign-in's few requests read them once, short enough that a change in the
// settings reaches an open window soon.
const DefaultTTL = time.Minute

// Bounds on reading the system: a stuck settings daemon or a PAC server that
// never answers must not hold a request.
const (
	settingsTimeout = 5 * time.Second
	pacTimeout      = 10 * time.Second
	// wpadTimeout is shorter: automatic detection is on by default on
	// Windows, and usually finds nothing.
	wpadTimeout = 5 * time.Second
)

// Resolver chooses the route for each request. The zero value reads this
// process's environment and this system's settings.
type Resolver struct {
	// Getenv reads the environment; nil means os.Getenv. It is read on
	// every request, so a change applies to the next one.
	Getenv func(string) string
	// System reads the system's proxy settings; nil means this OS's.
	System func(ctx context.Context) Settings
	// PAC runs a PAC script (pacURL "" with autoDetect: the one WPAD finds)
	// for target and returns its answer ("PROXY host:port; DIRECT"); nil
	// means this OS's way, which is ErrPACUnsupported where there is none.
	PAC func(ctx context.Context, pacURL string, autoDetect bool, target *url.URL) (string, error)
	// TTL is how long settings and PAC answers are reused; 0 means DefaultTTL.
	TTL time.Duration

	mu       sync.Mutex
	settings Settings
	readAt   time.Time
	pac      map[string]pacAnswer
}

type pacAnswer struct {
	list string
	err  error
	at   time.Time
}

// Route chooses how a request to u goes out: never through a proxy for
// loopback; else as the environment says when it names a proxy for u's
// scheme (or NO_PROXY names the host); else as the system's settings say (a
// PAC script first, then the manual proxy and its bypass list); else direct.
// An error means the environment names a proxy that is not a valid address;
// the route then says which variable.
func (r *Resolver) Route(ctx context.Context, u *url.URL) (Route, error) {
	if u == nil || isLoopback(u.Hostname()) {
		return Route{Source: FromLoopback}, nil
	}
	if route, ok, err := r.fromEnvironment(u); ok || err != nil {
		return route, err
	}
	return r.fromSystem(ctx, u), nil
}

// Settings are the system's proxy settings as the next request would use
// them: for diagnostics.
func (r *Resolver) Settings(ctx context.Context) Settings { return r.systemSettings(ctx) }

func (r *Resolver) getenv(name string) string {
	if r.Getenv != nil {
		return r.Getenv(name)
	}
	return os.Getenv(name)
}

// envValue is the first of the upper- and lower-case spellings that is set,
// upper case first as net/http reads them, and its name.
func (r *Resolver) envValue(name string) (value, from string) {
	for _, n := range []string{name, strings.ToLower(name)} {
		if v := r.getenv(n); v != "" {
			return v, n
		}
	}
	return "", name
}

// fromEnvironment applies the environment's variables, with net/http's
// rules (golang.org/x/net/http/httpproxy): HTTPS_PROXY for https addresses,
// HTTP_PROXY for http ones, NO_PROXY for exceptions. ok is false when they
// say nothing about u, and the system's settings decide.
func (r *Resolver) fromEnvironment(u *url.URL) (route Route, ok bool, err error) {
	varName := "HTTP_PROXY"
	if u.Scheme == "https" {
		varName = "HTTPS_PROXY"
	}
	proxy, name := r.envValue(varName)
	noProxy, noName := r.envValue("NO_PROXY")
	if proxy == "" {
		if noProxy == "" {
			return Route{}, false, nil
		}
		// NO_PROXY alone still says which hosts the user wants reached
		// directly, whatever the system's settings say.
		probe := httpproxy.Config{HTTPProxy: "probe.invalid:1", HTTPSProxy: "probe.invalid:1", NoProxy: noProxy}
		if p, _ := probe.ProxyFunc()(u); p == nil {
			return Route{Source: FromEnvironment, Detail: noName}, true, nil
		}
		return Route{}, false, nil
	}
	cfg := httpproxy.Config{NoProxy: noProxy}
	if u.Scheme == "https" {
		cfg.HTTPSProxy = proxy
	} else {
		cfg.HTTPProxy = proxy
	}
	p, perr := cfg.ProxyFunc()(u)
	if perr == nil && p != nil {
		// httpproxy takes much as an address: "http://" in front of nearly
		// anything parses. Only a host name with a known scheme is one.
		if _, verr := parseProxy(p.String()); verr != nil || p.Hostname() == "" || strings.ContainsAny(p.Host, "/@") ||
			(p.Path != "" && p.Path != "/") {
			perr = verr
			if perr == nil {
				perr = errors.New("not a proxy address")
			}
		}
	}
	if perr != nil {
		// httpproxy's error quotes the value, which may hold a password.
		return Route{Source: FromEnvironment, Detail: name}, true,
			settingError{fmt.Errorf("the environment variable %s is not a proxy address", name)}
	}
	if p == nil {
		return Route{Source: FromEnvironment, Detail: noName}, true, nil
	}
	return Route{Proxy: p, Source: FromEnvironment, Detail: name}, true, nil
}

func (r *Resolver) ttl() time.Duration {
	if r.TTL > 0 {
		return r.TTL
	}
	return DefaultTTL
}

// systemSettings reads the system's settings, or reuses a reading younger
// than the TTL.
func (r *Resolver) systemSettings(ctx context.Context) Settings {
	r.mu.Lock()
	if !r.readAt.IsZero() && time.Since(r.readAt) < r.ttl() {
		s := r.settings
		r.mu.Unlock()
		return s
	}
	r.mu.Unlock()
	read := r.System
	if read == nil {
		read = systemSettings
	}
	ctx, cancel := context.WithTimeout(ctx, settingsTimeout)
	defer cancel()
	s := read(ctx)
	r.mu.Lock()
	r.settings, r.readAt = s, time.Now()
	r.mu.Unlock()
	return s
}

// fromSystem applies the system's settings: a PAC script (named, or found
// by WPAD) first; when there is none, it failed, or this system can't run
// one, the manual proxy with its bypass list; else direct.
func (r *Resolver) fromSystem(ctx context.Context, u *url.URL) Route {
	s := r.systemSettings(ctx)
	var note string
	if s.PACURL != "" || s.AutoDetect {
		list, err := r.runPAC(ctx, s, u)
		detail := redactURL(s.PACURL)
		if s.PACURL == "" {
			detail = "found by automatic detection (WPAD)"
		}
		switch {
		case err == nil:
			if route, perr := pacRoute(list); perr == nil {
				route.Source, route.Detail = FromPAC, detail
				return route
			} else {
				note = fmt.Sprintf("The PAC script %s gave an answer Kantata Connect can't use (%v)", detail, perr)
			}
		case s.PACURL == "":
			// No PAC script found on the network: the usual case where
			// automatic detection is on (Windows' default).
		case errors.Is(err, ErrPACUnsupported):
			note = fmt.Sprintf("The system settings name a PAC script (%s), which Kantata Connect can't run on "+
				"this system; if your browser uses a proxy, set HTTPS_PROXY to it", detail)
		default:
			note = fmt.Sprintf("The PAC script %s could not be used (%v)", detail, err)
		}
	}
	proxy := s.HTTPProxy
	if u.Scheme == "https" {
		proxy = s.HTTPSProxy
	}
	if proxy == "" {
		return Route{Source: FromNone, Note: note}
	}
	if bypassed(u.Hostname(), s.Bypass, s.BypassSimple) {
		return Route{Source: FromSystem, Detail: "the bypass list of the " + s.Origin, Note: note}
	}
	p, err := parseProxy(proxy)
	if err != nil {
		return Route{Source: FromNone, Note: joinNotes(note,
			fmt.Sprintf("The proxy in the %s is not a proxy address, so it was not used", s.Origin))}
	}
	return Route{Proxy: p, Source: FromSystem, Detail: s.Origin, Note: note}
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + ". " + b
}

// runPAC runs the settings' PAC script for u, reusing an answer for the same
// script, scheme and host younger than the TTL. When automatic detection
// finds no script, that holds for every host until the TTL passes: finding
// nothing can take seconds.
func (r *Resolver) runPAC(ctx context.Context, s Settings, u *url.URL) (string, error) {
	autoDetect := s.PACURL == ""
	key := fmt.Sprintf("%s|%s://%s", s.PACURL, u.Scheme, u.Host)
	const noScript = "|wpad found nothing"
	r.mu.Lock()
	for _, k := range []string{key, noScript} {
		if a, ok := r.pac[k]; ok && time.Since(a.at) < r.ttl() && (k == key || autoDetect) {
			r.mu.Unlock()
			return a.list, a.err
		}
	}
	r.mu.Unlock()
	run := r.PAC
	if run == nil {
		run = runPAC
	}
	timeout := pacTimeout
	if autoDetect {
		timeout = wpadTimeout
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// The script sees the address without any user information or query.
	target := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	list, err := run(pctx, s.PACURL, autoDetect, target)
	if err != nil && ctx.Err() != nil {
		// The caller's cancellation says nothing about the script.
		return list, err
	}
	r.mu.Lock()
	if r.pac == nil {
		r.pac = map[string]pacAnswer{}
	}
	if autoDetect && err != nil {
		key = noScript
	}
	r.pac[key] = pacAnswer{list: list, err: err, at: time.Now()}
	r.mu.Unlock()
	return list, err
}

// isLoopback: this computer's own names and addresses, never proxied.
func isLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseProxy reads a proxy as the system settings write it: "host:port",
// "http://host:port", "socks5://host:port". A missing scheme means http.
func parseProxy(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil, errors.New("not a proxy address")
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return nil, fmt.Errorf("proxy scheme %q is not supported", u.Scheme)
	}
	return u, nil
}

// hostPort is a proxy URL's host and port, the scheme's default port when
// it names none; never its user information.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	switch u.Scheme {
	case "https":
		port = "443"
	case "socks5", "socks5h":
		port = "1080"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// redactProxy shows a proxy setting without its user name or password.
func redactProxy(s string) string {
	if p, err := parseProxy(s); err == nil {
		return hostPort(p)
	}
	if at := strings.LastIndex(s, "@"); at >= 0 {
		return s[at+1:]
	}
	return s
}

// redactURL shows an address without user information.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if at := strings.LastIndex(s, "@"); at >= 0 {
			return s[at+1:]
		}
		return s
	}
	u.User = nil
	return u.String()
}

// Environment describes the proxy variables set in the environment, one
// "NAME: value" each, proxies as host:port only: never a user name or
// password, only whether one is there. For diagnostics.
func (r *Resolver) Environment() []string {
	var out []string
	for _, name := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"} {
		v := r.getenv(name)
		if v == "" {
			continue
		}
		if strings.EqualFold(name, "NO_PROXY") {
			out = append(out, name+": "+v)
			continue
		}
		shown := redactProxy(v)
		if p, err := parseProxy(v); err != nil {
			shown = "(not a proxy address)"
		} else if p.User != nil {
			shown += " (with a user name and password, not shown)"
		}
		out = append(out, name+": "+shown)
	}
	return out
}
