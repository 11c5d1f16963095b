package outbound_test

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/outbound"
)

// TestGNOMEFromGsettings reads GNOME's real settings, set with gsettings in
// a dconf of the test's own, the way the app does.
func TestGNOMEFromGsettings(t *testing.T) {
	g := testenv.NewGSettings(t)
	for _, kv := range g.Env {
		if v, ok := strings.CutPrefix(kv, "XDG_CONFIG_HOME="); ok {
			t.Setenv("XDG_CONFIG_HOME", v)
		}
	}
	t.Setenv("GSETTINGS_BACKEND", "dconf")
	read := func() outbound.Settings {
		t.Helper()
		// A Resolver of its own each time: one reuses a reading for a minute.
		s := (&outbound.Resolver{}).Settings(context.Background())
		if s.Err != nil {
			t.Fatalf("read GNOME's settings: %v", s.Err)
		}
		return s
	}
	if s := read(); s.HTTPSProxy != "" || s.PACURL != "" {
		t.Errorf("a fresh dconf names a proxy: %+v", s)
	}
	g.Set(t, [3]string{"org.gnome.system.proxy", "mode", "'manual'"},
		[3]string{"org.gnome.system.proxy.https", "host", "'proxy.corp.example'"},
		[3]string{"org.gnome.system.proxy.https", "port", "3128"},
		[3]string{"org.gnome.system.proxy", "ignore-hosts", "['localhost', '*.intranet.example']"})
	want := outbound.Settings{Origin: "GNOME proxy settings", HTTPSProxy: "http://proxy.corp.example:3128",
		Bypass: []string{"localhost", "*.intranet.example"}}
	if s := read(); !reflect.DeepEqual(s, want) {
		t.Errorf("manual: got  %+v\nwant %+v", s, want)
	}
	g.Set(t, [3]string{"org.gnome.system.proxy", "mode", "'auto'"},
		[3]string{"org.gnome.system.proxy", "autoconfig-url", "'http://pac.corp.example/proxy.pac'"})
	s := read()
	if s.PACURL != "http://pac.corp.example/proxy.pac" || s.HTTPSProxy != "" {
		t.Errorf("auto: got %+v", s)
	}
	r := &outbound.Resolver{Getenv: func(string) string { return "" }}
	route, err := r.Route(context.Background(), &url.URL{Scheme: "https", Host: "app.mavenlink.com", Path: "/oauth/token"})
	if err != nil || route.Proxy != nil || !strings.Contains(route.Note, "http://pac.corp.example/proxy.pac") ||
		!strings.Contains(route.Note, "set HTTPS_PROXY") {
		t.Errorf("a PAC script on Linux: route %+v, %v; want direct, with a note naming it and what to set", route, err)
	}
}
