package diagnose

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// providerWait bounds the question to the session bus; a report must not
// hang on a stuck bus.
const providerWait = 2 * time.Second

// secretServiceProvider names the program that owns the Secret Service on the
// session bus (gnome-keyring-daemon, keepassxc, ...), or "" when it can't be
// told. Call it only after a keychain call succeeded: the bus connection is
// then go-keyring's shared one, already open, and nothing new is started.
func secretServiceProvider(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, providerWait)
	defer cancel()
	found := make(chan string, 1) // buffered: an abandoned lookup must not block
	go func() {
		conn, err := dbus.SessionBus()
		if err != nil {
			found <- ""
			return
		}
		var pid uint32
		err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetConnectionUnixProcessID", 0,
			"org.freedesktop.secrets").Store(&pid)
		if err != nil {
			found <- ""
			return
		}
		// The command line's first word: comm is cut at 15 characters.
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		name, _, _ := strings.Cut(string(cmdline), "\x00")
		if err != nil || name == "" {
			found <- fmt.Sprintf("process %d", pid)
			return
		}
		found <- fmt.Sprintf("%s (process %d)", filepath.Base(name), pid)
	}()
	select {
	case p := <-found:
		return p
	case <-ctx.Done():
		return ""
	}
}
