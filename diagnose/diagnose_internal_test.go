package diagnose

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestRedactSecrets(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		secrets    []string
		want       string
	}{
		{"whole secret", "id abc secret=0123456789abcdef end", []string{"0123456789abcdef"}, "id abc secret=[redacted] end"},
		{"a part of 8", "starts 01234567 ends", []string{"xx0123456789"}, "starts [redacted] ends"},
		{"a part of 7 stays", "starts 0123456 ends", []string{"xx0123456789"}, "starts 0123456 ends"},
		{"URL-encoded", "code=a%2Bb%2Fc%3Dd%26e", []string{"a+b/c=d&e"}, "code=[redacted]"},
		{"mid-rune start widens to the rune", "Zässwörd-gZ", []string{"pässwörd-geheim"}, "Z[redacted]Z"},
		{"short secrets whole only", "pin 12345 and 1234", []string{"12345"}, "pin [redacted] and 1234"},
		{"no secrets", "plain", nil, "plain"},
		{"empty secret", "plain text here", []string{""}, "plain text here"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := redactSecrets(tc.text, tc.secrets)
			if got != tc.want {
				t.Errorf("redactSecrets(%q) = %q; want %q", tc.text, got, tc.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("result %q is not valid UTF-8", got)
			}
		})
	}
}

func FuzzRedactSecretsLeavesNoPart(f *testing.F) {
	f.Add("before s3cr3t-value-123 after", "s3cr3t-value-123")
	f.Add("äöü-geheim-äöü", "geheim-äöü-xyz")
	f.Fuzz(func(t *testing.T, text, secret string) {
		if !utf8.ValidString(text) || !utf8.ValidString(secret) || len(secret) < minSecretRun {
			return
		}
		got := redactSecrets(text, []string{secret})
		if !utf8.ValidString(got) {
			t.Fatalf("result %q is not valid UTF-8", got)
		}
		// "[redacted]" itself may share 8 characters with a secret; look
		// only at what is left of the text.
		for _, kept := range strings.Split(got, "[redacted]") {
			for i := 0; i+minSecretRun <= len(secret); i++ {
				if strings.Contains(kept, secret[i:i+minSecretRun]) {
					t.Fatalf("redactSecrets(%q, %q) = %q keeps %q", text, secret, got, secret[i:i+minSecretRun])
				}
			}
		}
	})
}

func TestMillis(t *testing.T) {
	for d, want := range map[time.Duration]string{
		400 * time.Microsecond:  "0.4 ms",
		9 * time.Millisecond:    "9.0 ms",
		130 * time.Millisecond:  "130 ms",
		4200 * time.Millisecond: "4200 ms (4.2 s)",
	} {
		if got := millis(d); got != want {
			t.Errorf("millis(%v) = %q; want %q", d, got, want)
		}
	}
}
