package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/forwardproxy"
	"github.com/kantata-connect/kantata-connect/internal/testca"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// proxyOnlyHost is the stand-in Kantata's name: no resolver knows it, so
// only the test's proxy leads there.
const proxyOnlyHost = "kantata.proxy-only.test"

// TestCompanyNetwork runs the real program the way a company desktop does:
// the stand-in Kantata serves https under a name that only a forward proxy
// resolves, with a certificate from the company's own authority (trusted
// through SSL_CERT_FILE), and a headless Chromium clicks Authorize through
// the same proxy. A sign-in and a test succeed through the proxy named by
// HTTPS_PROXY and by GNOME's settings (gsettings, in a dconf of the test's
// own); without a proxy the token request can't get there; an authority
// this computer doesn't trust, a proxy that asks for a sign-in and one that
// can't be reached each get their own words.
func TestCompanyNetwork(t *testing.T) {
	testenv.Chromium(t)
	gnome := testenv.NewGSettings(t)
	bin := binary(t)
	helpers := t.TempDir()
	build := exec.Command("go", "build", "-o", helpers+"/", "./internal/browsertest/cmd/authorize-in-chromium")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	files := t.TempDir()
	company := testca.NewCompany(t, proxyOnlyHost, files)
	kantata := fakekantata.NewTLS(t, company.Cert)
	proxy := forwardproxy.New(t)
	proxy.Map(proxyOnlyHost+":443", kantata.Addr())
	port := testenv.FreePort(t)
	clientID, secret := "kc-proxy-"+testenv.RandomHex(t), "proxy-secret-"+testenv.RandomHex(t)
	kantata.AddClient(clientID, secret, fmt.Sprintf("http://127.0.0.1:%d/callback", port))

	// The browser reaches the stand-in through the same proxy, named in a
	// file: $BROWSER's entries are separated by ':'.
	proxyFile := filepath.Join(files, "browser-proxy")
	if err := os.WriteFile(proxyFile, []byte(proxy.URL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	browserLog := filepath.Join(files, "browser.log")
	var base []string
	for _, kv := range gnome.Env {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "ALL_PROXY", "BROWSER", "SSL_CERT_FILE", "SSL_CERT_DIR",
			"KANTATA_CONNECT_CONFIG_DIR":
			continue
		}
		base = append(base, kv)
	}
	base = append(base, "SSL_CERT_FILE="+company.CAFile,
		"BROWSER="+filepath.Join(helpers, "authorize-in-chromium")+" -insecure -proxy-file "+proxyFile+" -log "+browserLog)
	with := func(env []string, extra ...string) []string { return append(append([]string(nil), env...), extra...) }
	records := t.TempDir()
	var shown []string
	run := func(env []string, stdin string, args ...string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append([]string{"--config-dir", records}, args...)...)
		cmd.Env = env
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		shown = append(shown, string(out))
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return 0, string(out)
	}

	if code, out := run(base, secret+"\n", "client", "add", "Company app", "--client-id", clientID,
		"--auth-url", "https://"+proxyOnlyHost+"/oauth/authorize", "--token-url", "https://"+proxyOnlyHost+"/oauth/token",
		"--api-url", "https://"+proxyOnlyHost, "--redirect-port", strconv.Itoa(port)); code != 0 {
		t.Fatalf("client add: exit %d\n%s", code, out)
	}
	if code, out := run(base, "", "connection", "add", "Production", "--client", "Company app"); code != 0 {
		t.Fatalf("connection add: exit %d\n%s", code, out)
	}
	t.Cleanup(func() { run(base, "", "delete", "client", "Company app", "--cascade") })
	tunnels := func() int { return proxy.Tunnels(proxyOnlyHost + ":443") }

	t.Run("without a proxy the token request can't get there", func(t *testing.T) {
		if addrs, err := net.LookupHost(proxyOnlyHost); err == nil {
			t.Fatalf("%s resolves to %v: the proxy must be the only way there", proxyOnlyHost, addrs)
		}
		code, out := run(base, "", "authorize", "Production", "--timeout", "2m")
		// The reachability warning races the sign-in's own end: the browser
		// may come back and the token request fail before the check has
		// answered, and the failure then says the same. Either is right.
		if code != 1 || !strings.Contains(out, "could not reach Kantata ("+proxyOnlyHost+") to finish the sign-in") {
			t.Errorf("authorize with no proxy: exit %d; want 1 and the token request failing:\n%s", code, out)
		}
	})

	signInAndTest := func(t *testing.T, env []string, from string) {
		t.Helper()
		before := tunnels()
		code, out := run(env, "", "authorize", "Production", "--timeout", "2m")
		if code != 0 || !strings.Contains(out, "Authorized as Jane Doe <jane@example.com>") || strings.Contains(out, "Warning:") {
			browser, _ := os.ReadFile(browserLog)
			t.Fatalf("authorize: exit %d\n%s\nbrowser: %s", code, out, browser)
		}
		// The token request, users/me and the project count.
		if n := tunnels() - before; n < 3 {
			t.Errorf("the sign-in opened %d tunnels through the proxy, want 3 or more: %q", n, proxy.Requests())
		}
		before = tunnels()
		if code, out := run(env, "", "test", "Production"); code != 0 || !strings.Contains(out, "works: authorized as Jane Doe") {
			t.Errorf("test: exit %d\n%s", code, out)
		}
		if tunnels() == before {
			t.Error("the test did not go through the proxy")
		}
		_, report := run(env, "", "diagnose", "Production")
		t.Logf("diagnose:\n%s", report)
		want := "Proxy for " + proxyOnlyHost + ": proxy " + proxy.Addr + ", from " + from
		if !strings.Contains(report, want) {
			t.Errorf("diagnostics do not say %q:\n%s", want, report)
		}
	}

	t.Run("through the proxy HTTPS_PROXY names", func(t *testing.T) {
		signInAndTest(t, with(base, "HTTPS_PROXY="+proxy.URL), "the environment: HTTPS_PROXY")
	})

	t.Run("through the proxy GNOME's settings name", func(t *testing.T) {
		host, proxyPort, _ := net.SplitHostPort(proxy.Addr)
		gnome.Set(t, [3]string{"org.gnome.system.proxy", "mode", "'manual'"},
			[3]string{"org.gnome.system.proxy.https", "host", "'" + host + "'"},
			[3]string{"org.gnome.system.proxy.https", "port", proxyPort})
		defer gnome.Set(t, [3]string{"org.gnome.system.proxy", "mode", "'none'"})
		signInAndTest(t, base, "the system settings: GNOME proxy settings")
	})

	proxied := with(base, "HTTPS_PROXY="+proxy.URL)
	testJSON := func(t *testing.T, env []string) (int, string, string, string) {
		t.Helper()
		code, out := run(env, "", "test", "Production", "--json")
		var res struct {
			Error *struct{ Message, Kind string } `json:"error"`
		}
		start := strings.Index(out, "{")
		if start < 0 || json.Unmarshal([]byte(out[start:]), &res) != nil || res.Error == nil {
			t.Fatalf("test --json: exit %d, no error in\n%s", code, out)
		}
		return code, res.Error.Kind, res.Error.Message, out
	}

	t.Run("an authority this computer doesn't trust", func(t *testing.T) {
		other, err := testca.New("Some Other CA", "Elsewhere")
		if err != nil {
			t.Fatal(err)
		}
		otherFile := filepath.Join(files, "other-ca.pem")
		if err := os.WriteFile(otherFile, other.PEM(), 0o600); err != nil {
			t.Fatal(err)
		}
		code, kind, msg, out := testJSON(t, with(proxied, "SSL_CERT_FILE="+otherFile))
		t.Logf("test --json:\n%s", out)
		if code != 1 || kind != "untrusted_certificate" ||
			!strings.Contains(msg, "“Kantata Connect Test Inspection CA, Example Corp IT”") || strings.Contains(msg, "Kantata had a problem") {
			t.Errorf("test with the company's authority untrusted: exit %d, kind %q, message %q\n%s", code, kind, msg, out)
		}
	})

	t.Run("a proxy that asks for a sign-in", func(t *testing.T) {
		const password = "c0mpany-Pr0xy-pw"
		asks := forwardproxy.New(t)
		asks.Map(proxyOnlyHost+":443", kantata.Addr())
		asks.RequireBasic("jane", password)
		code, kind, msg, out := testJSON(t, with(base, "HTTPS_PROXY="+asks.URL))
		t.Logf("test --json:\n%s", out)
		for _, want := range []string{"The proxy " + asks.Addr + " (from the environment: HTTPS_PROXY) asks for a user name and password",
			"HTTPS_PROXY=http://USER:PASSWORD@" + asks.Addr} {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q does not say %q", msg, want)
			}
		}
		if code != 1 || kind != "proxy_auth" {
			t.Errorf("test through a proxy that asks for a sign-in: exit %d, kind %q\n%s", code, kind, out)
		}
		if code, out := run(with(base, "HTTPS_PROXY="+asks.WithCredentials("jane", password)), "", "test", "Production"); code != 0 {
			t.Errorf("test with the proxy's user name and password in HTTPS_PROXY: exit %d\n%s", code, out)
		}
		for _, out := range shown {
			if strings.Contains(out, password) {
				t.Errorf("an output shows the proxy's password:\n%s", out)
			}
		}
	})

	t.Run("a proxy that can't be reached is named in the warning", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		gone := l.Addr().String()
		l.Close()
		code, out := run(with(base, "HTTPS_PROXY=http://"+gone), "", "authorize", "Production", "--no-browser", "--timeout", "5s")
		want := "Warning: This computer couldn't reach its proxy, " + gone + " (from the environment: HTTPS_PROXY)"
		t.Logf("authorize:\n%s", out)
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("authorize through a proxy that is gone: exit %d; want 1 and %q:\n%s", code, want, out)
		}
	})
}
