//go:build !windows

package cli

import "io"

// redirected is for Windows, whose redirected output needs plain
// punctuation (shellwords.go); elsewhere terminals and pipes read UTF-8.
func redirected(io.Writer) bool { return false }
