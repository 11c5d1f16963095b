package outbound

import (
	"context"
	"errors"
	"net/url"
	"os/exec"
	"strings"
)

// systemSettings reads GNOME's proxy settings (org.gnome.system.proxy), which
// GNOME, Cinnamon, Budgie and Unity desktops set, through gsettings (package
// libglib2.0-bin), bounded by ctx. Without gsettings or the schema
// (gsettings-desktop-schemas) there are none to read; other desktops' own
// settings (KDE's) are not read: the environment's variables serve there.
func systemSettings(ctx context.Context) Settings {
	if _, err := exec.LookPath("gsettings"); err != nil {
		return Settings{}
	}
	cmd := exec.CommandContext(ctx, "gsettings", "list-recursively", "org.gnome.system.proxy")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && strings.Contains(string(ee.Stderr), "No such schema") {
			return Settings{}
		}
		if ctx.Err() != nil {
			err = errors.New("gsettings did not answer in time")
		}
		return Settings{Origin: gnomeOrigin, Err: err}
	}
	s, err := gnomeSettings(string(out))
	s.Err = err
	return s
}

// runPAC: Linux has no PAC engine the app can use.
func runPAC(context.Context, string, bool, *url.URL) (string, error) { return "", ErrPACUnsupported }
