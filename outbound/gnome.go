package outbound

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// gnomeOrigin names GNOME's proxy settings in routes and diagnostics.
const gnomeOrigin = "GNOME proxy settings"

// gnomeSettings reads the output of `gsettings list-recursively
// org.gnome.system.proxy`: one "schema key value" line per key, values in
// GVariant's text form ('text', 8080, true, ['a', 'b'], @as []).
//
// mode 'none' is no proxy; 'manual' takes the https (else, with
// use-same-proxy, the http) host and port for https addresses, the http ones
// for http, SOCKS when only that is set, and ignore-hosts as the bypass
// list; the http user name and password (use-authentication) go with the
// http proxy. 'auto' names a PAC script (autoconfig-url; empty means WPAD).
func gnomeSettings(out string) (Settings, error) {
	values := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		schema, rest, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		key, value, ok := strings.Cut(rest, " ")
		if !ok {
			continue
		}
		group := strings.TrimPrefix(strings.TrimPrefix(schema, "org.gnome.system.proxy"), ".")
		values[group+"/"+key] = strings.TrimSpace(value)
	}
	s := Settings{Origin: gnomeOrigin}
	mode, err := gvString(values["/mode"])
	if err != nil {
		return s, fmt.Errorf("no proxy mode in GNOME's settings")
	}
	switch mode {
	case "none", "":
		return s, nil
	case "auto":
		s.PACURL, _ = gvString(values["/autoconfig-url"])
		s.AutoDetect = s.PACURL == ""
		return s, nil
	case "manual":
	default:
		return s, fmt.Errorf("unknown proxy mode %q in GNOME's settings", mode)
	}
	server := func(group string) string {
		host, _ := gvString(values[group+"/host"])
		port, _ := strconv.Atoi(strings.TrimPrefix(values[group+"/port"], "int32 "))
		if host == "" || port <= 0 || port > 65535 {
			return ""
		}
		return net.JoinHostPort(host, strconv.Itoa(port))
	}
	httpServer, httpsServer, socks := server("http"), server("https"), server("socks")
	if httpServer != "" {
		s.HTTPProxy = "http://" + httpServer
		if values["http/use-authentication"] == "true" {
			user, _ := gvString(values["http/authentication-user"])
			pass, _ := gvString(values["http/authentication-password"])
			if user != "" {
				s.HTTPProxy = (&url.URL{Scheme: "http", User: url.UserPassword(user, pass), Host: httpServer}).String()
			}
		}
	}
	switch {
	case httpsServer != "" && httpsServer == httpServer:
		s.HTTPSProxy = s.HTTPProxy // the same proxy, with its sign-in
	case httpsServer != "":
		s.HTTPSProxy = "http://" + httpsServer
	case values["/use-same-proxy"] != "false":
		s.HTTPSProxy = s.HTTPProxy
	}
	if s.HTTPProxy == "" && s.HTTPSProxy == "" && socks != "" {
		s.HTTPProxy, s.HTTPSProxy = "socks5://"+socks, "socks5://"+socks
	}
	s.Bypass, _ = gvStrings(values["/ignore-hosts"])
	return s, nil
}

// gvString reads a GVariant text string: 'text' or "text" with backslash
// escapes.
func gvString(v string) (string, error) {
	s, rest, err := gvQuoted(strings.TrimSpace(v))
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(rest) != "" {
		return "", errors.New("text after a string")
	}
	return s, nil
}

// gvStrings reads a GVariant text array of strings: ['a', 'b'] or @as [].
func gvStrings(v string) ([]string, error) {
	v = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), "@as"))
	if !strings.HasPrefix(v, "[") {
		return nil, errors.New("not an array")
	}
	v = strings.TrimSpace(v[1:])
	var list []string
	for !strings.HasPrefix(v, "]") {
		s, rest, err := gvQuoted(v)
		if err != nil {
			return list, err
		}
		list = append(list, s)
		v = strings.TrimSpace(rest)
		if strings.HasPrefix(v, ",") {
			v = strings.TrimSpace(v[1:])
		} else if !strings.HasPrefix(v, "]") {
			return list, errors.New("no comma between strings")
		}
	}
	return list, nil
}

// gvQuoted reads one quoted string from the start of v.
func gvQuoted(v string) (s, rest string, err error) {
	if v == "" || (v[0] != '\'' && v[0] != '"') {
		return "", v, errors.New("not a string")
	}
	quote := v[0]
	var b strings.Builder
	for i := 1; i < len(v); i++ {
		c := v[i]
		switch {
		case c == quote:
			return b.String(), v[i+1:], nil
		case c == '\\' && i+1 < len(v):
			i++
			switch v[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(v[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated string")
}
