//go:build windows

package handover

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// On Windows the channel is a named pipe. Go's standard library has none;
// go-winio is Microsoft's own implementation, with overlapped I/O, deadlines
// and a security descriptor for the pipe.
//
// The pipe's name comes from the user and the records folder, so that
// instances with different folders (--config-dir) never meet. Named pipes
// are one namespace for the whole computer, so the pipe is made safe three
// ways: its security
// descriptor lets only this user connect (and names this user its owner);
// it is made as the first instance of its name, so no one else's pipe of
// the same name is joined; and a sender checks that the pipe it reached is
// owned by its own user before it hands anything over.

// pipePrefix starts every handover pipe's name.
const pipePrefix = `\\.\pipe\kantata-connect-`

// pipeBuffer is each direction's buffer: an address is a few hundred bytes.
const pipeBuffer = 8 << 10

// pipeName is the pipe of the records folder dir for the current user:
// named pipes are one namespace for the whole computer, so two users who
// share a folder (--config-dir) still have a pipe each. Windows' paths are
// case-insensitive, so the folder is compared in lower case.
func pipeName(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find the records folder: %w", err)
	}
	sid, err := userSID()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(sid.String() + "\x00" + strings.ToLower(filepath.Clean(abs))))
	return pipePrefix + hex.EncodeToString(sum[:16]), nil
}

// userSID is the current user's security identifier, as in SDDL (S-1-5-…).
func userSID() (*windows.SID, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("find the current user: %w", err)
	}
	return u.User.Sid.Copy()
}

// listen makes the first instance of the folder's pipe, which only the
// current user can open. ErrInUse when the name is taken: another instance
// waits there (or, on a shared computer, someone else made a pipe of that
// name; then too this program must not join it).
//
// go-winio's own ListenPipe is not used: it keeps its first instance opened
// without read or write access, which Windows holds disconnected, but Wine
// lets a client connect to it, and that client then waits forever, never
// accepted. Here every instance is a plain one (CreateNamedPipe), the first
// with FILE_FLAG_FIRST_PIPE_INSTANCE; go-winio does the connections' I/O.
func listen(dir string) (net.Listener, error) {
	name, err := pipeName(dir)
	if err != nil {
		return nil, err
	}
	sid, err := userSID()
	if err != nil {
		return nil, err
	}
	// Owner: this user; protected DACL: full access for this user alone.
	sd, err := windows.SecurityDescriptorFromString(fmt.Sprintf("O:%sD:P(A;;GA;;;%s)", sid, sid))
	if err != nil {
		return nil, fmt.Errorf("listen for the app's link: %w", err)
	}
	l := &pipeListener{name: name}
	l.sa.Length = uint32(unsafe.Sizeof(l.sa))
	l.sa.SecurityDescriptor = sd
	// Wine does not honour FILE_FLAG_FIRST_PIPE_INSTANCE: ask first
	// whether the name exists (WaitNamedPipe connects nothing). On Windows
	// the flag also covers the moment between the question and the pipe.
	if pipeExists(name) {
		return nil, ErrInUse
	}
	first, err := l.instance(windows.FILE_FLAG_FIRST_PIPE_INSTANCE)
	switch {
	case errors.Is(err, windows.ERROR_ACCESS_DENIED), errors.Is(err, windows.ERROR_ALREADY_EXISTS),
		errors.Is(err, windows.ERROR_PIPE_BUSY):
		return nil, ErrInUse
	case err != nil:
		return nil, fmt.Errorf("listen for the app's link: %w", err)
	}
	if l.closeEvent, err = windows.CreateEvent(nil, 1, 0, nil); err != nil {
		windows.CloseHandle(first)
		return nil, fmt.Errorf("listen for the app's link: %w", err)
	}
	l.next = first
	return l, nil
}

var waitNamedPipe = windows.NewLazySystemDLL("kernel32.dll").NewProc("WaitNamedPipeW")

// pipeExists reports whether a pipe of that name exists, without connecting
// to it: WaitNamedPipe answers at once "file not found" when none does.
func pipeExists(name string) bool {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return false
	}
	ok, _, err := waitNamedPipe.Call(uintptr(unsafe.Pointer(p)), 1)
	return ok != 0 || !errors.Is(err, windows.ERROR_FILE_NOT_FOUND)
}

// pipeListener accepts the pipe's clients one at a time. While it is open,
// an instance of the pipe always exists, so that the name stays this
// program's: the next one is made before a connected one is handed out.
type pipeListener struct {
	name       string
	sa         windows.SecurityAttributes
	closeEvent windows.Handle // set by Close: ends a waiting Accept

	accepting sync.Mutex // held by Accept, and by Close to wait for it
	mu        sync.Mutex
	next      windows.Handle // the instance the next client reaches; 0 once closed
	closed    bool
}

// instance makes one instance of the pipe, with flags added.
func (l *pipeListener) instance(flags uint32) (windows.Handle, error) {
	name, err := windows.UTF16PtrFromString(l.name)
	if err != nil {
		return 0, err
	}
	return windows.CreateNamedPipe(name,
		windows.PIPE_ACCESS_DUPLEX|windows.FILE_FLAG_OVERLAPPED|flags,
		windows.PIPE_TYPE_BYTE|windows.PIPE_READMODE_BYTE|windows.PIPE_WAIT|windows.PIPE_REJECT_REMOTE_CLIENTS,
		windows.PIPE_UNLIMITED_INSTANCES, pipeBuffer, pipeBuffer, 0, &l.sa)
}

func (l *pipeListener) Accept() (net.Conn, error) {
	l.accepting.Lock()
	defer l.accepting.Unlock()
	l.mu.Lock()
	h := l.next
	l.next = 0
	l.mu.Unlock()
	if h == 0 {
		return nil, net.ErrClosed
	}
	if err := l.connect(h); err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	next, err := l.instance(0)
	if err != nil {
		windows.CloseHandle(h)
		return nil, fmt.Errorf("listen for the app's link: %w", err)
	}
	l.mu.Lock()
	if l.closed {
		windows.CloseHandle(next)
	} else {
		l.next = next
	}
	l.mu.Unlock()
	f, err := winio.NewOpenFile(h)
	if err != nil {
		windows.CloseHandle(h)
		return nil, err
	}
	return &pipeConn{f.(pipeFile), pipeAddr(l.name)}, nil
}

// connect waits for a client on instance h, until Close.
func (l *pipeListener) connect(h windows.Handle) error {
	done, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(done)
	ov := &windows.Overlapped{HEvent: done}
	switch err := windows.ConnectNamedPipe(h, ov); {
	case err == nil, errors.Is(err, windows.ERROR_PIPE_CONNECTED):
		return nil // a client came first
	case !errors.Is(err, windows.ERROR_IO_PENDING):
		return fmt.Errorf("wait for the app's link: %w", err)
	}
	ev, err := windows.WaitForMultipleObjects([]windows.Handle{done, l.closeEvent}, false, windows.INFINITE)
	var n uint32
	if err != nil || ev != windows.WAIT_OBJECT_0 {
		_ = windows.CancelIoEx(h, ov)
		_ = windows.GetOverlappedResult(h, ov, &n, true)
		return net.ErrClosed
	}
	if err := windows.GetOverlappedResult(h, ov, &n, false); err != nil && !errors.Is(err, windows.ERROR_PIPE_CONNECTED) {
		return fmt.Errorf("wait for the app's link: %w", err)
	}
	return nil
}

// Close stops listening: a waiting Accept returns net.ErrClosed, and the
// pipe's name is free once the connections handed out are closed too.
func (l *pipeListener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	if l.next != 0 {
		windows.CloseHandle(l.next)
		l.next = 0
	}
	l.mu.Unlock()
	_ = windows.SetEvent(l.closeEvent)
	l.accepting.Lock() // a waiting Accept has returned
	windows.CloseHandle(l.closeEvent)
	l.accepting.Unlock()
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr(l.name) }

// pipeFile is what go-winio's NewOpenFile gives: overlapped I/O with
// deadlines.
type pipeFile interface {
	io.ReadWriteCloser
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// pipeConn is one connected instance, as a net.Conn.
type pipeConn struct {
	pipeFile
	addr pipeAddr
}

func (c *pipeConn) LocalAddr() net.Addr  { return c.addr }
func (c *pipeConn) RemoteAddr() net.Addr { return c.addr }
func (c *pipeConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// pipeAddr is a pipe's name as a net.Addr.
type pipeAddr string

func (pipeAddr) Network() string  { return "pipe" }
func (a pipeAddr) String() string { return string(a) }

// errNotOurs: the pipe of the folder's name belongs to someone else.
var errNotOurs = errors.New("the app's link channel belongs to another user")

// dial connects to the folder's pipe, waiting while it is busy until ctx
// ends. No pipe of that name is ErrNobodyWaiting, at once; a pipe whose
// owner is not the current user is closed unused.
func dial(ctx context.Context, dir string) (net.Conn, error) {
	name, err := pipeName(dir)
	if err != nil {
		return nil, err
	}
	c, err := winio.DialPipeContext(ctx, name)
	switch {
	case errors.Is(err, windows.ERROR_FILE_NOT_FOUND), errors.Is(err, windows.ERROR_PATH_NOT_FOUND):
		return nil, ErrNobodyWaiting
	case err != nil: // busy until ctx ended, or refused (another user's)
		return nil, fmt.Errorf("reach the waiting sign-in: %w", err)
	}
	if err := ownedByUser(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// ownedByUser checks that the pipe c reached is owned by the current user,
// as listen makes it.
func ownedByUser(c net.Conn) error {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return errNotOurs
	}
	sd, err := windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_KERNEL_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("check who owns the app's link channel: %w", err)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("check who owns the app's link channel: %w", err)
	}
	me, err := userSID()
	if err != nil {
		return err
	}
	if owner == nil || !owner.Equals(me) {
		return errNotOurs
	}
	return nil
}
