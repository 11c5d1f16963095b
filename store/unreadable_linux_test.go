package store

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

// More ways a records file can't be read, made real even for root: the
// records file is a symlink to a kernel file that refuses the read. Root
// may not read a write-only sysctl (EACCES, whatever its capabilities), and
// reading this process's memory at address 0, which is never mapped, fails
// with EIO as a failing disk does. A change would replace the symlink, never
// write through it; the checks make sure nothing does either.
func TestUnreadableFileLeftInPlaceLinux(t *testing.T) {
	for _, c := range []struct {
		name, target string
		errno        error
		userWords    string
	}{
		{"permission denied", "/proc/sys/vm/compact_memory", syscall.EACCES, "permissions"},
		{"input/output error", "/proc/self/mem", syscall.EIO, "disk"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := os.Lstat(c.target); errors.Is(err, fs.ErrNotExist) {
				t.Skipf("%s is missing here, so this read error can't be made: %v", c.target, err)
			}
			checkUnreadableLeftInPlace(t, unreadableCase{
				make: func(t *testing.T, path string) {
					if err := os.Symlink(c.target, path); err != nil {
						t.Fatal(err)
					}
				},
				unchanged: func(t *testing.T, path string) {
					t.Helper()
					if got, err := os.Readlink(path); err != nil || got != c.target {
						t.Fatalf("the unreadable records file is gone or changed: %q, %v", got, err)
					}
				},
				undo: func(t *testing.T, path string) {
					if err := os.Remove(path); err != nil {
						t.Fatal(err)
					}
				},
				errno:     c.errno,
				userWords: c.userWords,
			})
		})
	}
}
