package outbound

import (
	"net"
	"strings"
)

// macOrigin names macOS's network settings in routes and diagnostics.
const macOrigin = "macOS network settings"

// scutilSettings reads the output of `scutil --proxy`, the proxy settings
// of the network service in use:
//
//	<dictionary> {
//	  ExceptionsList : <array> {
//	    0 : *.local
//	  }
//	  HTTPSEnable : 1
//	  HTTPSPort : 8080
//	  HTTPSProxy : proxy.example.com
//	  ProxyAutoConfigEnable : 1
//	  ProxyAutoConfigURLString : http://wpad/proxy.pac
//	}
func scutilSettings(out string) Settings {
	values := map[string]string{}
	var exceptions []string
	inExceptions := false
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		key, value, ok := strings.Cut(line, " : ")
		switch {
		case inExceptions && line == "}":
			inExceptions = false
		case inExceptions && ok:
			exceptions = append(exceptions, strings.TrimSpace(value))
		case ok && key == "ExceptionsList":
			inExceptions = strings.HasPrefix(value, "<array>")
		case ok:
			values[key] = strings.TrimSpace(value)
		}
	}
	s := Settings{Origin: macOrigin, Bypass: exceptions, BypassSimple: values["ExcludeSimpleHostnames"] == "1"}
	server := func(prefix string) string {
		if values[prefix+"Enable"] != "1" || values[prefix+"Proxy"] == "" {
			return ""
		}
		port := values[prefix+"Port"]
		if port == "" || port == "0" {
			port = "80"
		}
		return net.JoinHostPort(values[prefix+"Proxy"], port)
	}
	if h := server("HTTP"); h != "" {
		s.HTTPProxy = "http://" + h
	}
	if h := server("HTTPS"); h != "" {
		s.HTTPSProxy = "http://" + h
	}
	if s.HTTPProxy == "" && s.HTTPSProxy == "" {
		if h := server("SOCKS"); h != "" {
			s.HTTPProxy, s.HTTPSProxy = "socks5://"+h, "socks5://"+h
		}
	}
	if values["ProxyAutoConfigEnable"] == "1" {
		s.PACURL = values["ProxyAutoConfigURLString"]
	}
	s.AutoDetect = values["ProxyAutoDiscoveryEnable"] == "1"
	return s
}
