//go:build !linux

package linkhandler

// Register does nothing here: the Windows installer and macOS's bundle
// register the app's own link when the app is installed.
func Register() (bool, error) { return false, nil }

// Describe says who registers the link here, for diagnostics.
func Describe() string { return "registered when the app is installed" }
