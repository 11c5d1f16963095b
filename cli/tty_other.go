//go:build !unix

package cli

// ignoreBackgroundRead: only Unix stops a background reader of the terminal.
func ignoreBackgroundRead() {}
