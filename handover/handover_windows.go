//go:build windows

package handover

import (
	"context"
	"errors"
	"net"
)

// A stand-in until the named pipe is built (helper "applinkwin" replaces
// this file).
var errNotBuilt = errors.New("handover: the Windows channel is not built yet")

func listen(dir string) (net.Listener, error) { return nil, errNotBuilt }

func dial(ctx context.Context, dir string) (net.Conn, error) { return nil, errNotBuilt }
