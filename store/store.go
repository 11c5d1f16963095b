// Package store keeps Kantata Connect's saved OAuth 2.0 clients and
// connections: their non-secret settings in a JSON records file, their secrets
// (client secrets, tokens) only in the OS keychain.
//
// Several app instances may run at once: every change takes an exclusive lock
// on records.lock, re-reads the file, applies the change and writes the file
// atomically, so no instance overwrites another's change.
package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// EnvConfigDir overrides where the records file lives.
const EnvConfigDir = "KANTATA_CONNECT_CONFIG_DIR"

// SchemaVersion is the records file version this build writes. A file with a
// higher version is used read-only.
const SchemaVersion = 1

const (
	recordsName = "records.json"
	lockName    = "records.lock"
	tempPattern = recordsName + ".tmp-*"
)

// DefaultLockTimeout bounds the wait for another instance's lock; a change
// normally holds it for milliseconds (at most one keychain timeout or two).
const DefaultLockTimeout = 45 * time.Second

// DefaultDir is $KANTATA_CONNECT_CONFIG_DIR if set, else
// os.UserConfigDir()/kantata-connect.
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvConfigDir); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the configuration folder (set %s to choose one): %w", EnvConfigDir, err)
	}
	return filepath.Join(base, "kantata-connect"), nil
}

// records is the file's content. It never holds a secret.
type records struct {
	SchemaVersion int          `json:"schema_version"`
	Clients       []Client     `json:"clients"`
	Connections   []Connection `json:"connections"`
}

func (r records) clone() records {
	out := records{SchemaVersion: r.SchemaVersion}
	out.Clients = slices.Clone(r.Clients)
	out.Connections = make([]Connection, len(r.Connections))
	for i, c := range r.Connections {
		out.Connections[i] = c.clone()
	}
	return out
}

func (r *records) clientIndex(id string) int {
	return slices.IndexFunc(r.Clients, func(c Client) bool { return c.ID == id })
}

func (r *records) connectionIndex(id string) int {
	return slices.IndexFunc(r.Connections, func(c Connection) bool { return c.ID == id })
}

// Store is the saved clients and connections. It is safe for concurrent use.
type Store struct {
	dir, path, lockPath string
	kc                  Keychain

	// opMu serializes changes and reloads within the process (the file lock
	// does it across processes). It may be held during keychain calls.
	opMu sync.Mutex

	// mu guards the fields below and is held only briefly, so readers are
	// never stuck behind a slow keychain call.
	mu            sync.RWMutex
	data          records
	readOnly      *ReadOnlyError
	corruptNotice string

	// known is the records file as last read or written here (guarded by
	// opMu): an unchanged file needn't be parsed again.
	known fs.FileInfo

	// Seams for tests.
	now          func() time.Time
	beforeRename func(tmpPath string) error
	lockTimeout  time.Duration
}

// Open loads the records in dir (DefaultDir when empty), creating the folder
// with mode 0700. A damaged file is moved aside and the store starts empty;
// Notice then tells the user where the copy is. A nil kc makes every secret
// operation fail with ErrNoKeychain.
func Open(dir string, kc Keychain) (*Store, error) {
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	_, statErr := os.Stat(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &FileError{Op: "create folder", Path: dir, Err: err}
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		// MkdirAll's mode passes through the umask; be sure of 0700 on a
		// folder we made. An existing folder the user chose stays as it is.
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, &FileError{Op: "set permissions of", Path: dir, Err: err}
		}
	}
	if kc == nil {
		kc = noKeychain{}
	}
	s := &Store{
		dir:         dir,
		path:        filepath.Join(dir, recordsName),
		lockPath:    filepath.Join(dir, lockName),
		kc:          kc,
		data:        records{SchemaVersion: SchemaVersion},
		now:         func() time.Time { return time.Now().UTC() },
		lockTimeout: DefaultLockTimeout,
	}
	s.opMu.Lock()
	defer s.opMu.Unlock()
	err := s.withFileLock(func() error {
		s.removeStaleTemps()
		return s.load()
	})
	if err != nil {
		return nil, fmt.Errorf("open records in %s: %w", dir, err)
	}
	return s, nil
}

// Notice is "" or a plain message the user should see once: the records file
// was damaged and moved aside, or it is read-only.
func (s *Store) Notice() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var parts []string
	if s.corruptNotice != "" {
		parts = append(parts, s.corruptNotice)
	}
	if s.readOnly != nil {
		parts = append(parts, s.readOnly.UserMessage())
	}
	return strings.Join(parts, "\n\n")
}

// ReadOnly reports whether the records file came from a newer version, so
// changes are refused.
func (s *Store) ReadOnly() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.readOnly != nil
}

// Path is the records file.
func (s *Store) Path() string { return s.path }

// UsesSystemKeychain reports whether the secrets go to the OS keychain
// (a *SystemKeychain), not to another Keychain such as a test's in-memory one.
func (s *Store) UsesSystemKeychain() bool {
	_, ok := s.kc.(*SystemKeychain)
	return ok
}

// Reload re-reads the records file, picking up other instances' changes.
func (s *Store) Reload() error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	if err := s.withFileLock(s.load); err != nil {
		return fmt.Errorf("reload records: %w", err)
	}
	return nil
}

// Clients returns the clients sorted by name, case-insensitively.
func (s *Store) Clients() []Client {
	s.mu.RLock()
	out := slices.Clone(s.data.Clients)
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b Client) int { return compareNames(a.Name, a.ID, b.Name, b.ID) })
	return out
}

// Connections returns the connections sorted by name, case-insensitively.
func (s *Store) Connections() []Connection {
	s.mu.RLock()
	out := make([]Connection, len(s.data.Connections))
	for i, c := range s.data.Connections {
		out[i] = c.clone()
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b Connection) int { return compareNames(a.Name, a.ID, b.Name, b.ID) })
	return out
}

func compareNames(an, aid, bn, bid string) int {
	if c := strings.Compare(strings.ToLower(an), strings.ToLower(bn)); c != 0 {
		return c
	}
	if c := strings.Compare(an, bn); c != 0 {
		return c
	}
	return strings.Compare(aid, bid)
}

// Client returns the client with Client.ID id.
func (s *Store) Client(id string) (Client, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := s.data.clientIndex(id); i >= 0 {
		return s.data.Clients[i], true
	}
	return Client{}, false
}

// ClientByName finds a client by name, trimmed and case-insensitively.
func (s *Store) ClientByName(name string) (Client, bool) {
	name = strings.TrimSpace(name)
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range s.data.Clients {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Client{}, false
}

// Connection returns the connection with Connection.ID id.
func (s *Store) Connection(id string) (Connection, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := s.data.connectionIndex(id); i >= 0 {
		return s.data.Connections[i].clone(), true
	}
	return Connection{}, false
}

// ConnectionByName finds a connection by name, trimmed and case-insensitively.
func (s *Store) ConnectionByName(name string) (Connection, bool) {
	name = strings.TrimSpace(name)
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range s.data.Connections {
		if strings.EqualFold(c.Name, name) {
			return c.clone(), true
		}
	}
	return Connection{}, false
}

// CheckClientName applies the name rules against the loaded clients, ignoring
// the client exceptID (the one being edited). For inline validation.
func (s *Store) CheckClientName(name, exceptID string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := checkClientName(&s.data, name, exceptID)
	return err
}

// CheckConnectionName is CheckClientName for connections.
func (s *Store) CheckConnectionName(name, exceptID string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := checkConnectionName(&s.data, name, exceptID)
	return err
}

// SaveClient adds c (when c.ID is "") or updates it, and stores secret in the
// keychain. The secret is required every time: it is never shown, so an
// edit re-enters it. Empty endpoint fields and a zero port take Kantata's
// defaults. If the secret can't be stored, nothing is saved. Changing the
// client ID, secret or endpoints marks its authorized or failed connections
// as needing re-authorization.
func (s *Store) SaveClient(c Client, secret string) (Client, error) {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	var saved Client
	err := s.withFileLock(func() error {
		next, err := s.beginChange()
		if err != nil {
			return err
		}
		if err := normalizeClient(&next, &c); err != nil {
			return err
		}
		if strings.TrimSpace(secret) == "" {
			return ErrSecretRequired
		}
		now := s.now()
		update := c.ID != ""
		var old Client
		idx := -1
		if update {
			if idx = next.clientIndex(c.ID); idx < 0 {
				return &NotFoundError{Kind: "client", ID: c.ID}
			}
			old = next.Clients[idx]
			c.CreatedAt = old.CreatedAt
		} else {
			c.ID = newID(func(id string) bool { return next.clientIndex(id) >= 0 })
			c.CreatedAt = now
		}
		c.UpdatedAt = now
		key := ClientSecretKey(c.ID)
		if err := CheckSecretSize(key, secret); err != nil {
			return fmt.Errorf("save client %q: %w", c.Name, err)
		}

		// The old secret tells whether it changed, and restores it should
		// the file write fail.
		var oldSecret string
		haveOld := false
		if update {
			v, err := s.kc.Get(key)
			switch {
			case err == nil:
				oldSecret, haveOld = v, true
			case !errors.Is(err, ErrNotFound):
				return fmt.Errorf("save client %q: read its current secret: %w", c.Name, err)
			}
		}
		if err := s.kc.Set(key, secret); err != nil {
			return fmt.Errorf("save client %q: store its secret: %w", c.Name, err)
		}

		if update {
			next.Clients[idx] = c
			if !haveOld || oldSecret != secret || authSettingsChanged(old, c) {
				markNeedsReauth(&next, c.ID, now)
			}
		} else {
			next.Clients = append(next.Clients, c)
		}
		if err := s.commit(next); err != nil {
			// Put the keychain back as the records are.
			if !update {
				_ = deleteSecret(s.kc, key)
			} else if haveOld {
				_ = s.kc.Set(key, oldSecret)
			}
			return fmt.Errorf("save client %q: %w", c.Name, err)
		}
		slog.Debug("client saved", "client", c.ID, "update", update)
		saved = c
		return nil
	})
	return saved, err
}

// authSettingsChanged: anything that makes existing tokens suspect.
func authSettingsChanged(a, b Client) bool {
	return a.ClientID != b.ClientID || a.AuthURL != b.AuthURL || a.TokenURL != b.TokenURL ||
		a.RedirectPort != b.RedirectPort || a.ClientAuth != b.ClientAuth || a.PKCE != b.PKCE
}

func markNeedsReauth(r *records, clientRef string, now time.Time) {
	for i := range r.Connections {
		c := &r.Connections[i]
		if c.ClientRef == clientRef && (c.Status == StatusAuthorized || c.Status == StatusFailed) {
			c.Status = StatusNeedsReauth
			c.UpdatedAt = now
		}
	}
}

// DeleteClient removes a client and its secret. While connections use it, it
// returns *InUseError unless cascade, which deletes them (and their tokens) too.
func (s *Store) DeleteClient(id string, cascade bool) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	return s.withFileLock(func() error {
		next, err := s.beginChange()
		if err != nil {
			return err
		}
		idx := next.clientIndex(id)
		if idx < 0 {
			return &NotFoundError{Kind: "client", ID: id}
		}
		cl := next.Clients[idx]
		var users []Connection
		for _, c := range next.Connections {
			if c.ClientRef == id {
				users = append(users, c)
			}
		}
		if len(users) > 0 && !cascade {
			slices.SortFunc(users, func(a, b Connection) int { return compareNames(a.Name, a.ID, b.Name, b.ID) })
			names := make([]string, len(users))
			for i, u := range users {
				names[i] = u.Name
			}
			return &InUseError{ClientID: id, ClientName: cl.Name, Connections: names}
		}
		// Secrets go first: a record left without its secret can be fixed
		// from the app, a secret left without its record can't be seen.
		for _, u := range users {
			if err := deleteTokens(s.kc, u.ID); err != nil {
				return fmt.Errorf("delete client %q: delete connection %q: %w", cl.Name, u.Name, err)
			}
		}
		if err := deleteSecret(s.kc, ClientSecretKey(id)); err != nil {
			return fmt.Errorf("delete client %q: %w", cl.Name, err)
		}
		next.Clients = slices.Delete(next.Clients, idx, idx+1)
		next.Connections = slices.DeleteFunc(next.Connections, func(c Connection) bool { return c.ClientRef == id })
		if err := s.commit(next); err != nil {
			return fmt.Errorf("delete client %q: %w", cl.Name, err)
		}
		slog.Debug("client deleted", "client", id, "connections", len(users))
		return nil
	})
}

// SaveConnection adds c (when c.ID is "", with StatusNeverAuthorized) or
// updates its name and client. On update, status fields keep their saved
// values unless c sets them (non-empty, non-nil). Moving an authorized or
// failed connection to another client marks it as needing re-authorization.
func (s *Store) SaveConnection(c Connection) (Connection, error) {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	var saved Connection
	err := s.withFileLock(func() error {
		next, err := s.beginChange()
		if err != nil {
			return err
		}
		name, err := checkConnectionName(&next, c.Name, c.ID)
		if err != nil {
			return err
		}
		if err := checkClientRef(&next, c.ClientRef); err != nil {
			return err
		}
		if c.Status != "" && !c.Status.Valid() {
			return &ValidationError{Field: "status", Message: fmt.Sprintf("Unknown connection status %q.", c.Status)}
		}
		now := s.now()
		var out Connection
		if c.ID == "" {
			out = Connection{
				ID:        newID(func(id string) bool { return next.connectionIndex(id) >= 0 }),
				Name:      name,
				ClientRef: c.ClientRef,
				Status:    StatusNeverAuthorized,
				CreatedAt: now,
			}
			out.UpdatedAt = now
			next.Connections = append(next.Connections, out)
		} else {
			idx := next.connectionIndex(c.ID)
			if idx < 0 {
				return &NotFoundError{Kind: "connection", ID: c.ID}
			}
			old := next.Connections[idx]
			out = old.clone()
			out.Name = name
			out.ClientRef = c.ClientRef
			if c.ClientRef != old.ClientRef && (old.Status == StatusAuthorized || old.Status == StatusFailed) {
				out.Status = StatusNeedsReauth
			}
			c = c.clone()
			if c.Status != "" {
				out.Status = c.Status
			}
			if c.Identity != nil {
				out.Identity = c.Identity
			}
			if c.LastAuthorizedAt != nil {
				out.LastAuthorizedAt = c.LastAuthorizedAt
			}
			if c.LastTestedAt != nil {
				out.LastTestedAt = c.LastTestedAt
			}
			if c.LastError != "" {
				out.LastError = c.LastError
			}
			if c.LastErrorDetail != "" {
				out.LastErrorDetail = c.LastErrorDetail
			}
			if c.LastSignInTimings != nil {
				out.LastSignInTimings = c.LastSignInTimings
			}
			if c.LastTestTimings != nil {
				out.LastTestTimings = c.LastTestTimings
			}
			out.UpdatedAt = now
			next.Connections[idx] = out
		}
		if err := s.commit(next); err != nil {
			return fmt.Errorf("save connection %q: %w", name, err)
		}
		saved = out.clone()
		return nil
	})
	return saved, err
}

// UpdateConnection applies fn to the connection's latest saved state, under
// the lock and after a reload, then validates and saves it. fn must not call
// the Store. ID and CreatedAt can't be changed.
func (s *Store) UpdateConnection(id string, fn func(*Connection)) (Connection, error) {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	var saved Connection
	err := s.withFileLock(func() error {
		next, err := s.beginChange()
		if err != nil {
			return err
		}
		idx := next.connectionIndex(id)
		if idx < 0 {
			return &NotFoundError{Kind: "connection", ID: id}
		}
		old := next.Connections[idx]
		c := old.clone()
		fn(&c)
		c = c.clone() // fn may have kept pointers
		c.ID, c.CreatedAt = old.ID, old.CreatedAt
		if c.Name, err = checkConnectionName(&next, c.Name, id); err != nil {
			return err
		}
		if err := checkClientRef(&next, c.ClientRef); err != nil {
			return err
		}
		if c.Status == "" {
			c.Status = old.Status
		}
		if !c.Status.Valid() {
			return &ValidationError{Field: "status", Message: fmt.Sprintf("Unknown connection status %q.", c.Status)}
		}
		c.UpdatedAt = s.now()
		next.Connections[idx] = c
		if err := s.commit(next); err != nil {
			return fmt.Errorf("update connection %q: %w", c.Name, err)
		}
		saved = c.clone()
		return nil
	})
	return saved, err
}

// DeleteConnection removes a connection and its tokens.
func (s *Store) DeleteConnection(id string) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	return s.withFileLock(func() error {
		next, err := s.beginChange()
		if err != nil {
			return err
		}
		idx := next.connectionIndex(id)
		if idx < 0 {
			return &NotFoundError{Kind: "connection", ID: id}
		}
		name := next.Connections[idx].Name
		if err := deleteTokens(s.kc, id); err != nil {
			return fmt.Errorf("delete connection %q: %w", name, err)
		}
		next.Connections = slices.Delete(next.Connections, idx, idx+1)
		if err := s.commit(next); err != nil {
			return fmt.Errorf("delete connection %q: %w", name, err)
		}
		slog.Debug("connection deleted", "connection", id)
		return nil
	})
}

// ClientSecret reads a client's secret (by Client.ID) from the keychain.
func (s *Store) ClientSecret(clientID string) (string, error) {
	v, err := s.kc.Get(ClientSecretKey(clientID))
	if err != nil {
		return "", fmt.Errorf("read secret of client %s: %w", s.clientLabel(clientID), err)
	}
	return v, nil
}

// SaveToken stores a connection's tokens in the keychain, deleting any old
// refresh token when t has none. The records file is not changed.
func (s *Store) SaveToken(connectionID string, t Token) error {
	if t.AccessToken == "" {
		return &ValidationError{Field: "access_token", Message: "Kantata sent no access token. Try authorizing again."}
	}
	if err := CheckSecretSize(AccessTokenKey(connectionID), t.AccessToken); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	if err := CheckSecretSize(RefreshTokenKey(connectionID), t.RefreshToken); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	s.opMu.Lock()
	defer s.opMu.Unlock()
	// Under the lock so another instance can't delete the connection between
	// the check and the write, which would strand the tokens in the keychain.
	return s.withFileLock(func() error {
		if err := s.load(); err != nil {
			return err
		}
		s.mu.RLock()
		idx := s.data.connectionIndex(connectionID)
		s.mu.RUnlock()
		if idx < 0 {
			return &NotFoundError{Kind: "connection", ID: connectionID}
		}
		label := s.connectionLabel(connectionID)
		if err := s.kc.Set(AccessTokenKey(connectionID), t.AccessToken); err != nil {
			return fmt.Errorf("save access token of connection %s: %w", label, err)
		}
		if t.RefreshToken != "" {
			if err := s.kc.Set(RefreshTokenKey(connectionID), t.RefreshToken); err != nil {
				return fmt.Errorf("save refresh token of connection %s: %w", label, err)
			}
		} else if err := deleteSecret(s.kc, RefreshTokenKey(connectionID)); err != nil {
			return fmt.Errorf("delete old refresh token of connection %s: %w", label, err)
		}
		return nil
	})
}

// Token reads a connection's tokens from the keychain. A missing access token
// is ErrNotFound; a missing refresh token is just empty.
func (s *Store) Token(connectionID string) (Token, error) {
	label := s.connectionLabel(connectionID)
	access, err := s.kc.Get(AccessTokenKey(connectionID))
	if err != nil {
		return Token{}, fmt.Errorf("read access token of connection %s: %w", label, err)
	}
	refresh, err := s.kc.Get(RefreshTokenKey(connectionID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Token{}, fmt.Errorf("read refresh token of connection %s: %w", label, err)
	}
	return Token{AccessToken: access, RefreshToken: refresh}, nil
}

func (s *Store) clientLabel(id string) string {
	if c, ok := s.Client(id); ok {
		return fmt.Sprintf("%q", c.Name)
	}
	return id
}

func (s *Store) connectionLabel(id string) string {
	if c, ok := s.Connection(id); ok {
		return fmt.Sprintf("%q", c.Name)
	}
	return id
}

// deleteSecret deletes a keychain entry; one already gone is fine.
func deleteSecret(kc Keychain, key string) error {
	if err := kc.Delete(key); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

func deleteTokens(kc Keychain, connectionID string) error {
	if err := deleteSecret(kc, AccessTokenKey(connectionID)); err != nil {
		return err
	}
	return deleteSecret(kc, RefreshTokenKey(connectionID))
}

// newID returns a random 16-hex-digit ID that taken doesn't report.
func newID(taken func(string) bool) string {
	for {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
		id := hex.EncodeToString(b[:])
		if !taken(id) {
			return id
		}
	}
}

// beginChange re-reads the file (the caller holds the file lock) and returns
// a copy to change, or the read-only error.
func (s *Store) beginChange() (records, error) {
	if err := s.load(); err != nil {
		return records{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.readOnly != nil {
		return records{}, s.readOnly
	}
	return s.data.clone(), nil
}

// commit writes next and makes it the loaded state.
func (s *Store) commit(next records) error {
	next.SchemaVersion = SchemaVersion
	if err := s.writeFile(next); err != nil {
		return err
	}
	s.mu.Lock()
	s.data = next
	s.mu.Unlock()
	return nil
}
