package endpoint_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/endpoint"
)

// TestCheck: the rule every endpoint follows, with the words of
// each refusal (they follow "The token URL").
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		says      string // "" when accepted
	}{
		{"Kantata's token URL", "https://app.mavenlink.com/oauth/token", ""},
		{"upper-case ASCII host", "https://APP.MAVENLINK.COM/oauth/token", ""},
		{"loopback stand-in over http", "http://127.0.0.1:8080/oauth/token", ""},
		{"a query of the endpoint's own", "https://login.example.com/authorize?tenant=acme", ""},
		{"not a web address", "javascript:alert(1)", "is not a web address"},
		{"another scheme", "ftp://app.mavenlink.com/", "must start with https://"},
		{"plain http elsewhere", "http://app.mavenlink.com/oauth/token", "must use https://"},
		{"user info", "https://u:p@app.mavenlink.com/", "user name or password"},

		// issue 19: a look-alike host, in every spelling that parses.
		{"Turkish dotted capital I", "https://app.mavenl\u0130nk.com/oauth/token",
			"has “İ” (U+0130) in its host name, where only plain letters (a–z), digits, “-” and “.” may stand: browsers and Kantata Connect would go to app.xn--mavenlink-ckf.com"},
		{"percent-encoded", "https://app.mavenl%C4%B0nk.com/oauth/token", "would go to app.xn--mavenlink-ckf.com"},
		{"Cyrillic a", "https://\u0430pp.mavenlink.com/oauth/token", "would go to xn--pp-6kc.mavenlink.com"},
		{"Kelvin sign", "https://api.mavenlin\u212A.com", "has “\u212A” (U+212A) in its host name"},
		{"fullwidth dot", "https://app\uFF0Emavenlink.com", "U+FF0E"},
		{"invisible character in the host", "https://app.maven\u00ADlink.com", "has U+00AD (soft hyphen) in its host name"},
		{"on a loopback port too", "http://127.0.0.1\u0130:80/", "in its host name"},

		// issue 19: the app's parameters are the only ones sent.
		{"client_id first", "https://app.mavenlink.com/oauth/authorize?client_id=theirs", "has the OAuth parameter “client_id” in its query, which only Kantata Connect may set"},
		{"redirect_uri", "https://app.mavenlink.com/oauth/authorize?x=1&redirect_uri=https://evil.example/", "“redirect_uri”"},
		{"scope", "https://app.mavenlink.com/oauth/authorize?scope=admin", "“scope”"},
		{"code_challenge", "https://app.mavenlink.com/oauth/authorize?code_challenge=abc", "“code_challenge”"},
		{"state", "https://app.mavenlink.com/oauth/authorize?state=fixed", "“state”"},
		{"response_type", "https://app.mavenlink.com/oauth/authorize?response_type=token", "“response_type”"},
		{"grant_type on the token URL", "https://app.mavenlink.com/oauth/token?grant_type=password", "“grant_type”"},
		{"client_secret on the token URL", "https://app.mavenlink.com/oauth/token?client_secret=x", "“client_secret”"},
		{"other case", "https://app.mavenlink.com/oauth/authorize?Client_ID=theirs", "“client_id”"},
		{"escaped name", "https://app.mavenlink.com/oauth/authorize?%63lient_id=theirs", "“client_id”"},
		{"after a semicolon", "https://app.mavenlink.com/oauth/authorize?a=1;scope=admin", "“scope”"},
		{"without a value", "https://app.mavenlink.com/oauth/authorize?code", "“code”"},
		{"a fragment", "https://app.mavenlink.com/oauth/authorize#x", "must not have a “#” part"},
		{"an empty fragment", "https://app.mavenlink.com/oauth/authorize#", "must not have a “#” part"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := endpoint.Check(tc.raw)
			switch {
			case tc.says == "" && err != nil:
				t.Errorf("Check(%q) = %v; want it accepted", tc.raw, err)
			case tc.says != "" && err == nil:
				t.Errorf("Check(%q) accepted it; want %q", tc.raw, tc.says)
			case tc.says != "" && !strings.Contains(err.Error(), tc.says):
				t.Errorf("Check(%q) = %q; want it to say %q", tc.raw, err, tc.says)
			}
		})
	}
}

func TestDialledHost(t *testing.T) {
	for in, want := range map[string]string{
		"app.mavenlink.com":           "app.mavenlink.com",
		"app.mavenl\u0130nk.com":      "app.xn--mavenlink-ckf.com",
		"app.mavenl\u0130nk.com:8443": "app.xn--mavenlink-ckf.com:8443",
		"api.mavenlin\u212A.com":      "api.mavenlink.com",
		"evil\x1b[2J.example":         "evil\uFFFD[2J.example",
		"\u202Emoc.example":           "moc.example",
		"[::1]:80":                    "[::1]:80",
	} {
		if got := endpoint.DialledHost(in); got != want {
			t.Errorf("DialledHost(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestCheckPort: one port rule for the saved settings and the sign-in.
func TestCheckPort(t *testing.T) {
	for _, tc := range []struct {
		port int
		ok   bool
	}{{1, true}, {38917, true}, {65535, true}, {0, false}, {-1, false}, {65536, false}} {
		t.Run(fmt.Sprint(tc.port), func(t *testing.T) {
			err := endpoint.CheckPort(tc.port)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckPort(%d) = %v; want ok %v", tc.port, err, tc.ok)
			}
			if err != nil && err.Error() != "must be a number from 1 to 65535" {
				t.Errorf("CheckPort(%d) says %q", tc.port, err)
			}
		})
	}
}

// TestRedirectTarget: where a redirect points, as much as a message needs.
func TestRedirectTarget(t *testing.T) {
	const from = "https://app.example.com/oauth/token"
	for _, tc := range []struct{ name, loc, want string }{
		{"another host", "https://evil.example.net/steal", "evil.example.net"},
		{"down to http", "http://app.example.com/oauth/token", "http://app.example.com"},
		{"same host, another path", "/login?next=x", "app.example.com/login"},
		{"no address", "", ""},
		{"not a URL", "%zz", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := endpoint.RedirectTarget(from, tc.loc); got != tc.want {
				t.Errorf("RedirectTarget(%q) = %q, want %q", tc.loc, got, tc.want)
			}
		})
	}
}

func TestClientAuthValid(t *testing.T) {
	for a, want := range map[endpoint.ClientAuth]bool{
		endpoint.ClientAuthBody: true, endpoint.ClientAuthBasic: true, "": false, "jwt": false, "Body": false,
	} {
		t.Run(string(a), func(t *testing.T) {
			if a.Valid() != want {
				t.Errorf("%q.Valid() = %v", a, !want)
			}
		})
	}
}
