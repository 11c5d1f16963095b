package outbound

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
)

// env is an environment of a test's own.
func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func system(s Settings) func(context.Context) Settings {
	return func(context.Context) Settings { return s }
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRoute(t *testing.T) {
	manual := Settings{Origin: windowsOrigin, HTTPSProxy: "corp-proxy:8080", HTTPProxy: "corp-proxy:8081",
		Bypass: []string{"*.intranet.example", "10.*"}, BypassSimple: true}
	cases := []struct {
		name       string
		env        map[string]string
		system     Settings
		pac        string // the PAC script's answer; "" means the PAC runner is not expected
		pacErr     error
		url        string
		wantProxy  string // host:port, "" for direct
		wantSource Source
		wantDetail string
		wantNote   string // a part of Note
	}{
		{name: "loopback is never proxied, whatever the environment", env: map[string]string{"HTTPS_PROXY": "http://p:1"},
			url: "https://127.0.0.1:9/x", wantSource: FromLoopback},
		{name: "localhost neither", system: manual, url: "http://localhost:8080/", wantSource: FromLoopback},
		{name: "IPv6 loopback neither", env: map[string]string{"HTTP_PROXY": "http://p:1"}, url: "http://[::1]:80/",
			wantSource: FromLoopback},
		{name: "HTTPS_PROXY for an https address", env: map[string]string{"HTTPS_PROXY": "http://envproxy:3128"},
			system: manual, url: "https://app.mavenlink.com/oauth/token", wantProxy: "envproxy:3128",
			wantSource: FromEnvironment, wantDetail: "HTTPS_PROXY"},
		{name: "lower case https_proxy", env: map[string]string{"https_proxy": "envproxy:3128"},
			url: "https://api.mavenlink.com/", wantProxy: "envproxy:3128", wantSource: FromEnvironment, wantDetail: "https_proxy"},
		{name: "upper case first", env: map[string]string{"HTTPS_PROXY": "upper:1", "https_proxy": "lower:2"},
			url: "https://api.mavenlink.com/", wantProxy: "upper:1", wantSource: FromEnvironment, wantDetail: "HTTPS_PROXY"},
		{name: "NO_PROXY with HTTPS_PROXY", env: map[string]string{"HTTPS_PROXY": "envproxy:3128", "NO_PROXY": ".mavenlink.com"},
			system: manual, url: "https://api.mavenlink.com/", wantSource: FromEnvironment, wantDetail: "NO_PROXY"},
		{name: "NO_PROXY alone overrides the system's proxy", env: map[string]string{"no_proxy": "api.mavenlink.com"},
			system: manual, url: "https://api.mavenlink.com/", wantSource: FromEnvironment, wantDetail: "no_proxy"},
		{name: "NO_PROXY alone for another host leaves the system's proxy", env: map[string]string{"NO_PROXY": "example.org"},
			system: manual, url: "https://api.mavenlink.com/", wantProxy: "corp-proxy:8080", wantSource: FromSystem,
			wantDetail: windowsOrigin},
		{name: "HTTP_PROXY alone leaves https to the system", env: map[string]string{"HTTP_PROXY": "envproxy:3128"},
			system: manual, url: "https://api.mavenlink.com/", wantProxy: "corp-proxy:8080", wantSource: FromSystem},
		{name: "system manual proxy per scheme", system: manual, url: "http://app.mavenlink.com/",
			wantProxy: "corp-proxy:8081", wantSource: FromSystem},
		{name: "system bypass wildcard", system: manual, url: "https://wiki.intranet.example/",
			wantSource: FromSystem, wantDetail: "the bypass list of the Windows Internet Options"},
		{name: "system bypass <local>", system: manual, url: "https://intranet/", wantSource: FromSystem},
		{name: "system bypass IP wildcard", system: manual, url: "https://10.1.2.3/", wantSource: FromSystem},
		{name: "no settings at all", url: "https://api.mavenlink.com/", wantSource: FromNone},
		{name: "PAC names a proxy", system: Settings{Origin: windowsOrigin, PACURL: "http://pac.corp/proxy.pac"},
			pac: "PROXY pacproxy:8080; DIRECT", url: "https://app.mavenlink.com/", wantProxy: "pacproxy:8080",
			wantSource: FromPAC, wantDetail: "http://pac.corp/proxy.pac"},
		{name: "PAC says DIRECT over a manual proxy",
			system: Settings{Origin: windowsOrigin, PACURL: "http://pac.corp/proxy.pac", HTTPSProxy: "corp-proxy:8080"},
			pac:    "DIRECT", url: "https://app.mavenlink.com/", wantSource: FromPAC},
		{name: "WinHTTP's bare answer", system: Settings{Origin: windowsOrigin, AutoDetect: true},
			pac: "wpadproxy:3128;other:3128", url: "https://app.mavenlink.com/", wantProxy: "wpadproxy:3128",
			wantSource: FromPAC, wantDetail: "found by automatic detection (WPAD)"},
		{name: "WPAD finds nothing: the manual proxy, with no note",
			system: Settings{Origin: windowsOrigin, AutoDetect: true, HTTPSProxy: "corp-proxy:8080"},
			pacErr: errors.New("no script"), url: "https://app.mavenlink.com/", wantProxy: "corp-proxy:8080", wantSource: FromSystem},
		{name: "a PAC script this system can't run: direct, said in the note",
			system: Settings{Origin: gnomeOrigin, PACURL: "http://pac.corp/proxy.pac"}, pacErr: ErrPACUnsupported,
			url: "https://app.mavenlink.com/", wantSource: FromNone, wantNote: "set HTTPS_PROXY"},
		{name: "a PAC script that fails falls back to the manual proxy",
			system: Settings{Origin: windowsOrigin, PACURL: "http://pac.corp/proxy.pac", HTTPSProxy: "corp-proxy:8080"},
			pacErr: errors.New("the script could not be downloaded"), url: "https://app.mavenlink.com/",
			wantProxy: "corp-proxy:8080", wantSource: FromSystem, wantNote: "could not be downloaded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &Resolver{Getenv: env(c.env), System: system(c.system),
				PAC: func(_ context.Context, pacURL string, autoDetect bool, target *url.URL) (string, error) {
					if c.pac == "" && c.pacErr == nil {
						t.Errorf("PAC run for %s, none expected", target)
					}
					if autoDetect != (c.system.PACURL == "") || (!autoDetect && pacURL != c.system.PACURL) {
						t.Errorf("PAC run with %q, autoDetect %v", pacURL, autoDetect)
					}
					return c.pac, c.pacErr
				}}
			route, err := r.Route(context.Background(), mustURL(t, c.url))
			if err != nil {
				t.Fatal(err)
			}
			if route.ProxyAddr() != c.wantProxy || route.Source != c.wantSource {
				t.Errorf("route %+v (%s), want proxy %q from %q", route, route, c.wantProxy, c.wantSource)
			}
			if c.wantDetail != "" && route.Detail != c.wantDetail {
				t.Errorf("detail %q, want %q", route.Detail, c.wantDetail)
			}
			if !strings.Contains(route.Note, c.wantNote) || (c.wantNote == "" && route.Note != "") {
				t.Errorf("note %q, want it to say %q", route.Note, c.wantNote)
			}
		})
	}
}

// A proxy's user name and password never show: not in the route's words,
// not in diagnostics, not in the error for a variable that is not an
// address.
func TestRouteShowsNoCredentials(t *testing.T) {
	const password = "s3cret-Pa55"
	r := &Resolver{Getenv: env(map[string]string{"HTTPS_PROXY": "http://jane:" + password + "@envproxy:3128",
		"HTTP_PROXY": "http://jane:" + password + "@envproxy:3128"}), System: system(Settings{})}
	route, err := r.Route(context.Background(), mustURL(t, "https://app.mavenlink.com/"))
	if err != nil || route.Proxy == nil || route.Proxy.User == nil {
		t.Fatalf("route %+v, %v; want the proxy with its credentials, to use", route, err)
	}
	shown := []string{route.String(), route.From(), route.ProxyAddr(), strings.Join(r.Environment(), "\n"),
		(&Error{Route: route, Err: errors.New("boom")}).Error()}
	gnome := Settings{Origin: gnomeOrigin, HTTPSProxy: "http://jane:" + password + "@gproxy:8080"}
	shown = append(shown, gnome.Summary())
	for _, s := range shown {
		if strings.Contains(s, password) || strings.Contains(s, "jane") {
			t.Errorf("%q shows the proxy's credentials", s)
		}
	}
	if !strings.Contains(route.String(), "envproxy:3128") || !strings.Contains(route.String(), "HTTPS_PROXY") {
		t.Errorf("route %q does not name the proxy and the variable", route)
	}

	bad := &Resolver{Getenv: env(map[string]string{"HTTPS_PROXY": "http://jane:" + password + "@[bad"})}
	_, err = bad.Route(context.Background(), mustURL(t, "https://app.mavenlink.com/"))
	if err == nil || strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), "HTTPS_PROXY") {
		t.Errorf("a variable that is not an address: %v; want an error naming the variable, not its value", err)
	}
}

// The system's settings are read once per TTL, not on every request; a PAC
// script's answer too, and WPAD finding nothing holds for every host.
func TestResolverReusesReadings(t *testing.T) {
	reads, runs := 0, 0
	r := &Resolver{
		System: func(context.Context) Settings {
			reads++
			return Settings{Origin: windowsOrigin, AutoDetect: true}
		},
		PAC: func(context.Context, string, bool, *url.URL) (string, error) {
			runs++
			return "", errors.New("no script")
		},
	}
	for _, u := range []string{"https://app.mavenlink.com/a", "https://app.mavenlink.com/b", "https://api.mavenlink.com/"} {
		if _, err := r.Route(context.Background(), mustURL(t, u)); err != nil {
			t.Fatal(err)
		}
	}
	if reads != 1 || runs != 1 {
		t.Errorf("settings read %d times, WPAD run %d times for three requests; want once each", reads, runs)
	}
}

func TestPACRoute(t *testing.T) {
	cases := map[string]string{
		"DIRECT":                      "",
		"PROXY p:8080; DIRECT":        "http://p:8080",
		"  proxy p:8080 ":             "http://p:8080",
		"HTTPS secure:443":            "https://secure:443",
		"SOCKS s:1080":                "socks5://s:1080",
		"SOCKS5 s:1080; PROXY p:1":    "socks5://s:1080",
		"p1:3128;p2:3128":             "http://p1:3128",
		"PROXY p:8080 extra":          "error",
		"":                            "error",
		"FTP x:21":                    "error",
		"PROXY ftp://x:21":            "error",
		"PROXY [unterminated:8080":    "error",
		"http://already-a-url:8080":   "http://already-a-url:8080",
		"DIRECT; PROXY fallback:8080": "",
	}
	for list, want := range cases {
		t.Run(list, func(t *testing.T) {
			route, err := pacRoute(list)
			got := ""
			if err != nil {
				got = "error"
			} else if route.Proxy != nil {
				got = route.Proxy.String()
			}
			if got != want {
				t.Errorf("pacRoute(%q) = %q (%v), want %q", list, got, err, want)
			}
		})
	}
}

func TestBypassed(t *testing.T) {
	cases := []struct {
		host   string
		list   []string
		simple bool
		want   bool
	}{
		{"intranet", nil, true, true},
		{"intranet", []string{"<local>"}, false, true},
		{"app.mavenlink.com", []string{"<local>"}, false, false},
		{"10.0.0.1", []string{"<local>"}, false, false},
		{"wiki.corp.example", []string{"*.corp.example"}, false, true},
		{"corp.example", []string{"*.corp.example"}, false, true},
		{"notcorp.example", []string{"*.corp.example"}, false, false},
		{"wiki.corp.example", []string{".corp.example"}, false, true},
		{"corp.example", []string{"corp.example"}, false, true},
		{"wiki.corp.example", []string{"corp.example"}, false, false},
		{"10.20.30.40", []string{"10.*"}, false, true},
		{"110.20.30.40", []string{"10.*"}, false, false},
		{"192.168.1.9", []string{"192.168.0.0/16"}, false, true},
		{"169.254.3.4", []string{"169.254/16"}, false, true},
		{"172.16.0.1", []string{"169.254/16"}, false, false},
		{"::1", []string{"::1"}, false, true},
		{"fd00::5", []string{"fd00::/8"}, false, true},
		{"APP.Mavenlink.com", []string{"app.mavenlink.COM"}, false, true},
		{"app.mavenlink.com", []string{"https://*.mavenlink.com"}, false, true},
		{"app.mavenlink.com", []string{"app.mavenlink.com:443"}, false, true},
		{"anything.example", []string{"*"}, false, true},
		{"api.mavenlink.com", []string{"", " ", "localhost", "127.0.0.0/8"}, false, false},
	}
	for _, c := range cases {
		if got := bypassed(c.host, c.list, c.simple); got != c.want {
			t.Errorf("bypassed(%q, %q, %v) = %v, want %v", c.host, c.list, c.simple, got, c.want)
		}
	}
}
