package store

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
)

// userError is a sentinel that also speaks to the user.
type userError struct{ msg, user, detail string }

func (e *userError) Error() string           { return e.msg }
func (e *userError) UserMessage() string     { return e.user }
func (e *userError) TechnicalDetail() string { return e.detail }

var (
	// ErrReadOnly: the records can't be changed now, because the records
	// file was made by a newer version (*ReadOnlyError) or can't be read
	// (*UnreadableError). Both match ErrReadOnly.
	ErrReadOnly error = &userError{
		msg:    "records are read-only",
		user:   "Your saved connections can't be changed right now.",
		detail: "store is read-only",
	}
	// ErrSecretRequired: SaveClient was given no secret.
	ErrSecretRequired error = &userError{
		msg:    "client secret required",
		user:   "Enter the client secret. It is needed each time the client is saved.",
		detail: "empty client secret",
	}
)

// ValidationError says which field is wrong and how to fix it.
type ValidationError struct {
	Field   Field  // which setting: FieldName, FieldClientID, …
	Message string // plain words, shown next to the field
}

func (e *ValidationError) Error() string       { return "invalid " + string(e.Field) + ": " + e.Message }
func (e *ValidationError) UserMessage() string { return e.Message }
func (e *ValidationError) TechnicalDetail() string {
	return "validation failed for field " + string(e.Field)
}

// ReadOnlyError is returned by every write while the records file comes from
// a newer schema version than this build understands.
type ReadOnlyError struct {
	Path         string
	FileVersion  int
	KnownVersion int
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("records file %s has schema version %d (this build knows %d): made by a newer version of Kantata Connect; update the app", e.Path, e.FileVersion, e.KnownVersion)
}
func (e *ReadOnlyError) UserMessage() string {
	return "Your saved connections were made by a newer version of Kantata Connect; update the app. Until then you can look at them but not change them."
}
func (e *ReadOnlyError) TechnicalDetail() string { return e.Error() }
func (e *ReadOnlyError) Is(target error) bool    { return target == ErrReadOnly }

// UnreadableError is returned by every change while the records file is there
// but can't be read (no permission, a disk error, a folder in its place).
// Only a file that was read and didn't parse counts as damaged and is moved
// aside; this one is left exactly as it is. It matches ErrReadOnly.
type UnreadableError struct {
	Path string
	Err  error
}

func (e *UnreadableError) Error() string {
	return fmt.Sprintf("records file %s can't be read (left as it is; changes refused until it can be read): %v", e.Path, e.Err)
}
func (e *UnreadableError) Unwrap() error { return e.Err }
func (e *UnreadableError) UserMessage() string {
	why := "reading it failed"
	check := "Check that you may read the file (its permissions) and that the disk it is on is working."
	switch {
	case errors.Is(e.Err, fs.ErrPermission):
		why = "you aren't allowed to read it"
		check = "Check the file's permissions: your user account must be able to read it."
	case errors.Is(e.Err, syscall.EISDIR):
		why = "there is a folder where that file should be"
		check = "Check what that folder is: a readable records file must be there instead."
	case errors.Is(e.Err, syscall.EIO):
		why = "the disk reported an error"
		check = "Check that the disk is connected and working."
	}
	return "Kantata Connect can't read its file of saved connections and clients, " + e.Path + ": " + why + ". " +
		"Nothing was changed or moved. Until the file can be read, your connections and clients can't be changed. " + check
}
func (e *UnreadableError) TechnicalDetail() string { return e.Error() }
func (e *UnreadableError) Is(target error) bool    { return target == ErrReadOnly }

// InUseError: a client can't be deleted while connections use it.
type InUseError struct {
	ClientID    string // Client.ID
	ClientName  string
	Connections []string // names of the connections that use it
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("client %q is used by connections %s", e.ClientName, strings.Join(quoteAll(e.Connections), ", "))
}
func (e *InUseError) UserMessage() string {
	if len(e.Connections) == 1 {
		return fmt.Sprintf("The client “%s” is used by the connection %s. Delete that connection first, or delete it together with the client.",
			e.ClientName, joinNames(e.Connections))
	}
	return fmt.Sprintf("The client “%s” is used by the connections %s. Delete those connections first, or delete them together with the client.",
		e.ClientName, joinNames(e.Connections))
}
func (e *InUseError) TechnicalDetail() string { return e.Error() + " (client id " + e.ClientID + ")" }

// NotFoundError: a client or connection isn't in the records (any more). It
// matches ErrNotFound.
type NotFoundError struct {
	Kind string // "client" or "connection"
	ID   string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %q not found", e.Kind, e.ID) }
func (e *NotFoundError) UserMessage() string {
	return fmt.Sprintf("This %s no longer exists. It may have been deleted in another Kantata Connect window.", e.Kind)
}
func (e *NotFoundError) TechnicalDetail() string { return e.Error() }
func (e *NotFoundError) Is(target error) bool    { return target == ErrNotFound }

// FileError: the records file or its folder couldn't be read or written.
type FileError struct {
	Op   string
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("%s %s: %v", e.Op, e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }
func (e *FileError) UserMessage() string {
	path := e.Path
	if strings.HasPrefix(filepath.Base(path), recordsName+".tmp-") {
		path = filepath.Join(filepath.Dir(path), recordsName) // the temp file's name means nothing to the user
	}
	switch {
	case unwritable(e.Err):
		return "Kantata Connect can't save changes in " + path + ": it is read-only, or you may not write there. " +
			"Your saved connections are unchanged. Make the folder writable, then try again."
	case errors.Is(e.Err, syscall.ENOSPC), errors.Is(e.Err, syscall.EDQUOT), errors.Is(e.Err, syscall.EFBIG):
		return "Kantata Connect couldn't save its list of connections in " + path + ": the disk is full. " +
			"Your saved connections are unchanged. Free some space, then try again."
	}
	return "Kantata Connect couldn't save or read its list of connections in " + path + ". Check that the disk isn't full and that you may write there."
}

// unwritable: the disk or folder refuses writes, as opposed to failing them.
func unwritable(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}
func (e *FileError) TechnicalDetail() string { return e.Error() }

// LockError: another instance held the records lock too long.
type LockError struct {
	Path string
	Err  error
}

func (e *LockError) Error() string { return fmt.Sprintf("lock %s: %v", e.Path, e.Err) }
func (e *LockError) Unwrap() error { return e.Err }
func (e *LockError) UserMessage() string {
	if !errors.Is(e.Err, errLockTimeout) {
		return "Kantata Connect couldn't open " + e.Path + ", which keeps two windows from saving at once. " +
			"Check that the disk isn't full and that you may write in that folder."
	}
	return "Another Kantata Connect window is busy saving. Wait a moment and try again."
}
func (e *LockError) TechnicalDetail() string { return e.Error() }

var errLockTimeout = errors.New("timed out waiting for the lock")

func quoteAll(names []string) []string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return q
}

// joinNames: “A”, “A” and “B”, “A”, “B” and “C”.
func joinNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "“" + n + "”"
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
