// Package fyneapp reads what the app's metadata file, FyneApp.toml, says of
// its version and home page, for the program (version, diagnostics) and for the tests that
// check the Windows build carries the same.
package fyneapp

import (
	"fmt"
	"strings"
)

// Version is "VERSION (build N)" from the [Details] Version and Build keys of
// a FyneApp.toml.
func Version(toml string) string {
	return fmt.Sprintf("%s (build %s)", value(toml, "Version"), value(toml, "Build"))
}

// Website is the Website key of a FyneApp.toml: the project's home page.
func Website(toml string) string { return value(toml, "Website") }

// value is the value of key in toml. The file is the app's own, so a flat
// key = "value" read is all it needs.
func value(toml, key string) string {
	for _, line := range strings.Split(toml, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.TrimSpace(k) == key {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}
