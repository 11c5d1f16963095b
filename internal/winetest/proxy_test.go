//go:build linux

package winetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/forwardproxy"
	"github.com/kantata-connect/kantata-connect/internal/testca"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// proxyOnlyHost is the stand-in Kantata's name: no resolver knows it, so
// only the test's proxy leads there.
const proxyOnlyHost = "kantata.proxy-only.test"

// internetSettings is the key of the user's proxy settings (Internet
// Options), which Wine keeps in its registry as Windows does.
const internetSettings = `HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings`

// TestWineCompanyNetwork runs the Windows command line under Wine on a
// company network: the stand-in Kantata serves https under a name that only
// a forward proxy resolves, with a certificate from the company's own
// authority, added to the user's trusted roots. A sign-in and a test
// succeed through the proxy set in the Internet Options of Wine's registry
// by hand (ProxyEnable, ProxyServer) and through a PAC script the test
// serves (AutoConfigURL, run by WinHTTP); diagnostics name the proxy and
// where it came from; a proxy that asks for a sign-in gets the plain words.
func TestWineCompanyNetwork(t *testing.T) {
	p := wine(t)
	needTools(t, "chromium")
	cli := filepath.Join(dist(t), cliExe)
	bin := filepath.Join(work(t), "bin")
	if err := goBuild(bin, "linux", "./internal/fakekantata/cmd/fakekantata-server",
		"./internal/browsertest/cmd/authorize-in-chromium"); err != nil {
		t.Fatal(err)
	}
	if err := goBuild(bin, "windows", "./internal/winetest/cmd/trustroot"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// The company's authority, trusted by this Windows user, and the
	// stand-in's certificate from it.
	files := t.TempDir()
	company := testca.NewCompany(t, proxyOnlyHost, files)
	if out, err := p.run(ctx, filepath.Join(bin, "trustroot.exe"), winPath(company.CAFile)); err != nil {
		t.Fatalf("trustroot: %v\n%s", err, out)
	}
	certFile, keyFile, err := testca.WriteServerFiles(files, company.Cert)
	if err != nil {
		t.Fatal(err)
	}
	port := testenv.FreePort(t)
	clientID, secret := "kc-wine-proxy-"+testenv.RandomHex(t), "wine-proxy-secret-"+testenv.RandomHex(t)
	standIn := startKantata(t, filepath.Join(bin, "fakekantata-server"), clientID, secret, port,
		"-tls-cert", certFile, "-tls-key", keyFile)
	proxy := forwardproxy.New(t)
	proxy.Map(proxyOnlyHost+":443", strings.TrimPrefix(standIn, "https://"))

	// The browser reaches the stand-in through the same proxy.
	proxyFile := filepath.Join(files, "browser-proxy")
	if err := os.WriteFile(proxyFile, []byte(proxy.URL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	browserLog := filepath.Join(files, "browser.log")
	if err := p.setBrowser(ctx, filepath.Join(bin, "authorize-in-chromium")+" -insecure -proxy-file "+proxyFile+
		" -log "+browserLog); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.setBrowser(ctx, filepath.Join(filepath.Dir(p.dir), "record-browser.sh")) })

	setting := func(name, typ, value string) {
		t.Helper()
		if out, err := p.run(ctx, "reg", "add", internetSettings, "/v", name, "/t", typ, "/d", value, "/f"); err != nil {
			t.Fatalf("reg add %s: %v\n%s", name, err, out)
		}
	}
	t.Cleanup(func() {
		for _, name := range []string{"ProxyEnable", "ProxyServer", "ProxyOverride", "AutoConfigURL"} {
			_, _ = p.run(ctx, "reg", "delete", internetSettings, "/v", name, "/f")
		}
	})
	run := func(args ...string) (int, string) {
		t.Helper()
		code, stdout, stderr := p.runCLI(t, cli, "", args...)
		return code, stdout + stderr
	}

	// Set up with the proxy by hand: ProxyServer, as Internet Options'
	// "Use a proxy server" writes it, with loopback bypassed.
	setting("ProxyEnable", "REG_DWORD", "1")
	setting("ProxyServer", "REG_SZ", proxy.Addr)
	setting("ProxyOverride", "REG_SZ", "<local>")
	code, stdout, stderr := p.runCLI(t, cli, secret+"\r\n", "client", "add", "Company app", "--client-id", clientID,
		"--auth-url", "https://"+proxyOnlyHost+"/oauth/authorize", "--token-url", "https://"+proxyOnlyHost+"/oauth/token",
		"--api-url", "https://"+proxyOnlyHost, "--redirect-port", strconv.Itoa(port))
	if code != 0 {
		t.Fatalf("client add: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Cleanup(func() { run("delete", "client", "Company app", "--cascade") })
	if code, out := run("connection", "add", "Production", "--client", "Company app"); code != 0 {
		t.Fatalf("connection add: exit %d\n%s", code, out)
	}
	tunnels := func() int { return proxy.Tunnels(proxyOnlyHost + ":443") }
	check := func(t *testing.T, from string) {
		t.Helper()
		before := tunnels()
		if code, out := run("test", "Production"); code != 0 || !strings.Contains(out, "works: authorized as Jane Doe") {
			t.Errorf("test: exit %d\n%s", code, out)
		}
		if tunnels() == before {
			t.Errorf("the test did not go through the proxy: %q", proxy.Requests())
		}
		_, report := run("diagnose", "Production")
		if want := "Proxy for " + proxyOnlyHost + ": proxy " + proxy.Addr + ", from " + from; !strings.Contains(report, want) {
			t.Errorf("diagnostics do not say %q:\n%s", want, report)
		}
	}

	t.Run("the proxy set by hand", func(t *testing.T) {
		before := tunnels()
		code, out := run("authorize", "Production", "--timeout", "3m")
		if code != 0 || !strings.Contains(out, "Authorized as Jane Doe") {
			browser, _ := os.ReadFile(browserLog)
			t.Fatalf("authorize: exit %d\n%s\nbrowser: %s", code, out, browser)
		}
		// The token request, users/me and the project count.
		if n := tunnels() - before; n < 3 {
			t.Errorf("the sign-in opened %d tunnels through the proxy, want 3 or more: %q", n, proxy.Requests())
		}
		check(t, "the system settings: Windows Internet Options")
	})

	t.Run("the proxy a PAC script names", func(t *testing.T) {
		pacURL := proxy.SetPAC(fmt.Sprintf(`function FindProxyForURL(url, host) {
  if (dnsDomainIs(host, ".proxy-only.test")) return "PROXY %s; DIRECT";
  return "DIRECT";
}`, proxy.Addr))
		setting("ProxyEnable", "REG_DWORD", "0")
		setting("AutoConfigURL", "REG_SZ", pacURL)
		check(t, "a PAC script: "+pacURL)
		found := false
		for _, r := range proxy.Requests() {
			found = found || r == "PAC"
		}
		if !found {
			t.Error("nobody fetched the PAC script")
		}
	})

	t.Run("a proxy that asks for a sign-in", func(t *testing.T) {
		proxy.RequireBasic("jürgen", "company-pr0xy")
		code, out := run("test", "Production")
		want := "The proxy " + proxy.Addr + " (from a PAC script: "
		if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "asks for a user name and password") ||
			!strings.Contains(out, "HTTPS_PROXY=http://USER:PASSWORD@"+proxy.Addr) {
			t.Errorf("test through a proxy that asks for a sign-in: exit %d; want 1 and %q:\n%s", code, want, out)
		}
	})
}
