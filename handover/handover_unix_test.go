//go:build unix

package handover_test

import (
	"bufio"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/handover"
)

// TestSocketPrivate: the socket is the user's alone (0600), in the records
// folder, and gone once the listener closes.
func TestSocketPrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l, _ := listen(t, dir)
	path := filepath.Join(dir, "handover.sock")
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want a socket with 0600", fi.Mode())
	}
	l.Close()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("socket still there after Close (%v)", err)
	}
}

// TestStaleSocket: a socket left behind by an instance that is gone (no
// lock held) neither blocks a new listener nor answers a sender.
func TestStaleSocket(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "handover.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("the stale socket is not there: %v", err)
	}
	if err := handover.Send(ctx(t), dir, address); err != handover.ErrNobodyWaiting {
		t.Errorf("Send to a stale socket = %v, want ErrNobodyWaiting", err)
	}
	listen(t, dir)
	if err := handover.Send(ctx(t), dir, address); err != nil {
		t.Errorf("Send after the new listener replaced the stale socket: %v", err)
	}
}

// TestLongFolder: a records folder whose socket path would not fit
// sun_path gets a short socket in a private folder of the user's.
func TestLongFolder(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	_, got := listen(t, dir)
	if err := handover.Send(ctx(t), dir, address); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if a := <-got; a != address {
		t.Errorf("received %q", a)
	}
	private := filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "kantata-connect-"+strconv.Itoa(os.Getuid()))
	fi, err := os.Stat(private)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("private folder %s: %v, %v; want mode 0700", private, fi, err)
	}
}

// TestRawClient: a client that sends no newline within the bound is
// refused, not waited on forever.
func TestRawClient(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	listen(t, dir)
	c, err := net.Dial("unix", filepath.Join(dir, "handover.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go c.Write([]byte(strings.Repeat("x", handover.MaxAddress+10)))
	answer, err := bufio.NewReader(c).ReadString('\n')
	if answer != "refused\n" {
		t.Errorf("answer %q (%v), want refused", answer, err)
	}
}
