//go:build linux

package glcheck

import (
	"context"
	"fmt"
	"io"
	"time"

	dbus "github.com/godbus/dbus/v5"
)

// notifyWait bounds the question to the desktop's notification service: the
// program must end within seconds even when the bus is stuck.
const notifyWait = 2 * time.Second

// Tell writes the message to stderr and shows it as a desktop notification
// where a notification service answers on the session bus (a window that
// never opens is otherwise easy to miss when started from a menu).
func Tell(stderr io.Writer, err error) {
	fmt.Fprintf(stderr, "%s.\n\n%s\n", Title, Message(err))
	Show(Title, Message(err))
}

// Show puts words where a user of a program started with no terminal sees
// them: a desktop notification, within seconds or not at all.
func Show(title, text string) { notify(title, text) }

// notify sends one notification (org.freedesktop.Notifications) and gives up
// quietly when there is no bus or nobody answers.
func notify(summary, body string) {
	ctx, cancel := context.WithTimeout(context.Background(), notifyWait)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := dbus.SessionBusPrivate()
		if err != nil {
			return
		}
		defer conn.Close()
		if err := conn.Auth(nil); err != nil {
			return
		}
		if err := conn.Hello(); err != nil {
			return
		}
		obj := conn.Object("org.freedesktop.Notifications", "/org/freedesktop/Notifications")
		obj.CallWithContext(ctx, "org.freedesktop.Notifications.Notify", 0,
			"Kantata Connect", uint32(0), "dialog-error", summary, body,
			[]string{}, map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(2))}, int32(-1))
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
