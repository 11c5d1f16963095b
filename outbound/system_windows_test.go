package outbound

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// internetSettings sets the user's Internet Options values for the test and
// puts back what was there after it. (make test runs this under Wine, in a
// throw-away Windows.)
func internetSettings(t *testing.T, values map[string]any) {
	t.Helper()
	if testing.Short() {
		t.Skip("changes the user's Internet Options: make test runs it under Wine")
	}
	k, _, err := registry.CreateKey(registry.CURRENT_USER, internetSettingsKey, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	for name, v := range values {
		old, err := readValue(k, name)
		t.Cleanup(func() {
			k, err2 := registry.OpenKey(registry.CURRENT_USER, internetSettingsKey, registry.SET_VALUE)
			if err2 != nil {
				return
			}
			defer k.Close()
			switch old := old.(type) {
			case uint64:
				k.SetDWordValue(name, uint32(old))
			case string:
				k.SetStringValue(name, old)
			default:
				k.DeleteValue(name)
			}
		})
		switch v := v.(type) {
		case uint32:
			err = k.SetDWordValue(name, v)
		case string:
			err = k.SetStringValue(name, v)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// readValue is a string or DWORD value, or nil when there is none.
func readValue(k registry.Key, name string) (any, error) {
	if s, _, err := k.GetStringValue(name); err == nil {
		return s, nil
	}
	if n, _, err := k.GetIntegerValue(name); err == nil {
		return n, nil
	}
	return nil, nil
}

// TestWindowsInternetOptions reads a manual proxy and a PAC script from the
// user's registry, and runs the script with WinHTTP, as the app does.
func TestWindowsInternetOptions(t *testing.T) {
	internetSettings(t, map[string]any{"ProxyEnable": uint32(1), "ProxyServer": "http=web.corp.example:80;https=secure.corp.example:3128",
		"ProxyOverride": "<local>;*.intranet.example", "AutoConfigURL": ""})
	s := systemSettings(context.Background())
	if s.HTTPSProxy != "secure.corp.example:3128" || s.HTTPProxy != "web.corp.example:80" || !s.BypassSimple ||
		strings.Join(s.Bypass, ",") != "*.intranet.example" || s.PACURL != "" {
		t.Errorf("manual proxy: read %+v", s)
	}
	r := &Resolver{Getenv: func(string) string { return "" }}
	route, err := r.Route(context.Background(), mustURL(t, "https://app.mavenlink.com/oauth/token"))
	if err != nil || route.ProxyAddr() != "secure.corp.example:3128" || route.Source != FromSystem || route.Detail != windowsOrigin {
		t.Errorf("route %+v, %v; want the https proxy from the Internet Options", route, err)
	}

	pac := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/proxy.pac" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-ns-proxy-autoconfig")
		io.WriteString(w, `function FindProxyForURL(url, host) {
  if (dnsDomainIs(host, ".proxy-only.test")) return "PROXY 127.0.0.1:3128; DIRECT";
  return "DIRECT";
}`)
	}))
	defer pac.Close()
	internetSettings(t, map[string]any{"AutoConfigURL": pac.URL + "/proxy.pac"})
	r = &Resolver{Getenv: func(string) string { return "" }}
	route, err = r.Route(context.Background(), mustURL(t, "https://kantata.proxy-only.test/oauth/token"))
	if err != nil || route.ProxyAddr() != "127.0.0.1:3128" || route.Source != FromPAC || route.Detail != pac.URL+"/proxy.pac" {
		t.Errorf("route %+v, %v; want the PAC script's proxy", route, err)
	}
	route, err = r.Route(context.Background(), mustURL(t, "https://app.mavenlink.com/oauth/token"))
	if err != nil || route.Proxy != nil || route.Source != FromPAC {
		t.Errorf("route %+v, %v; want DIRECT from the PAC script", route, err)
	}

	internetSettings(t, map[string]any{"AutoConfigURL": pac.URL + "/missing.pac"})
	r = &Resolver{Getenv: func(string) string { return "" }}
	route, err = r.Route(context.Background(), mustURL(t, "https://app.mavenlink.com/oauth/token"))
	if err != nil || route.ProxyAddr() != "secure.corp.example:3128" || !strings.Contains(route.Note, "could not be downloaded") {
		t.Errorf("route %+v, %v; want the manual proxy, with a note that the script could not be downloaded", route, err)
	}
}
