package outbound

import "strings"

// windowsOrigin names Windows' proxy settings in routes and diagnostics.
const windowsOrigin = "Windows Internet Options"

// ieConfig is what WinHTTP reports of the user's Internet Options
// (WinHttpGetIEProxyConfigForCurrentUser).
type ieConfig struct {
	AutoDetect                   bool
	AutoConfigURL, Proxy, Bypass string
}

// ieRegistry are the same settings as WinINet keeps them in the user's
// registry (HKCU\Software\Microsoft\Windows\CurrentVersion\Internet
// Settings), where group policies and scripts set them too.
type ieRegistry struct {
	ProxyEnable                               uint64
	ProxyServer, ProxyOverride, AutoConfigURL string
}

// windowsSettings merges the two readings: WinHTTP's first, then the
// registry's values where WinHTTP reported none. WinHTTP reads the settings
// from the binary DefaultConnectionSettings value that Internet Options
// writes; values set without it (by a policy, a script, or Wine's registry)
// are only in the named values.
func windowsSettings(api ieConfig, reg ieRegistry) Settings {
	s := Settings{Origin: windowsOrigin, AutoDetect: api.AutoDetect, PACURL: strings.TrimSpace(api.AutoConfigURL)}
	if s.PACURL == "" {
		s.PACURL = strings.TrimSpace(reg.AutoConfigURL)
	}
	server, override := api.Proxy, api.Bypass
	if strings.TrimSpace(server) == "" && reg.ProxyEnable != 0 {
		server, override = reg.ProxyServer, reg.ProxyOverride
	}
	s.HTTPProxy, s.HTTPSProxy = proxyServerFor(server, "http"), proxyServerFor(server, "https")
	for _, e := range strings.FieldsFunc(override, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\t' }) {
		if strings.EqualFold(e, "<local>") {
			s.BypassSimple = true
			continue
		}
		s.Bypass = append(s.Bypass, e)
	}
	return s
}

// proxyServerFor reads a ProxyServer value for scheme: "host:port" serves
// every scheme; "http=host:port;https=host:port;socks=host:port" names one
// per scheme, and SOCKS serves the schemes that have none of their own.
func proxyServerFor(server, scheme string) string {
	var all, socks string
	for _, e := range strings.FieldsFunc(server, func(r rune) bool { return r == ';' || r == ' ' || r == '\t' }) {
		name, value, perScheme := strings.Cut(e, "=")
		switch {
		case !perScheme:
			all = e
		case strings.EqualFold(name, scheme):
			return value
		case strings.EqualFold(name, "socks"):
			socks = "socks5://" + strings.TrimPrefix(value, "socks://")
		}
	}
	if all != "" {
		return all
	}
	return socks
}
