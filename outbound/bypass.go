package outbound

import (
	"net"
	"path"
	"strconv"
	"strings"
)

// bypassed reports whether host is on a system bypass list, whose entries
// may be, in the three systems' syntaxes: a host name ("intranet.corp"), a
// domain with a leading dot or wildcard (".corp", "*.corp"), a wildcard
// pattern ("10.*", "*.corp.example.com"), an address ("10.1.2.3", "::1"), a
// network ("10.0.0.0/8", macOS's short "169.254/16"), "<local>" (Windows:
// any name without a dot) or "*" (everything). A scheme or a port on an entry
// is ignored. simple makes names without a dot bypassed, as "<local>" does.
func bypassed(host string, list []string, simple bool) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	ip := net.ParseIP(host)
	if simple && ip == nil && !strings.Contains(host, ".") {
		return true
	}
	for _, e := range list {
		if bypassEntry(host, ip, e) {
			return true
		}
	}
	return false
}

func bypassEntry(host string, ip net.IP, entry string) bool {
	e := strings.ToLower(strings.TrimSpace(entry))
	if i := strings.Index(e, "://"); i >= 0 {
		e = e[i+3:]
	}
	switch e {
	case "":
		return false
	case "*":
		return true
	case "<local>":
		return ip == nil && !strings.Contains(host, ".")
	}
	if strings.Contains(e, "/") {
		return ip != nil && inNetwork(ip, e)
	}
	e = strings.Trim(stripPort(e), "[]")
	if eip := net.ParseIP(e); eip != nil {
		return ip != nil && eip.Equal(ip)
	}
	if strings.HasPrefix(e, ".") {
		return strings.HasSuffix(host, e) || host == e[1:]
	}
	if strings.Contains(e, "*") {
		if ok, _ := path.Match(e, host); ok {
			return true
		}
		// "*.corp" also covers "corp" itself, as browsers take it.
		if rest, ok := strings.CutPrefix(e, "*."); ok && host == rest {
			return true
		}
		return false
	}
	return host == e
}

// stripPort drops ":port" from a host entry (not from an IPv6 address).
func stripPort(e string) string {
	if h, _, err := net.SplitHostPort(e); err == nil {
		return h
	}
	return e
}

// inNetwork reports whether ip is in the network cidr, also in macOS's short
// form ("169.254/16" for 169.254.0.0/16).
func inNetwork(ip net.IP, cidr string) bool {
	addr, bits, ok := strings.Cut(cidr, "/")
	if !ok {
		return false
	}
	if !strings.Contains(addr, ":") {
		parts := strings.Split(addr, ".")
		for len(parts) < 4 {
			parts = append(parts, "0")
		}
		addr = strings.Join(parts, ".")
	}
	if _, err := strconv.Atoi(bits); err != nil {
		return false
	}
	_, n, err := net.ParseCIDR(addr + "/" + bits)
	return err == nil && n.Contains(ip)
}
