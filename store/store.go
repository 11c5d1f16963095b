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
// higher version is used read-only. Version 2 added a client's callback
// kind; a version 1 file reads as loopback clients (records.upgrade).
const SchemaVersion = 2

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

// readOnlyError is why changes are refused: *ReadOnlyError or
// *UnreadableError, both matching ErrReadOnly.
type readOnlyError interface {
	error
	UserMessage() string
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
	readOnly      readOnlyError // nil while changes are allowed
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
// Notice then tells the user where the copy is. A file that can't be read is
// left where it is and the store opens empty and read-only, Notice saying
// why. A nil kc makes every secret operation fail with ErrNoKeychain.
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
// was damaged and moved aside, or it is read-only (made by a newer version,
// or it can't be read).
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

// ReadOnly reports whether changes are refused: the records file came from a
// newer version, or it can't be read.
func (s *Store) ReadOnly() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.readOnly != nil
}

// ReadOnlyReason is why changes are refused, *ReadOnlyError or
// *UnreadableError, or nil when they aren't.
func (s *Store) ReadOnlyReason() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.readOnly == nil {
		return nil // not a nil pointer in an interface
	}
	return s.readOnly
}

// Path is the records file.
func (s *Store) Path() string { return s.path }

// UsesSystemKeychain reports whether the secrets go to the OS keychain
// (a *SystemKeychain), not to another Keychain such as a test's in-memory one.
func (s *Store) UsesSystemKeychain() bool {
	_, ok := s.kc.(*SystemKeychain)
	return ok
}

// Reload re-reads the records file, picking up other instances' changes. A
// file that can't be read makes the store read-only (Reload still returns
// nil; Notice says why) and keeps the records last read; once it can be read
// again, Reload makes the store writable again.
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

// ClientByName finds a client by name (see SameName).
func (s *Store) ClientByName(name string) (Client, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range s.data.Clients {
		if SameName(c.Name, name) {
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

// ConnectionByName finds a connection by name (see SameName).
func (s *Store) ConnectionByName(name string) (Connection, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range s.data.Connections {
		if SameName(c.Name, name) {
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

// CheckClient applies the rules SaveClient applies to settings c for the
// client id ("" for a new one), against the loaded records: a caller checks
// everything it can before asking for the secret. It returns c normalized.
func (s *Store) CheckClient(id string, c ClientSettings) (ClientSettings, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return checkClientSettings(&s.data, c, id)
}

// SaveClient adds a client with settings c (id "") or updates client id, and
// stores secret (NormalizeSecret: without surrounding white space) in the
// keychain. The secret is required every time: it is
// never shown, so an edit re-enters it. Empty endpoints and a zero port take
// Kantata's defaults. If the secret can't be stored, nothing is saved.
// Changing any setting but the name, or the secret, leaves the client's
// authorized and failed connections needing re-authorization.
func (s *Store) SaveClient(id string, c ClientSettings, secret string) (Client, error) {
	secret = NormalizeSecret(secret)
	var saved Client
	err := s.update(func(next *records) (func(), error) {
		c, err := checkClientSettings(next, c, id)
		if err != nil {
			return nil, err
		}
		if err := CheckSecret(secret); err != nil {
			return nil, err
		}
		now := s.now()
		client := Client{ID: id, ClientSettings: c, CreatedAt: now, UpdatedAt: now}
		idx := -1
		if id != "" {
			if idx = next.clientIndex(id); idx < 0 {
				return nil, &NotFoundError{Kind: "client", ID: id}
			}
			client.CreatedAt = next.Clients[idx].CreatedAt
		} else {
			client.ID = newID(func(id string) bool { return next.clientIndex(id) >= 0 })
		}
		key := ClientSecretKey(client.ID)

		// The old secret tells whether it changed, and restores it should
		// the file write fail.
		var oldSecret string
		haveOld := false
		if idx >= 0 {
			v, err := s.kc.Get(key)
			switch {
			case err == nil:
				oldSecret, haveOld = v, true
			case !errors.Is(err, ErrNotFound):
				return nil, fmt.Errorf("read its current secret: %w", err)
			}
		}
		// Tokens were issued under the settings and secret that held then:
		// when they change, the tokens go, so no test can send one to an
		// endpoint it was not issued for.
		putTokensBack := func() {}
		changed := idx >= 0 && (!haveOld || oldSecret != secret || !sameForTokens(next.Clients[idx].ClientSettings, c))
		if changed {
			if putTokensBack, err = s.takeTokens(next, func(conn *Connection) bool { return conn.ClientRef == id }); err != nil {
				return nil, err
			}
		}
		if err := s.kc.Set(key, secret); err != nil {
			putTokensBack()
			return nil, fmt.Errorf("store its secret: %w", err)
		}

		if changed {
			markNeedsReauth(next, func(conn *Connection) bool { return conn.ClientRef == id }, now)
		}
		if idx >= 0 {
			next.Clients[idx] = client
		} else {
			next.Clients = append(next.Clients, client)
		}
		saved = client
		// Should the records not be written, put the keychain back as they are.
		return func() {
			putTokensBack()
			if idx < 0 {
				_ = deleteSecret(s.kc, key)
			} else if haveOld {
				_ = s.kc.Set(key, oldSecret)
			}
		}, nil
	})
	if err != nil {
		return Client{}, fmt.Errorf("save client %q: %w", strings.TrimSpace(c.Name), err)
	}
	slog.Debug("client saved", "client", saved.ID, "update", id != "")
	return saved, nil
}

// SetClientCallback changes only how Kantata's answer comes back for client
// id (its callback kind): the switch the how-to offers when Kantata refuses
// the loopback callback URL. It changes no token and no secret, so it needs
// no secret typed again.
func (s *Store) SetClientCallback(id, kind string) (Client, error) {
	var saved Client
	err := s.update(func(next *records) (func(), error) {
		idx := next.clientIndex(id)
		if idx < 0 {
			return nil, &NotFoundError{Kind: "client", ID: id}
		}
		c := next.Clients[idx]
		c.Callback = kind
		settings, err := checkClientSettings(next, c.ClientSettings, id)
		if err != nil {
			return nil, err
		}
		c.ClientSettings, c.UpdatedAt = settings, s.now()
		next.Clients[idx] = c
		saved = c
		return nil, nil
	})
	if err != nil {
		return Client{}, fmt.Errorf("change how client %s gets Kantata's answer: %w", s.clientLabel(id), err)
	}
	return saved, nil
}

// AddClientAwaitingSecret adds a client with settings c but no secret yet,
// marked SecretNeeded: an import whose user had no secret at hand keeps the
// client and its connections, and the secret is asked for before a sign-in.
// SaveClient with the secret clears the mark.
func (s *Store) AddClientAwaitingSecret(c ClientSettings) (Client, error) {
	var saved Client
	err := s.update(func(next *records) (func(), error) {
		c, err := checkClientSettings(next, c, "")
		if err != nil {
			return nil, err
		}
		now := s.now()
		saved = Client{ID: newID(func(id string) bool { return next.clientIndex(id) >= 0 }), ClientSettings: c,
			SecretNeeded: true, CreatedAt: now, UpdatedAt: now}
		next.Clients = append(next.Clients, saved)
		return nil, nil
	})
	if err != nil {
		return Client{}, fmt.Errorf("save client %q: %w", strings.TrimSpace(c.Name), err)
	}
	return saved, nil
}

// markNeedsReauth marks the authorized and failed connections that which
// selects as needing re-authorization: their tokens were issued under
// settings that no longer hold (and takeTokens removed them). One that was
// never authorized is still not authorized.
func markNeedsReauth(r *records, which func(*Connection) bool, now time.Time) {
	for i := range r.Connections {
		c := &r.Connections[i]
		if !which(c) || (c.Status != StatusAuthorized && c.Status != StatusFailed) {
			continue
		}
		c.Status = StatusNeedsReauth
		c.LastError = "Its OAuth 2.0 client's settings changed, so its earlier sign-in was deleted."
		c.LastErrorDetail = "client settings changed since the sign-in; its tokens were deleted from the keychain"
		if c.LastAuthorizedAt == nil {
			// Never signed in: a failure under the old settings says
			// nothing of the new ones.
			c.Status, c.LastError, c.LastErrorDetail = StatusNeverAuthorized, "", ""
		}
		c.UpdatedAt = now
	}
}

// takeTokens deletes from the keychain the tokens of the connections in r
// which selects, and returns how to put them back should the change they
// belong to not be saved. A token read here goes nowhere but back.
func (s *Store) takeTokens(r *records, which func(*Connection) bool) (putBack func(), err error) {
	type taken struct {
		key, value string
	}
	var took []taken
	putBack = func() {
		for _, t := range took {
			_ = s.kc.Set(t.key, t.value)
		}
	}
	for i := range r.Connections {
		c := &r.Connections[i]
		if !which(c) {
			continue
		}
		for _, key := range []string{AccessTokenKey(c.ID), RefreshTokenKey(c.ID)} {
			v, err := s.kc.Get(key)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err == nil {
				err = s.kc.Delete(key)
			}
			if err != nil {
				putBack()
				return func() {}, fmt.Errorf("delete the old token of connection %q: %w", c.Name, err)
			}
			took = append(took, taken{key, v})
		}
	}
	return putBack, nil
}

// DeleteClient removes a client and its secret. While connections use it, it
// returns *InUseError unless cascade, which deletes them (and their tokens) too.
func (s *Store) DeleteClient(id string, cascade bool) error {
	var name string
	var users []Connection
	err := s.update(func(next *records) (func(), error) {
		idx := next.clientIndex(id)
		if idx < 0 {
			return nil, &NotFoundError{Kind: "client", ID: id}
		}
		cl := next.Clients[idx]
		name = cl.Name
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
			return nil, &InUseError{ClientID: id, ClientName: cl.Name, Connections: names}
		}
		// Secrets go first: a record left without its secret can be fixed
		// from the app, a secret left without its record can't be seen.
		for _, u := range users {
			if err := deleteTokens(s.kc, u.ID); err != nil {
				return nil, fmt.Errorf("delete connection %q: %w", u.Name, err)
			}
		}
		if err := deleteSecret(s.kc, ClientSecretKey(id)); err != nil {
			return nil, err
		}
		next.Clients = slices.Delete(next.Clients, idx, idx+1)
		next.Connections = slices.DeleteFunc(next.Connections, func(c Connection) bool { return c.ClientRef == id })
		return nil, nil
	})
	if err != nil {
		if name == "" {
			return err
		}
		return fmt.Errorf("delete client %q: %w", name, err)
	}
	slog.Debug("client deleted", "client", id, "connections", len(users))
	return nil
}

// SaveConnection adds a connection named name that uses the client
// clientRef (id "", never authorized) or renames connection id and moves it
// to clientRef. Its status, identity and errors are not the caller's to
// set: only RecordOutcome changes them. Moving an authorized or failed
// connection to another client leaves it needing re-authorization.
func (s *Store) SaveConnection(id, name, clientRef string) (Connection, error) {
	var saved Connection
	err := s.update(func(next *records) (func(), error) {
		name, err := checkConnectionName(next, name, id)
		if err != nil {
			return nil, err
		}
		if err := checkClientRef(next, clientRef); err != nil {
			return nil, err
		}
		now := s.now()
		if id == "" {
			saved = Connection{
				ID:        newID(func(id string) bool { return next.connectionIndex(id) >= 0 }),
				Name:      name,
				ClientRef: clientRef,
				Status:    StatusNeverAuthorized,
				CreatedAt: now,
				UpdatedAt: now,
			}
			next.Connections = append(next.Connections, saved)
			return nil, nil
		}
		idx := next.connectionIndex(id)
		if idx < 0 {
			return nil, &NotFoundError{Kind: "connection", ID: id}
		}
		c := &next.Connections[idx]
		var putTokensBack func()
		if c.ClientRef != clientRef {
			// Its tokens belong to the client it leaves.
			if putTokensBack, err = s.takeTokens(next, func(conn *Connection) bool { return conn.ID == id }); err != nil {
				return nil, err
			}
			markNeedsReauth(next, func(conn *Connection) bool { return conn.ID == id }, now)
		}
		c.Name, c.ClientRef, c.UpdatedAt = name, clientRef, now
		saved = c.clone()
		return putTokensBack, nil
	})
	if err != nil {
		return Connection{}, fmt.Errorf("save connection %q: %w", strings.TrimSpace(name), err)
	}
	return saved, nil
}

// RecordOutcome applies what a sign-in or test learned — status, identity,
// times, last error, timings — to the connection's latest saved state,
// under the lock and after a reload. fn must not call the Store. Its name,
// client, ID and creation time stay as saved whatever fn does.
func (s *Store) RecordOutcome(id string, fn func(*Connection)) (Connection, error) {
	var saved Connection
	err := s.update(func(next *records) (func(), error) {
		idx := next.connectionIndex(id)
		if idx < 0 {
			return nil, &NotFoundError{Kind: "connection", ID: id}
		}
		old := next.Connections[idx]
		c := old.clone()
		fn(&c)
		c = c.clone() // fn may have kept pointers
		c.ID, c.Name, c.ClientRef, c.CreatedAt = old.ID, old.Name, old.ClientRef, old.CreatedAt
		if c.Status == "" {
			c.Status = old.Status
		}
		if !c.Status.Valid() {
			return nil, &ValidationError{Field: "status", Message: fmt.Sprintf("Unknown connection status %q.", c.Status)}
		}
		c.UpdatedAt = s.now()
		next.Connections[idx] = c
		saved = c.clone()
		return nil, nil
	})
	if err != nil {
		return Connection{}, fmt.Errorf("record the outcome for connection %s: %w", s.connectionLabel(id), err)
	}
	return saved, nil
}

// DeleteConnection removes a connection and its tokens.
func (s *Store) DeleteConnection(id string) error {
	var name string
	err := s.update(func(next *records) (func(), error) {
		idx := next.connectionIndex(id)
		if idx < 0 {
			return nil, &NotFoundError{Kind: "connection", ID: id}
		}
		name = next.Connections[idx].Name
		if err := deleteTokens(s.kc, id); err != nil {
			return nil, err
		}
		next.Connections = slices.Delete(next.Connections, idx, idx+1)
		return nil, nil
	})
	if err != nil {
		if name == "" {
			return err
		}
		return fmt.Errorf("delete connection %q: %w", name, err)
	}
	slog.Debug("connection deleted", "connection", id)
	return nil
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
// refresh token when t has none. The records file is not changed. While the
// records file can't be read it returns *UnreadableError: the connection
// may no longer be saved.
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
		unreadable, _ := s.readOnly.(*UnreadableError)
		s.mu.RUnlock()
		if unreadable != nil {
			// Without the file there's no knowing the connection is
			// still saved: tokens stored now could be stranded.
			return fmt.Errorf("save tokens of connection %s: %w", s.connectionLabel(connectionID), unreadable)
		}
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

// update is the sequence every write follows: take the locks, re-read the
// file (picking up other instances' changes), let change edit a copy of the
// records, and write the copy. When change fails nothing is written; when
// the write fails, undo (if change returned one) puts the keychain back.
func (s *Store) update(change func(next *records) (undo func(), err error)) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	return s.withFileLock(func() error {
		if err := s.load(); err != nil {
			return err
		}
		s.mu.RLock()
		next, ro := s.data.clone(), s.readOnly
		s.mu.RUnlock()
		if ro != nil {
			return ro
		}
		undo, err := change(&next)
		if err != nil {
			return err
		}
		next.SchemaVersion = SchemaVersion
		if err := s.writeFile(next); err != nil {
			if undo != nil {
				undo()
			}
			return err
		}
		s.mu.Lock()
		s.data = next
		s.mu.Unlock()
		return nil
	})
}
