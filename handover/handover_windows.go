//go:build windows

package handover

import (
	"context"
	"errors"
	"net"
)

// A stand-in until the named pipe is built (helper "applinkwin" replaces
// this file). What the real one must do, as handover_unix.go does:
//   - listen(dir): a pipe only this user can open, named from dir; a second
//     listener on the same dir gets ErrInUse.
//   - dial(ctx, dir): nobody listening gives an error matching
//     fs.ErrNotExist or ErrNobodyWaiting (Send turns it into
//     ErrNobodyWaiting).
var errNotBuilt = errors.New("handover: the Windows channel is not built yet")

func listen(dir string) (net.Listener, error) { return nil, errNotBuilt }

func dial(ctx context.Context, dir string) (net.Conn, error) { return nil, errNotBuilt }
