package safetext

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// Count says how many of noun there are, in words: "1 client",
// "3 clients", "0 connections". Every noun the app counts takes an "s".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// Redacted stands for a secret a printout must not show: "[redacted]", or
// "[none]" when there is none, so a reader still learns whether one is set.
func Redacted(secret string) string {
	if secret == "" {
		return "[none]"
	}
	return redactedMark
}

const redactedMark = "[redacted]"

// Redact replaces every secret (of 4 bytes or more: shorter ones would hit
// ordinary words) in s with "[redacted]", in each spelling text quoted from
// a server or a URL may give it: as it is, escaped as in a JSON string
// ("/" as "\/" too, "<" as "\u003c") and escaped as in a URL query.
func Redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) < 4 {
			continue
		}
		b, _ := json.Marshal(sec) // a string always marshals
		escaped := string(b[1 : len(b)-1])
		for _, spelling := range []string{sec, escaped, strings.ReplaceAll(escaped, "/", `\/`), url.QueryEscape(sec)} {
			s = strings.ReplaceAll(s, spelling, redactedMark)
		}
	}
	return s
}
