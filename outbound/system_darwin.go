package outbound

import (
	"context"
	"net/url"
	"os/exec"
)

// systemSettings reads the proxy settings of macOS's network service in use
// with scutil --proxy, bounded by ctx.
func systemSettings(ctx context.Context) Settings {
	out, err := exec.CommandContext(ctx, "/usr/sbin/scutil", "--proxy").Output()
	if err != nil {
		return Settings{Origin: macOrigin, Err: err}
	}
	return scutilSettings(string(out))
}

// runPAC: macOS runs PAC scripts only through CFNetwork, which needs cgo;
// the app's non-window parts are built without it.
func runPAC(context.Context, string, bool, *url.URL) (string, error) { return "", ErrPACUnsupported }
