package store

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/endpoint"
	"github.com/kantata-connect/kantata-connect/safetext"
)

// dialled is the address Go's HTTP client really dials for a GET of raw,
// recorded by a transport that dials nothing; "" when it dials nothing.
func dialled(t *testing.T, raw string) string {
	var addr string
	record := func(_ context.Context, _, a string) (net.Conn, error) {
		addr = a
		return nil, errors.New("recorded, not dialled")
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DialContext: record, DialTLSContext: record}}
	req, err := http.NewRequest(http.MethodGet, raw, nil)
	if err != nil {
		return ""
	}
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("GET %q got an answer from a transport that dials nothing", raw)
	}
	return addr
}

// FuzzEndpointHost: the host check judges what will be dialled. Whatever
// an endpoint says, if the rule accepts it and it counts as Kantata's (no
// departure), Go's HTTP client dials one of Kantata's hosts on port 443;
// and a departure names its host in characters safe to show.
func FuzzEndpointHost(f *testing.F) {
	for _, seed := range []string{
		"https://api.mavenlink.com", "https://API.MAVENLINK.COM", "https://api.mavenlink.com:443",
		"https://api.mavenlink.com:0443", "https://api.mavenlink.com.", "https://api.mavenlink.com.evil.example",
		// issue 19: look-alikes that Unicode folding or IDNA maps
		"https://api.mavenl\u0130nk.com", "https://api.mavenl%C4%B0nk.com", "https://api.mavenlin\u212A.com",
		"https://\uFF41pi.mavenlink.com", "https://\u0430pi.mavenlink.com", "https://api\uFF0Emavenlink.com",
		"https://api.maven\u00ADlink.com", "https://api.mavenlink.com\u200B", "https://xn--api-mavenlink.com",
		"https://api.mavenlink.com@evil.example", "https://evil.example\\@api.mavenlink.com",
		"https://api.mavenlink.com%2eevil.example", "https://[::1]:443", "http://127.0.0.1:443",
		"https://api.mavenlink.com?client_id=x", "https://api.mavenlink.com#x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c := DefaultClientSettings()
		c.APIBaseURL = raw
		d := c.Departures()
		for _, e := range d.Foreign {
			if safetext.Find(e.Host) >= 0 {
				t.Errorf("departure host %q is not safe to show", e.Host)
			}
		}
		if endpoint.Check(raw) != nil || len(d.Foreign) > 0 {
			return
		}
		addr := strings.ToLower(dialled(t, raw)) // DNS folds ASCII case only; the check made it ASCII
		if addr != "api.mavenlink.com:443" && addr != "app.mavenlink.com:443" {
			t.Errorf("%q passes as Kantata's but Go dials %q", raw, addr)
		}
	})
}
