package oauth

import (
	"html"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/assets"
)

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Minute:                       "5 minutes",
		time.Minute:                           "1 minute",
		90 * time.Second:                      "1 minute 30 seconds",
		30 * time.Second:                      "30 seconds",
		time.Second:                           "1 second",
		200 * time.Millisecond:                "200ms",
		2*time.Minute + 1500*time.Millisecond: "2 minutes 2 seconds",
	} {
		if got := HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestDefaultTimeoutMessage(t *testing.T) {
	e := timeoutError(DefaultTimeout, CallbackLoopback, RedirectURI(0))
	want := "No answer came from your browser within 5 minutes."
	if len(e.Message) < len(want) || e.Message[:len(want)] != want {
		t.Errorf("timeout message %q does not start with %q", e.Message, want)
	}
	e = timeoutError(DefaultCodeTimeout, CallbackCode, OOBRedirectURI)
	want = "No code was pasted within 10 minutes."
	if len(e.Message) < len(want) || e.Message[:len(want)] != want || !strings.Contains(e.Message, OOBRedirectURI) {
		t.Errorf("code timeout message %q does not start with %q or name %s", e.Message, want, OOBRedirectURI)
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"line breaks and separators part words", "a\nb\tc\u2028d", 100, "a b c d"},
		{"control characters show as U+FFFD", "a\x00b\x1b[2J", 100, "a\uFFFDb\uFFFD[2J"},
		{"bidi and zero-width dropped", "\u202eab\u200bc\u202c", 100, "abc"},
		{"trimmed", " \r\nabc\n ", 100, "abc"},
		{"cut, the ellipsis included", "abcdef", 3, "ab…"},
		{"invalid UTF-8", "\xff\xfe", 10, "\uFFFD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := clean(tc.in, tc.max, nil); got != tc.want {
				t.Errorf("clean(%q, %d) = %q; want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
	// A secret across the cut: scrubbed first, so none of it is left.
	if got := clean("abc s3cret-value", 8, []string{"s3cret-value"}); got != "abc [re…" {
		t.Errorf("clean with a secret across the cut = %q", got)
	}
}

// The pages load nothing from elsewhere: the CSP would block it anyway, and
// a sign-in page must not call out.
func TestPagesSelfContained(t *testing.T) {
	for _, name := range []string{"pages/success.html", "pages/failure.html"} {
		b, err := fs.ReadFile(assets.Pages, name)
		if err != nil {
			t.Fatalf("%s not embedded: %v", name, err)
		}
		page := strings.ToLower(string(b))
		for _, bad := range []string{"<script", "src=", "href=", "url(", "@import", "<link", "<iframe", "http://", "https://", "on" + "load="} {
			if strings.Contains(page, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
	var buf strings.Builder
	if err := successPage.Execute(&buf, nil); err != nil || !strings.Contains(html.UnescapeString(buf.String()), SuccessText) {
		t.Errorf("success page (%v) lacks %q", err, SuccessText)
	}
	buf.Reset()
	d := failureData{Heading: "H<i>", Message: "M<script>alert(1)</script>", Next: "N&"}
	if err := failurePage.Execute(&buf, d); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<script>") || strings.Contains(buf.String(), "<i>") {
		t.Errorf("failure page does not escape its fields: %s", buf.String())
	}
}
