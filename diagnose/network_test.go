package diagnose_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/diagnose"
	"github.com/kantata-connect/kantata-connect/internal/connecttest"
	"github.com/kantata-connect/kantata-connect/outbound"
)

// The report names the way to each of the client's hosts: the proxy and
// where it came from, or why there is none; never the proxy's password.
func TestReportNamesTheProxies(t *testing.T) {
	f := connecttest.New(t, nil)
	client, _ := f.Store.Client(f.Conn.ClientRef)
	s := client.ClientSettings
	s.AuthURL, s.TokenURL, s.APIBaseURL = "https://app.mavenlink.com/oauth/authorize", "https://app.mavenlink.com/oauth/token",
		"https://api.mavenlink.com"
	if _, err := f.Store.SaveClient(client.ID, s, connecttest.Secret); err != nil {
		t.Fatal(err)
	}
	const password = "pr0xy-Pa55w0rd"
	env := map[string]string{"HTTPS_PROXY": "http://jane:" + password + "@envproxy.corp.example:3128", "NO_PROXY": "api.mavenlink.com"}
	proxies := &outbound.Resolver{
		Getenv: func(name string) string { return env[name] },
		System: func(context.Context) outbound.Settings {
			return outbound.Settings{Origin: "GNOME proxy settings", HTTPSProxy: "http://gnome-proxy.corp.example:8080",
				Bypass: []string{"localhost"}}
		},
		PAC: func(context.Context, string, bool, *url.URL) (string, error) { return "", outbound.ErrPACUnsupported },
	}
	report, err := diagnose.Report(context.Background(), f.Store, f.Conn.ID, diagnose.Options{Proxies: proxies})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Proxy variables:         HTTPS_PROXY: envproxy.corp.example:3128 (with a user name and password, not shown); NO_PROXY: api.mavenlink.com",
		"System proxy settings:   GNOME proxy settings: https proxy gnome-proxy.corp.example:8080, bypass localhost",
		"Proxy for app.mavenlink.com: proxy envproxy.corp.example:3128, from the environment: HTTPS_PROXY",
		"Proxy for api.mavenlink.com: direct, as decided by the environment: NO_PROXY",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report does not say %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, password) || strings.Contains(report, "jane") {
		t.Errorf("the report shows the proxy's user name or password:\n%s", report)
	}
	if strings.Count(report, "Proxy for app.mavenlink.com") != 1 {
		t.Error("a host shared by two endpoints is listed twice")
	}
}
