//go:build linux

package filechooser

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	portalName      = "org.freedesktop.portal.Desktop"
	portalPath      = "/org/freedesktop/portal/desktop"
	fileChooser     = "org.freedesktop.portal.FileChooser"
	requestResponse = "org.freedesktop.portal.Request.Response"
	// callTimeout bounds the method call (the portal may be started on
	// demand); the user's own time in the dialog is not bounded.
	callTimeout = 15 * time.Second
)

// sessionBus is the D-Bus session the portal is looked for on; tests point
// it at a bus of their own.
var sessionBus = dbus.ConnectSessionBus

func documents() string {
	home, _ := os.UserHomeDir()
	config := os.Getenv("XDG_CONFIG_HOME")
	if config == "" {
		config = filepath.Join(home, ".config")
	}
	if d := xdgDocuments(config, home); d != "" {
		return d
	}
	return filepath.Join(home, "Documents")
}

// filter is the portal's (sa(us)): a name and its patterns.
type filter struct {
	Name     string
	Patterns []filterPattern
}

type filterPattern struct {
	Kind    uint32
	Pattern string
}

// choose asks the desktop portal's FileChooser: SaveFile or OpenFile, then
// waits for the Response signal on the request the call returns.
func choose(ctx context.Context, o Options) (string, error) {
	conn, err := sessionBus()
	if err != nil {
		return "", fmt.Errorf("%w: no D-Bus session: %v", ErrUnavailable, err)
	}
	defer conn.Close()

	token := "kantata" + randomHex()
	// The request's path is known before the call (the portal's documented
	// scheme), so the answer can't come before we listen for it.
	sender := strings.ReplaceAll(strings.TrimPrefix(conn.Names()[0], ":"), ".", "_")
	request := dbus.ObjectPath(portalPath + "/request/" + sender + "/" + token)
	if err := conn.AddMatchSignal(dbus.WithMatchObjectPath(request), dbus.WithMatchInterface("org.freedesktop.portal.Request"),
		dbus.WithMatchMember("Response")); err != nil {
		return "", fmt.Errorf("filechooser: listen for the portal's answer: %w", err)
	}
	signals := make(chan *dbus.Signal, 4)
	conn.Signal(signals)

	opts := map[string]dbus.Variant{
		"handle_token": dbus.MakeVariant(token),
		"modal":        dbus.MakeVariant(true),
	}
	if len(o.Extensions) > 0 {
		f := filter{Name: o.FilterName}
		for _, ext := range o.Extensions {
			f.Patterns = append(f.Patterns, filterPattern{Kind: 0, Pattern: "*." + ext}) // 0: a glob
		}
		opts["filters"] = dbus.MakeVariant([]filter{f})
		opts["current_filter"] = dbus.MakeVariant(f)
	}
	if o.Folder != "" {
		opts["current_folder"] = dbus.MakeVariant(append([]byte(o.Folder), 0))
	}
	method := fileChooser + ".OpenFile"
	if o.Save {
		method = fileChooser + ".SaveFile"
		if o.Name != "" {
			opts["current_name"] = dbus.MakeVariant(o.Name)
		}
	}
	parent := ""
	if o.Parent != 0 {
		parent = fmt.Sprintf("x11:%x", o.Parent)
	}
	callCtx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	var handle dbus.ObjectPath
	call := conn.Object(portalName, portalPath).CallWithContext(callCtx, method, 0, parent, o.Title, opts)
	if err := call.Store(&handle); err != nil {
		// No portal, none with a FileChooser, or one that did not answer
		// in time: the toolkit's dialog.
		return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case s := <-signals:
			if s == nil || (s.Path != handle && s.Path != request) || s.Name != requestResponse || len(s.Body) < 2 {
				continue
			}
			return pathFromResponse(s.Body)
		}
	}
}

// pathFromResponse reads the Response signal's body: 0 and the chosen
// file's URI, or 1 (canceled) or 2 (ended otherwise).
func pathFromResponse(body []any) (string, error) {
	code, _ := body[0].(uint32)
	results, _ := body[1].(map[string]dbus.Variant)
	switch code {
	case 0:
	case 1:
		return "", nil
	default:
		return "", errors.New("filechooser: the file dialog ended without a file")
	}
	uris, _ := results["uris"].Value().([]string)
	if len(uris) == 0 {
		return "", errors.New("filechooser: the file dialog named no file")
	}
	u, err := url.Parse(uris[0])
	if err != nil || u.Scheme != "file" || u.Path == "" {
		return "", fmt.Errorf("filechooser: the file dialog chose %q, not a local file", uris[0])
	}
	return u.Path, nil
}

func randomHex() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
