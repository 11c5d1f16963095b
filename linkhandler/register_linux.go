package linkhandler

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kantata-connect/kantata-connect/store"
)

// commandTimeout bounds each run of xdg-mime.
const commandTimeout = 10 * time.Second

// Register makes this program the handler of the app's own link, unless it
// is already: it returns true when it registered it just now.
func Register() (bool, error) {
	program, err := os.Executable()
	if err != nil {
		return false, &Error{Step: "find this program", Err: err}
	}
	return RegisterProgram(program)
}

// RegisterProgram makes program the handler of the app's own link: it
// writes the desktop entry to $XDG_DATA_HOME/applications (default
// ~/.local/share/applications) and makes it the scheme's default with
// xdg-mime. It returns false, doing nothing, when both are so already.
func RegisterProgram(program string) (bool, error) {
	entry, err := Entry(program)
	if err != nil {
		return false, err
	}
	dir, err := applicationsDir()
	if err != nil {
		return false, &Error{Step: "find the applications folder", Err: err}
	}
	path := filepath.Join(dir, DesktopFile)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, []byte(entry)) && isDefault() {
		return false, nil
	}
	if err := store.ReplaceFile(path, []byte(entry)); err != nil {
		return false, &Error{Step: "write the desktop entry " + path, Err: err}
	}
	if _, err := xdgMime("default", DesktopFile, MimeType); err != nil {
		return false, &Error{Step: "make it the link's handler (xdg-mime default)", Err: err}
	}
	return true, nil
}

// applicationsDir is $XDG_DATA_HOME/applications, made if need be.
func applicationsDir() (string, error) {
	data := os.Getenv("XDG_DATA_HOME")
	if data == "" || !filepath.IsAbs(data) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		data = filepath.Join(home, ".local", "share")
	}
	dir := filepath.Join(data, "applications")
	return dir, os.MkdirAll(dir, 0o700)
}

// isDefault reports whether the user's mimeapps.list, where xdg-mime
// default writes, names the entry as the scheme's default. It reads the
// file rather than asking xdg-mime, which takes a second or two: every
// sign-in of this kind asks. A default set elsewhere (a desktop's own
// list) reads as not set, and the link is registered again.
func isDefault() bool {
	config := os.Getenv("XDG_CONFIG_HOME")
	if config == "" || !filepath.IsAbs(config) {
		home, err := os.UserHomeDir()
		if err != nil {
			return false
		}
		config = filepath.Join(home, ".config")
	}
	data, err := os.ReadFile(filepath.Join(config, "mimeapps.list"))
	if err != nil {
		return false
	}
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		key, value, _ := strings.Cut(line, "=")
		if section == "[Default Applications]" && strings.TrimSpace(key) == MimeType {
			first, _, _ := strings.Cut(strings.TrimSpace(value), ";")
			return first == DesktopFile
		}
	}
	return false
}

// ErrNoXDGMime: xdg-utils is not installed.
var ErrNoXDGMime = errors.New("xdg-mime is not installed (it comes with xdg-utils)")

func xdgMime(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, "xdg-mime", args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return "", ErrNoXDGMime
	case ctx.Err() != nil:
		return "", errors.New("xdg-mime did not finish within " + commandTimeout.String())
	case err != nil:
		return "", errors.New(strings.TrimSpace(err.Error() + ": " + firstLine(errOut.String())))
	}
	return out.String(), nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// Describe says which desktop entry handles the link, for diagnostics.
func Describe() string {
	out, err := xdgMime("query", "default", MimeType)
	switch handler := strings.TrimSpace(out); {
	case err != nil:
		return "unknown (" + err.Error() + ")"
	case handler == "":
		return "none registered yet (the first sign-in of this kind registers it)"
	case handler == DesktopFile:
		return handler + " (registered by Kantata Connect)"
	default:
		return handler
	}
}
