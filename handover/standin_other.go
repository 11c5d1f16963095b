//go:build !windows

package handover

// Stand-in for the applink branch's Unix socket (its handover_unix.go), so
// that this branch builds elsewhere: merging deletes this file.

import (
	"context"
	"errors"
	"net"
)

func listen(string) (net.Listener, error) {
	return nil, errors.New("handover: no Unix socket in this branch")
}

func dial(context.Context, string) (net.Conn, error) { return nil, ErrNobodyWaiting }
