package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// GSettings is a dconf of a test's own: its XDG_CONFIG_HOME is a temporary
// folder, and Set writes it with gsettings on a D-Bus session of its own
// (dbus-run-session starts dconf's service there), so what one test sets
// reaches no other test, nor the desktop of whoever runs them. Programs run
// with Env read it.
type GSettings struct {
	// Env is this process's environment with the dconf of the test's own.
	Env []string
}

// NewGSettings needs gsettings, dconf and D-Bus; it fails, naming the
// packages, when one is missing. It is RealPartsOnly.
func NewGSettings(t testing.TB) *GSettings {
	t.Helper()
	RealPartsOnly(t, "gsettings, dconf and D-Bus")
	LinuxOnly(t, "GNOME's gsettings and dconf")
	for tool, pkg := range map[string]string{"gsettings": "libglib2.0-bin", "dbus-run-session": "dbus-daemon",
		"/usr/libexec/dconf-service": "dconf-service dconf-gsettings-backend"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install it with apt-get install -y %s (make test installs it)", tool, pkg)
		}
	}
	if out, err := exec.Command("gsettings", "list-keys", "org.gnome.system.proxy").CombinedOutput(); err != nil {
		t.Fatalf("GNOME's proxy settings schema is missing: install it with apt-get install -y gsettings-desktop-schemas: %v\n%s", err, out)
	}
	dir := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); name != "XDG_CONFIG_HOME" && name != "GSETTINGS_BACKEND" {
			env = append(env, kv)
		}
	}
	return &GSettings{Env: append(env, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "GSETTINGS_BACKEND=dconf")}
}

// Set writes keys, each {schema, key, value} with the value in GVariant's
// text form ("'manual'", "3128", "['localhost']").
func (g *GSettings) Set(t testing.TB, keys ...[3]string) {
	t.Helper()
	script := "set -e\n"
	args := []string{"--", "sh", "-c", "", "sh"}
	for i, k := range keys {
		n := 3 * i
		script += "gsettings set \"${" + strconv.Itoa(n+1) + "}\" \"${" + strconv.Itoa(n+2) + "}\" \"${" + strconv.Itoa(n+3) + "}\"\n"
		args = append(args, k[0], k[1], k[2])
	}
	args[3] = script
	cmd := exec.Command("dbus-run-session", args...)
	cmd.Env = g.Env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gsettings set: %v\n%s", err, out)
	}
}
