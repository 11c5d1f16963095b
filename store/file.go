package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// withFileLock runs fn holding the exclusive lock on records.lock. It polls a
// non-blocking lock so the wait can be bounded by lockTimeout.
func (s *Store) withFileLock(fn func() error) error {
	f, err := os.OpenFile(s.lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil && unwritable(err) {
		// A read-only folder must still show the saved records: a lock
		// works through a read-only handle too, and where there is no
		// lock file to open nobody can write the records to race with.
		var rerr error
		if f, rerr = os.Open(s.lockPath); errors.Is(rerr, fs.ErrNotExist) {
			return fn()
		} else if rerr == nil {
			err = nil
		}
	}
	if err != nil {
		return &LockError{Path: s.lockPath, Err: err}
	}
	defer f.Close()
	deadline := time.Now().Add(s.lockTimeout)
	wait := time.Millisecond
	for {
		busy, err := tryLock(f)
		if err != nil {
			return &LockError{Path: s.lockPath, Err: err}
		}
		if !busy {
			break
		}
		if time.Now().After(deadline) {
			return &LockError{Path: s.lockPath, Err: errLockTimeout}
		}
		time.Sleep(wait)
		wait = min(wait*2, 20*time.Millisecond)
	}
	defer unlock(f)
	return fn()
}

// removeStaleTemps deletes temp files a crashed write left behind. Only
// called under the file lock, so no write is in progress.
func (s *Store) removeStaleTemps() {
	matches, _ := filepath.Glob(filepath.Join(s.dir, tempPattern))
	for _, m := range matches {
		_ = os.Remove(m)
	}
}

// load reads the records file into s.data (caller holds the file lock). A
// missing file is an empty store; a damaged one is moved aside; a newer
// schema, or a file that can't be read, makes the store read-only. A file
// that hasn't changed since it was last read or written here isn't parsed
// again.
func (s *Store) load() error {
	fi, err := os.Stat(s.path)
	if err == nil && s.known != nil && os.SameFile(fi, s.known) &&
		fi.Size() == s.known.Size() && fi.ModTime().Equal(s.known.ModTime()) {
		return nil
	}
	s.known = nil
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		s.setState(records{SchemaVersion: SchemaVersion}, nil)
		return nil
	}
	if err != nil && !errors.Is(err, syscall.EISDIR) && fi != nil && fi.IsDir() {
		// Windows reads a folder as "Incorrect function": say what it
		// is, as Unix does.
		err = &fs.PathError{Op: "read", Path: s.path, Err: syscall.EISDIR}
	}
	if err != nil {
		// Only a file that was read can be called damaged. This one may
		// be whole behind a permission or a passing disk error: leave it
		// exactly where it is, and refuse changes (they would write over
		// it) until it can be read. The records last read stay shown.
		slog.Warn("records file can't be read; left as it is, changes refused", "path", s.path, "err", err)
		s.mu.Lock()
		s.readOnly = &UnreadableError{Path: s.path, Err: err}
		s.mu.Unlock()
		return nil
	}
	var r struct {
		SchemaVersion *int `json:"schema_version"`
		records
	}
	parseErr := json.Unmarshal(b, &r)
	if parseErr != nil {
		// A newer version may have changed the layout: look at the
		// version alone before calling the file damaged.
		var head struct {
			SchemaVersion *int `json:"schema_version"`
		}
		if json.Unmarshal(b, &head) != nil {
			return s.moveAside("it was damaged", parseErr)
		}
		r.SchemaVersion, r.records = head.SchemaVersion, records{}
	}
	if r.SchemaVersion == nil || *r.SchemaVersion < 1 {
		return s.moveAside("it was damaged", errors.New("schema_version missing or below 1"))
	}
	if v := *r.SchemaVersion; v > SchemaVersion {
		// Show what we can (a layout we can't parse shows as empty) and
		// leave the file exactly as it is.
		if parseErr != nil || r.check() != nil {
			r.records = records{}
		}
		r.records.SchemaVersion = v
		s.setState(r.records, &ReadOnlyError{Path: s.path, FileVersion: v, KnownVersion: SchemaVersion})
		return nil
	}
	if parseErr != nil {
		return s.moveAside("it was damaged", parseErr)
	}
	if err := r.check(); err != nil {
		return s.moveAside("it was damaged", err)
	}
	r.records.upgrade(*r.SchemaVersion)
	r.records.SchemaVersion = *r.SchemaVersion
	s.setState(r.records, nil)
	if fi != nil {
		s.known = fi
	}
	return nil
}

// check catches damage that still parses as JSON.
func (r *records) check() error {
	seen := map[string]bool{}
	for _, c := range r.Clients {
		if c.ID == "" || seen["client/"+c.ID] {
			return fmt.Errorf("client with missing or repeated id %q", c.ID)
		}
		seen["client/"+c.ID] = true
	}
	for _, c := range r.Connections {
		if c.ID == "" || seen["connection/"+c.ID] {
			return fmt.Errorf("connection with missing or repeated id %q", c.ID)
		}
		seen["connection/"+c.ID] = true
	}
	return nil
}

// upgrade fills in what a file of an older version could not hold: before
// version 2 every client's answer came back to the loopback listener.
func (r *records) upgrade(from int) {
	if from >= 2 {
		return
	}
	for i := range r.Clients {
		if r.Clients[i].Callback == "" {
			r.Clients[i].Callback = CallbackLoopback
		}
	}
}

func (s *Store) setState(r records, ro readOnlyError) {
	s.mu.Lock()
	s.data = r
	s.readOnly = ro
	s.mu.Unlock()
}

// moveAside renames the unusable records file to
// records.json.corrupt-<UTC timestamp>, keeping its bytes for the user, and
// starts empty. It never overwrites an earlier copy.
func (s *Store) moveAside(reason string, cause error) error {
	stamp := s.now().UTC().Format("20060102T150405Z")
	aside := s.path + ".corrupt-" + stamp
	for n := 2; ; n++ {
		if _, err := os.Lstat(aside); errors.Is(err, fs.ErrNotExist) {
			break
		}
		aside = fmt.Sprintf("%s.corrupt-%s-%d", s.path, stamp, n)
	}
	if err := os.Rename(s.path, aside); err != nil {
		return &FileError{Op: "move aside the unusable records file", Path: s.path,
			Err: fmt.Errorf("%w (the file is unusable: %v)", err, cause)}
	}
	_ = syncDir(s.dir)
	s.known = nil
	slog.Warn("records file unusable; moved aside and starting empty", "path", s.path, "copy", aside, "err", cause)
	s.mu.Lock()
	s.data = records{SchemaVersion: SchemaVersion}
	s.readOnly = nil
	s.corruptNotice = fmt.Sprintf("Kantata Connect couldn't use its file of saved connections and clients because %s, so it started with an empty list. "+
		"Nothing was deleted: the old file was kept as %s.", reason, aside)
	s.mu.Unlock()
	return nil
}

// writeFile replaces the records file atomically (replaceFile).
func (s *Store) writeFile(r records) (err error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode records: %w", err)
	}
	if err := replaceFile(s.dir, s.path, append(b, '\n'), s.beforeRename); err != nil {
		return err
	}
	if fi, err := os.Stat(s.path); err == nil {
		s.known = fi
	}
	return nil
}

// ReplaceFile replaces the file at path with data as the records file is
// written: atomically, with mode 0600, flushed to disk. For the app's other
// small files (the link's desktop entry).
func ReplaceFile(path string, data []byte) error {
	return replaceFile(filepath.Dir(path), path, data, nil)
}

// replaceFile replaces the file at path in dir with b atomically: a temp
// file (mode 0600) in the same folder, flushed, then renamed over the old
// one, then the folder flushed. A crash at any point leaves either the old
// or the new file whole. beforeRename, when set, runs just before the
// rename (a test's fault).
func replaceFile(dir, path string, b []byte, beforeRename func(tmpPath string) error) (err error) {
	tmp, err := os.CreateTemp(dir, tempPattern) // mode 0600
	if err != nil {
		return &FileError{Op: "create temp file in", Path: dir, Err: err}
	}
	tmpPath := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmpPath)
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return &FileError{Op: "set permissions of", Path: tmpPath, Err: err}
	}
	if _, err = tmp.Write(b); err != nil {
		return &FileError{Op: "write", Path: tmpPath, Err: err}
	}
	if err = tmp.Sync(); err != nil {
		return &FileError{Op: "flush", Path: tmpPath, Err: err}
	}
	if err = tmp.Close(); err != nil {
		return &FileError{Op: "close", Path: tmpPath, Err: err}
	}
	if beforeRename != nil {
		if err = beforeRename(tmpPath); err != nil {
			return &FileError{Op: "replace", Path: path, Err: err}
		}
	}
	if err = os.Rename(tmpPath, path); err != nil {
		return &FileError{Op: "replace", Path: path, Err: err}
	}
	if err = syncDir(dir); err != nil {
		// The rename happened; only its durability is unsure.
		slog.Warn("could not flush folder", "dir", dir, "err", err)
		err = nil
	}
	return nil
}

// checkSideFile is the path of a side file: a small file of the app's own
// beside the records (the window's place, say), never records.json itself
// and never outside the records folder.
func (s *Store) checkSideFile(name string) (string, error) {
	if name == "" || name != filepath.Base(name) || name == filepath.Base(s.path) || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("store: %q is not a side file's name", name)
	}
	return filepath.Join(s.dir, name), nil
}

// ReadSideFile is the content of the side file name beside the records.
func (s *Store) ReadSideFile(name string) ([]byte, error) {
	path, err := s.checkSideFile(name)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// WriteSideFile replaces the side file name beside the records with data,
// atomically and with mode 0600, as the records file is written.
func (s *Store) WriteSideFile(name string, data []byte) error {
	path, err := s.checkSideFile(name)
	if err != nil {
		return err
	}
	return replaceFile(s.dir, path, data, nil)
}
