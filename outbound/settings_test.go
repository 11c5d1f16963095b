package outbound

import (
	"reflect"
	"strings"
	"testing"
)

// gsettingsOutput is what `gsettings list-recursively org.gnome.system.proxy`
// prints (GLib 2.74), with GNOME Settings' manual proxy filled in.
const gsettingsOutput = `org.gnome.system.proxy autoconfig-url ''
org.gnome.system.proxy ignore-hosts ['localhost', '127.0.0.0/8', '::1', '*.intranet.example']
org.gnome.system.proxy mode 'manual'
org.gnome.system.proxy use-same-proxy true
org.gnome.system.proxy.ftp host ''
org.gnome.system.proxy.ftp port 0
org.gnome.system.proxy.http authentication-password ''
org.gnome.system.proxy.http authentication-user ''
org.gnome.system.proxy.http enabled false
org.gnome.system.proxy.http host 'proxy.corp.example'
org.gnome.system.proxy.http port 8080
org.gnome.system.proxy.http use-authentication false
org.gnome.system.proxy.https host 'secure-proxy.corp.example'
org.gnome.system.proxy.https port 8443
org.gnome.system.proxy.socks host ''
org.gnome.system.proxy.socks port 0
`

func TestGNOMESettings(t *testing.T) {
	replace := func(key, value string) string {
		out := ""
		for _, line := range strings.Split(strings.TrimSuffix(gsettingsOutput, "\n"), "\n") {
			if len(line) > len(key) && line[:len(key)+1] == key+" " {
				line = key + " " + value
			}
			out += line + "\n"
		}
		return out
	}
	cases := []struct {
		name string
		out  string
		want Settings
	}{
		{"manual", gsettingsOutput, Settings{Origin: gnomeOrigin, HTTPProxy: "http://proxy.corp.example:8080",
			HTTPSProxy: "http://secure-proxy.corp.example:8443",
			Bypass:     []string{"localhost", "127.0.0.0/8", "::1", "*.intranet.example"}}},
		{"none", replace("org.gnome.system.proxy mode", "'none'"), Settings{Origin: gnomeOrigin}},
		{"auto with a PAC script", replace("org.gnome.system.proxy autoconfig-url", "'http://pac.corp.example/proxy.pac'") +
			"org.gnome.system.proxy mode 'auto'\n", Settings{Origin: gnomeOrigin, PACURL: "http://pac.corp.example/proxy.pac"}},
		{"auto without one is WPAD", replace("org.gnome.system.proxy mode", "'auto'"),
			Settings{Origin: gnomeOrigin, AutoDetect: true}},
		{"https empty: the http proxy serves it", replace("org.gnome.system.proxy.https host", "''"),
			Settings{Origin: gnomeOrigin, HTTPProxy: "http://proxy.corp.example:8080", HTTPSProxy: "http://proxy.corp.example:8080",
				Bypass: []string{"localhost", "127.0.0.0/8", "::1", "*.intranet.example"}}},
		{"empty ignore-hosts", replace("org.gnome.system.proxy ignore-hosts", "@as []"),
			Settings{Origin: gnomeOrigin, HTTPProxy: "http://proxy.corp.example:8080", HTTPSProxy: "http://secure-proxy.corp.example:8443"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := gnomeSettings(c.out)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}

	t.Run("the http sign-in goes with the http proxy", func(t *testing.T) {
		out := gsettingsOutput + "org.gnome.system.proxy.http use-authentication true\n" +
			"org.gnome.system.proxy.http authentication-user 'jane'\n" +
			"org.gnome.system.proxy.http authentication-password 'it\\'s s3cret'\n" +
			"org.gnome.system.proxy.https host 'proxy.corp.example'\norg.gnome.system.proxy.https port 8080\n"
		got, err := gnomeSettings(out)
		if err != nil {
			t.Fatal(err)
		}
		want := "http://jane:it%27s%20s3cret@proxy.corp.example:8080"
		if got.HTTPProxy != want || got.HTTPSProxy != want {
			t.Errorf("proxies %q, %q; want both %q", got.HTTPProxy, got.HTTPSProxy, want)
		}
		if s := got.Summary(); strings.Contains(s, "s3cret") || strings.Contains(s, "jane") {
			t.Errorf("summary %q shows the sign-in", s)
		}
	})
	t.Run("no schema output", func(t *testing.T) {
		if _, err := gnomeSettings(""); err == nil {
			t.Error("nothing read, no error")
		}
	})
}

func TestScutilSettings(t *testing.T) {
	out := `<dictionary> {
  ExceptionsList : <array> {
    0 : *.local
    1 : 169.254/16
  }
  ExcludeSimpleHostnames : 1
  FTPPassive : 1
  HTTPEnable : 1
  HTTPPort : 3128
  HTTPProxy : proxy.corp.example
  HTTPSEnable : 1
  HTTPSPort : 3129
  HTTPSProxy : proxy.corp.example
  ProxyAutoConfigEnable : 1
  ProxyAutoConfigURLString : http://pac.corp.example/proxy.pac
}
`
	want := Settings{Origin: macOrigin, HTTPProxy: "http://proxy.corp.example:3128", HTTPSProxy: "http://proxy.corp.example:3129",
		Bypass: []string{"*.local", "169.254/16"}, BypassSimple: true, PACURL: "http://pac.corp.example/proxy.pac"}
	if got := scutilSettings(out); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got := scutilSettings("<dictionary> {\n  HTTPEnable : 0\n}\n"); got.HTTPProxy != "" || got.HTTPSProxy != "" || got.PACURL != "" {
		t.Errorf("nothing enabled, got %+v", got)
	}
}

func TestWindowsSettings(t *testing.T) {
	cases := []struct {
		name string
		api  ieConfig
		reg  ieRegistry
		want Settings
	}{
		{"WinHTTP's reading first", ieConfig{Proxy: "api-proxy:8080", Bypass: "<local>;*.corp"},
			ieRegistry{ProxyEnable: 1, ProxyServer: "reg-proxy:1"},
			Settings{Origin: windowsOrigin, HTTPProxy: "api-proxy:8080", HTTPSProxy: "api-proxy:8080", Bypass: []string{"*.corp"}, BypassSimple: true}},
		{"the registry where WinHTTP has none (Wine, policies)", ieConfig{AutoDetect: true},
			ieRegistry{ProxyEnable: 1, ProxyServer: "http=web:80;https=secure:443;ftp=f:21", ProxyOverride: "10.*; <local>"},
			Settings{Origin: windowsOrigin, AutoDetect: true, HTTPProxy: "web:80", HTTPSProxy: "secure:443", Bypass: []string{"10.*"}, BypassSimple: true}},
		{"a proxy switched off", ieConfig{}, ieRegistry{ProxyEnable: 0, ProxyServer: "reg-proxy:1"}, Settings{Origin: windowsOrigin}},
		{"a PAC script in the registry", ieConfig{AutoDetect: true}, ieRegistry{AutoConfigURL: "http://pac/proxy.pac"},
			Settings{Origin: windowsOrigin, AutoDetect: true, PACURL: "http://pac/proxy.pac"}},
		{"per scheme without https: https goes direct", ieConfig{Proxy: "http=web:80"}, ieRegistry{},
			Settings{Origin: windowsOrigin, HTTPProxy: "web:80"}},
		{"SOCKS for the schemes without their own", ieConfig{Proxy: "http=web:80;socks=sox:1080"}, ieRegistry{},
			Settings{Origin: windowsOrigin, HTTPProxy: "web:80", HTTPSProxy: "socks5://sox:1080"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := windowsSettings(c.api, c.reg); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}
