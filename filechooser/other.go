//go:build !linux && !windows

package filechooser

import "context"

func documents() string { return "" }

// choose: no system dialog is wired up on this system (macOS): the
// toolkit's own is shown.
func choose(context.Context, Options) (string, error) { return "", ErrUnavailable }
