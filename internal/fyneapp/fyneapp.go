// Package fyneapp reads what the app's metadata file, FyneApp.toml, says of
// its version, for the program (version, diagnostics) and for the tests that
// check the Windows build carries the same.
package fyneapp

import (
	"fmt"
	"strings"
)

// Version is "VERSION (build N)" from the [Details] Version and Build keys of
// a FyneApp.toml. The file is the app's own, so a flat key = "value" read is
// all it needs.
func Version(toml string) string {
	var v, b string
	for _, line := range strings.Split(toml, "\n") {
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		value = strings.Trim(strings.TrimSpace(value), `"`)
		switch strings.TrimSpace(key) {
		case "Version":
			v = value
		case "Build":
			b = value
		}
	}
	return fmt.Sprintf("%s (build %s)", v, b)
}
