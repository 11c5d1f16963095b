package safetext_test

import (
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/safetext"
)

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 clients", 1: "1 client", 2: "2 clients", 1000: "1000 clients"} {
		if got := safetext.Count(n, "client"); got != want {
			t.Errorf("Count(%d) = %q; want %q", n, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	const tok = "s3cr/et<x>+1&2"
	for _, tc := range []struct{ name, in string }{
		{"as it is", "Bearer " + tok},
		{"JSON-escaped", `{"echo":"s3cr/et\u003cx\u003e+1\u00262"}`},
		{"JSON-escaped slash", `{"echo":"s3cr\/et\u003cx\u003e+1\u00262"}`},
		{"URL-escaped", "?access_token=s3cr%2Fet%3Cx%3E%2B1%262"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := safetext.Redact(tc.in, tok, "", "ab")
			if strings.Contains(got, "s3cr") || !strings.Contains(got, "[redacted]") {
				t.Errorf("Redact(%q) = %q", tc.in, got)
			}
		})
	}
	if got := safetext.Redact("about abc", "ab"); got != "about abc" {
		t.Errorf("a 2-byte secret redacted ordinary words: %q", got)
	}
	if safetext.Redacted("") != "[none]" || safetext.Redacted("x") != "[redacted]" {
		t.Error("Redacted")
	}
}
