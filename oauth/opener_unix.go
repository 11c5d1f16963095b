//go:build !windows

package oauth

import "runtime"

// platformOpener is the command that opens url in the default browser:
// open on macOS, xdg-open (package xdg-utils) on Linux and the BSDs.
func platformOpener(url string) (string, []string) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return "open", []string{url}
	}
	return "xdg-open", []string{url}
}
