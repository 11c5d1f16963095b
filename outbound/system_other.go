//go:build !linux && !darwin && !windows

package outbound

import (
	"context"
	"net/url"
)

// systemSettings: no system proxy settings are read on this OS; the
// environment's variables serve.
func systemSettings(context.Context) Settings { return Settings{} }

func runPAC(context.Context, string, bool, *url.URL) (string, error) { return "", ErrPACUnsupported }
