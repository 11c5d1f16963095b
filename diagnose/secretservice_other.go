//go:build !linux

package diagnose

import "context"

// secretServiceProvider is Linux only: elsewhere the OS keychain is the one
// backend there is.
func secretServiceProvider(context.Context) string { return "" }
