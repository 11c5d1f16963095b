package outbound

import (
	"errors"
	"fmt"
	"strings"
)

// ErrPACUnsupported: this system has no way for the app to run a PAC
// script (only Windows has one: WinHTTP runs it).
var ErrPACUnsupported = errors.New("PAC scripts can't be run on this system")

// pacRoute reads a PAC script's answer, the first of its entries: "DIRECT",
// "PROXY host:port", "HTTPS host:port", "SOCKS host:port" (or "SOCKS5"), or
// WinHTTP's bare "host:port". Later entries are the script's fallbacks, for
// when the first can't be reached; the app tries the first.
func pacRoute(list string) (Route, error) {
	first, _, _ := strings.Cut(strings.TrimSpace(list), ";")
	fields := strings.Fields(first)
	switch {
	case len(fields) == 0:
		return Route{}, errors.New("an empty answer")
	case len(fields) == 1 && strings.EqualFold(fields[0], "DIRECT"):
		return Route{}, nil
	case len(fields) == 1:
		p, err := parseProxy(fields[0])
		if err != nil {
			return Route{}, err
		}
		return Route{Proxy: p}, nil
	case len(fields) == 2:
		scheme := map[string]string{"PROXY": "http", "HTTP": "http", "HTTPS": "https", "SOCKS": "socks5", "SOCKS5": "socks5"}[strings.ToUpper(fields[0])]
		if scheme == "" {
			return Route{}, fmt.Errorf("%q is not a kind of proxy it knows", fields[0])
		}
		if strings.Contains(fields[1], "://") {
			return Route{}, fmt.Errorf("%q is not host:port", fields[1])
		}
		p, err := parseProxy(scheme + "://" + fields[1])
		if err != nil {
			return Route{}, err
		}
		return Route{Proxy: p}, nil
	}
	return Route{}, fmt.Errorf("%q is not a proxy entry", first)
}
