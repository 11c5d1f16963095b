//go:build unix

package handover

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	socketName = "handover.sock"
	lockName   = "handover.lock"
	// maxSocketPath is sun_path's size less its final NUL on the smallest
	// of the systems (104 on macOS and the BSDs, 108 on Linux).
	maxSocketPath = 103
)

// listen opens the Unix socket of dir, holding handover.lock so that one
// instance listens per folder: a second gets ErrInUse. A socket left behind
// by an instance that is gone is removed first.
func listen(dir string) (net.Listener, error) {
	lock, err := lockFolder(dir)
	if err != nil {
		return nil, err
	}
	path, err := socketPath(dir, true)
	if err != nil {
		lock.Close()
		return nil, err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		lock.Close()
		return nil, fmt.Errorf("handover: remove the socket left behind: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err == nil {
		err = os.Chmod(path, 0o600)
	}
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		lock.Close()
		return nil, fmt.Errorf("handover: listen: %w", err)
	}
	return &lockedListener{Listener: ln, lock: lock}, nil
}

// lockedListener releases the folder's lock once the socket is closed (and
// removed: net removes the socket it created).
type lockedListener struct {
	net.Listener
	lock *os.File
}

func (l *lockedListener) Close() error {
	err := l.Listener.Close()
	l.lock.Close() // closing the file releases the flock
	return err
}

// lockFolder takes handover.lock in dir without waiting.
func lockFolder(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("handover: %w", err)
	}
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) || errors.Is(err, unix.EAGAIN) {
		f.Close()
		return nil, ErrInUse
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("handover: lock: %w", err)
	}
	return f, nil
}

// dial connects to the socket of dir; nobody listening gives an error
// matching fs.ErrNotExist or ECONNREFUSED.
func dial(ctx context.Context, dir string) (net.Conn, error) {
	path, err := socketPath(dir, false)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}

// socketPath is dir/handover.sock, or where that is longer than sun_path
// holds, a short name in a folder of this user's own under
// $XDG_RUNTIME_DIR (else the temporary folder), named by a hash of dir.
// create makes that folder; either way it must be this user's, mode 0700,
// else another user could stand in for the listener.
func socketPath(dir string, create bool) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("handover: %w", err)
	}
	path := filepath.Join(abs, socketName)
	if len(path) <= maxSocketPath {
		return path, nil
	}
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" || !filepath.IsAbs(base) {
		base = os.TempDir()
	}
	private := filepath.Join(base, fmt.Sprintf("kantata-connect-%d", os.Getuid()))
	if create {
		if err := os.Mkdir(private, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("handover: %w", err)
		}
	}
	if err := checkPrivate(private); err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(abs))
	path = filepath.Join(private, hex.EncodeToString(sum[:8])+".sock")
	if len(path) > maxSocketPath {
		return "", fmt.Errorf("handover: the socket path %s is too long for this system", path)
	}
	return path, nil
}

// checkPrivate makes sure folder is a folder (not a link) of this user's
// that only this user can open.
func checkPrivate(folder string) error {
	fi, err := os.Lstat(folder)
	if err != nil {
		return fmt.Errorf("handover: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Getuid() || fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("handover: %s is not a private folder of this user's", folder)
	}
	return nil
}
