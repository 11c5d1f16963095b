package linkhandler_test

import (
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/linkhandler"
)

// TestEntryQuoting: a path with characters the Exec key treats specially
// is quoted as the Desktop Entry Specification says; a control character
// is refused.
func TestEntryQuoting(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, program, exec string }{
		{"plain", "/usr/bin/kantata-connect", `Exec=/usr/bin/kantata-connect %u`},
		{"space", "/opt/Kantata Connect/kc", `Exec="/opt/Kantata Connect/kc" %u`},
		{"quote and dollar", `/opt/a"b$c/kc`, `Exec="/opt/a\\"b\\$c/kc" %u`},
		{"backslash", `/opt/a\b/kc`, `Exec="/opt/a\\\\b/kc" %u`},
		{"percent", "/opt/100%/kc", `Exec=/opt/100%%/kc %u`},
		{"percent and space", "/opt/100% sure/kc", `Exec="/opt/100%% sure/kc" %u`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			entry, err := linkhandler.Entry(c.program)
			if err != nil || !strings.Contains(entry, c.exec+"\n") {
				t.Errorf("Entry(%q) = %v:\n%s\nwant the line %s", c.program, err, entry, c.exec)
			}
		})
	}
	if _, err := linkhandler.Entry("/opt/a\nExec=evil"); err == nil {
		t.Error("Entry accepted a path with a newline")
	}
}
