package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/kantata"
)

func TestDefaultDir(t *testing.T) {
	t.Setenv(EnvConfigDir, "/some/where")
	if d, err := DefaultDir(); err != nil || d != "/some/where" {
		t.Fatalf("DefaultDir with %s = %q, %v", EnvConfigDir, d, err)
	}
	t.Setenv(EnvConfigDir, "")
	base, err := os.UserConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	if d, err := DefaultDir(); err != nil || d != filepath.Join(base, "kantata-connect") {
		t.Fatalf("DefaultDir = %q, %v; want %s/kantata-connect", d, err, base)
	}
	// Open("") uses it.
	dir := filepath.Join(t.TempDir(), "cfg")
	t.Setenv(EnvConfigDir, dir)
	s, err := Open("", newMemKeychain())
	if err != nil {
		t.Fatal(err)
	}
	if s.Path() != filepath.Join(dir, "records.json") {
		t.Fatalf("Path = %q", s.Path())
	}
}

func TestUsesSystemKeychain(t *testing.T) {
	for _, tc := range []struct {
		name string
		kc   Keychain
		want bool
	}{
		{"system", NewSystemKeychain("com.kantataconnect.test.unused"), true},
		{"in-memory", newMemKeychain(), false},
		{"none", nil, false},
	} {
		if got := openTemp(t, tc.kc).UsesSystemKeychain(); got != tc.want {
			t.Errorf("%s keychain: UsesSystemKeychain = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNewClientDefaults(t *testing.T) {
	c := Client{ClientSettings: DefaultClientSettings()}
	if c.AuthURL != kantata.DefaultAuthURL || c.TokenURL != kantata.DefaultTokenURL ||
		c.APIBaseURL != kantata.DefaultAPIBaseURL || c.ClientAuth != "body" || !c.PKCE ||
		c.RedirectPort != kantata.DefaultRedirectPort {
		t.Fatalf("NewClient = %+v", c)
	}
	if got, want := c.RedirectURI(), fmt.Sprintf("http://127.0.0.1:%d/callback", kantata.DefaultRedirectPort); got != want {
		t.Fatalf("RedirectURI = %q, want %q", got, want)
	}
}

func TestTokenStringRedacts(t *testing.T) {
	tok := Token{AccessToken: "access-SECRET", RefreshToken: "refresh-SECRET"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("t", "token", tok)
	for _, s := range []string{fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok), logs.String()} {
		if strings.Contains(s, "SECRET") {
			t.Fatalf("token shown: %s", s)
		}
	}
	if !strings.Contains(fmt.Sprint(tok), "[redacted]") || !strings.Contains(fmt.Sprint(Token{AccessToken: "a"}), "[none]") {
		t.Fatalf("String = %s", tok)
	}
}

// Clients, their secrets in the keychain (the real one in make test), and a
// second instance reading them.
func TestClientRoundTrip(t *testing.T) {
	kc := testKeychain(t)
	dir := t.TempDir()
	s, err := Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	c := Client{ClientSettings: DefaultClientSettings()}
	c.Name = "  Zeta client "
	c.ClientID = " zeta-id "
	c.ClientAuth = "basic"
	c.PKCE = false
	c.RedirectPort = 40001
	zeta, err := s.SaveClient(c.ID, c.ClientSettings, "zeta-secret")
	if err != nil {
		t.Fatal(err)
	}
	if zeta.ID == "" || zeta.Name != "Zeta client" || zeta.ClientID != "zeta-id" || zeta.CreatedAt.IsZero() || !zeta.UpdatedAt.Equal(zeta.CreatedAt) {
		t.Fatalf("saved client = %+v", zeta)
	}
	alpha := addClient(t, s, "alpha", "alpha-secret")

	s2, err := Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	got := s2.Clients()
	if len(got) != 2 || got[0].ID != alpha.ID || got[1].ID != zeta.ID {
		t.Fatalf("Clients not sorted by name: %+v", got)
	}
	if got[1] != zeta {
		t.Fatalf("client after reload = %+v\nwant %+v", got[1], zeta)
	}
	if c, ok := s2.ClientByName(" ZETA CLIENT"); !ok || c.ID != zeta.ID {
		t.Fatalf("ClientByName = %+v, %v", c, ok)
	}
	if _, ok := s2.ClientByName("nope"); ok {
		t.Fatal("ClientByName found a client that doesn't exist")
	}
	if c, ok := s2.Client(alpha.ID); !ok || c.Name != "alpha" {
		t.Fatalf("Client(id) = %+v, %v", c, ok)
	}
	if sec, err := s2.ClientSecret(zeta.ID); err != nil || sec != "zeta-secret" {
		t.Fatalf("ClientSecret = %q, %v", sec, err)
	}

	// Editing with a new secret replaces it; CreatedAt stays.
	time.Sleep(time.Millisecond)
	zeta.Name = "Zeta"
	edited, err := s2.SaveClient(zeta.ID, zeta.ClientSettings, "zeta-secret-2")
	if err != nil {
		t.Fatal(err)
	}
	if !edited.CreatedAt.Equal(zeta.CreatedAt) || !edited.UpdatedAt.After(zeta.UpdatedAt) {
		t.Fatalf("times after edit: created %v updated %v (was %v, %v)", edited.CreatedAt, edited.UpdatedAt, zeta.CreatedAt, zeta.UpdatedAt)
	}
	if sec, _ := s.ClientSecret(zeta.ID); sec != "zeta-secret-2" {
		t.Fatalf("secret after edit = %q", sec)
	}
	// The first instance sees it after Reload.
	if c, _ := s.Client(zeta.ID); c.Name != "Zeta client" {
		t.Fatalf("first instance changed without Reload: %q", c.Name)
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Client(zeta.ID); c.Name != "Zeta" {
		t.Fatalf("after Reload name = %q", c.Name)
	}

	if err := s.DeleteClient(zeta.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Client(zeta.ID); ok {
		t.Fatal("deleted client still listed")
	}
	if _, err := kc.Get(ClientSecretKey(zeta.ID)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted client's secret: err = %v, want ErrNotFound", err)
	}
	if _, err := s.ClientSecret(zeta.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ClientSecret of deleted client: %v", err)
	}
	if err := s.DeleteClient(zeta.ID, false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting twice: err = %v, want ErrNotFound", err)
	}
}

// Connections and their tokens in the keychain (the real one in make test).
func TestConnectionAndTokenRoundTrip(t *testing.T) {
	kc := testKeychain(t)
	dir := t.TempDir()
	s, err := Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	cl := addClient(t, s, "Acme", "acme-secret")
	conn, err := s.SaveConnection("", " Production ", cl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if conn.ID == "" || conn.Name != "Production" || conn.Status != StatusNeverAuthorized || conn.CreatedAt.IsZero() {
		t.Fatalf("new connection = %+v", conn)
	}
	if _, err := s.Token(conn.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Token before authorizing: err = %v, want ErrNotFound", err)
	}

	if err := s.SaveToken(conn.ID, Token{AccessToken: "acc-1", RefreshToken: "ref-1"}); err != nil {
		t.Fatal(err)
	}
	if tok, err := s.Token(conn.ID); err != nil || tok != (Token{"acc-1", "ref-1"}) {
		t.Fatalf("Token = %v, %v", tok, err)
	}
	if err := s.SaveToken(conn.ID, Token{AccessToken: "acc-2"}); err != nil {
		t.Fatal(err)
	}
	if tok, err := s.Token(conn.ID); err != nil || tok.AccessToken != "acc-2" || tok.RefreshToken != "" {
		t.Fatalf("Token after refresh-less save = %v, %v", tok, err)
	}
	if _, err := kc.Get(RefreshTokenKey(conn.ID)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old refresh token still in keychain: %v", err)
	}
	if err := s.SaveToken(conn.ID, Token{}); err == nil {
		t.Fatal("SaveToken accepted an empty access token")
	}
	if err := s.SaveToken("missing", Token{AccessToken: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("SaveToken for unknown connection: %v", err)
	}
	if _, err := kc.Get(AccessTokenKey("missing")); !errors.Is(err, ErrNotFound) {
		t.Fatal("token stored for a connection that doesn't exist")
	}

	authAt := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	updated, err := s.RecordOutcome(conn.ID, func(c *Connection) {
		c.Status = StatusAuthorized
		c.Identity = &Identity{UserID: "123", FullName: "Ada Lovelace", Email: "ada@example.com"}
		c.LastAuthorizedAt = &authAt
		c.LastTestedAt = &authAt
		c.LastError, c.LastErrorDetail = "", ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Status != StatusAuthorized || updated.Identity.FullName != "Ada Lovelace" || !updated.CreatedAt.Equal(conn.CreatedAt) {
		t.Fatalf("updated = %+v", updated)
	}

	// SaveConnection renames; the status stays what the sign-in learned.
	renamed, err := s.SaveConnection(conn.ID, "Prod", cl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if renamed.Status != StatusAuthorized || renamed.Identity == nil || renamed.Identity.Email != "ada@example.com" ||
		renamed.LastAuthorizedAt == nil || !renamed.LastAuthorizedAt.Equal(authAt) {
		t.Fatalf("rename lost status fields: %+v", renamed)
	}
	failed, err := s.RecordOutcome(conn.ID, func(c *Connection) {
		c.Status, c.LastError, c.LastErrorDetail = StatusFailed, "Kantata refused the token.", "HTTP 401 invalid_token"
		c.Name, c.ClientRef = "Renamed by an outcome", "elsewhere" // not an outcome's to change
	})
	if err != nil {
		t.Fatal(err)
	}
	if failed.Status != StatusFailed || failed.LastError != "Kantata refused the token." || failed.Identity == nil {
		t.Fatalf("outcome not applied: %+v", failed)
	}
	if failed.Name != "Prod" || failed.ClientRef != cl.ID {
		t.Fatalf("RecordOutcome changed the name or client: %+v", failed)
	}

	// Another instance reads the same.
	s2, err := Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := s2.ConnectionByName("prod")
	if !ok {
		t.Fatal("ConnectionByName didn't find it")
	}
	if got.Name != "Prod" || got.Status != StatusFailed || *got.Identity != *failed.Identity ||
		!got.LastTestedAt.Equal(authAt) || got.LastErrorDetail != "HTTP 401 invalid_token" || !got.UpdatedAt.Equal(failed.UpdatedAt) {
		t.Fatalf("after reload = %+v", got)
	}
	// Returned values are copies.
	got.Identity.FullName = "changed"
	if c, _ := s2.Connection(conn.ID); c.Identity.FullName != "Ada Lovelace" {
		t.Fatal("changing a returned connection changed the store")
	}

	if err := s2.DeleteConnection(conn.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Get(AccessTokenKey(conn.ID)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted connection's access token: %v", err)
	}
	if len(s2.Connections()) != 0 {
		t.Fatal("connection still listed")
	}
	if err := s2.DeleteConnection(conn.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s2.RecordOutcome(conn.ID, func(*Connection) {}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of deleted connection: %v", err)
	}
}

// Everything secret stays out of the records folder, the logs and errors.
func TestSecretsNeverInFileOrLogs(t *testing.T) {
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(prev)

	kc := testKeychain(t)
	dir := t.TempDir()
	s, err := Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"CLIENT-SECRET-1a2b", "CLIENT-SECRET-EDITED-3c4d", "ACCESS-TOKEN-5e6f", "REFRESH-TOKEN-7a8b"}
	var texts []string
	note := func(err error) {
		if err == nil {
			return
		}
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err))
		var uf userFacing
		if errors.As(err, &uf) {
			texts = append(texts, uf.UserMessage(), uf.TechnicalDetail())
		}
	}

	cl := addClient(t, s, "Acme", secrets[0])
	conn := addConnection(t, s, "Prod", cl.ID)
	if err := s.SaveToken(conn.ID, Token{AccessToken: secrets[2], RefreshToken: secrets[3]}); err != nil {
		t.Fatal(err)
	}
	_, err = s.RecordOutcome(conn.ID, func(c *Connection) { c.Status = StatusAuthorized })
	note(err)
	if tok, err := s.Token(conn.ID); err != nil {
		t.Fatal(err)
	} else {
		slog.Info("token read", "token", tok) // a careless log line
		texts = append(texts, fmt.Sprintf("%v", tok))
	}
	cl.ClientID = "other-id"
	_, err = s.SaveClient(cl.ID, cl.ClientSettings, secrets[1]) // deletes the token issued for the old ID
	note(err)
	// Failures too: a too-large secret, a refused keychain.
	tooBig := "HUGE-SECRET-" + strings.Repeat("z", MaxSecretBytes)
	secrets = append(secrets, "HUGE-SECRET-")
	_, err = s.SaveClient("", ClientSettings{Name: "Big", ClientID: "big"}, tooBig)
	note(err)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too-large secret: err = %v", err)
	}
	err = s.SaveToken(conn.ID, Token{AccessToken: tooBig})
	note(err)
	s2, _ := Open(dir, &memKeychain{m: map[string]string{}, setErr: &KeychainError{Op: "set", Key: "k", Kind: ErrKeychainLocked}})
	_, err = s2.SaveClient("", ClientSettings{Name: "Locked", ClientID: "l"}, "LOCKED-SECRET-9c")
	secrets = append(secrets, "LOCKED-SECRET-9c")
	note(err)
	// A damaged file's notice and log line.
	if err := os.WriteFile(s.Path(), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	note(s.Reload())
	texts = append(texts, s.Notice())
	cl2 := addClient(t, s, "Acme-again", secrets[0])
	_ = cl2

	texts = append(texts, logs.String())
	if logs.Len() == 0 {
		t.Fatal("no log output captured; the check below would prove nothing")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		texts = append(texts, string(readFile(t, filepath.Join(dir, e.Name()))))
	}
	if !strings.Contains(strings.Join(texts, "\n"), "Acme-again") {
		t.Fatal("records file not among the texts checked")
	}
	for _, text := range texts {
		for _, sec := range secrets {
			if strings.Contains(text, sec) {
				t.Errorf("secret %q found in %q", sec, text)
			}
		}
	}
}

func TestFileAndDirModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		// Counted and named by the Wine run (internal/winetest).
		t.Skip("unix-only: Unix permission bits (Windows keeps the records folder in the user's own %AppData%)")
	}
	dir := filepath.Join(t.TempDir(), "a", "kantata-connect")
	s, err := Open(dir, newMemKeychain())
	if err != nil {
		t.Fatal(err)
	}
	addClient(t, s, "Acme", "x")
	for path, want := range map[string]fs.FileMode{dir: fs.ModeDir | 0o700, s.Path(): 0o600, filepath.Join(dir, "records.lock"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s mode = %v, want %v", path, fi.Mode(), want)
		}
	}
	var raw map[string]any
	if err := json.Unmarshal(readFile(t, s.Path()), &raw); err != nil {
		t.Fatal(err)
	}
	if raw["schema_version"] != float64(SchemaVersion) {
		t.Fatalf("schema_version = %v", raw["schema_version"])
	}
}

// A crash between writing the temp file and renaming it leaves the previous
// file whole, and the keychain as the records are.
func TestCrashBeforeRenameKeepsPreviousFile(t *testing.T) {
	kc := newMemKeychain()
	dir := t.TempDir()
	s, err := Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	acme := addClient(t, s, "Acme", "acme-secret")
	before := readFile(t, s.Path())

	crash := errors.New("simulated crash before rename")
	var tmpSeen string
	s.beforeRename = func(tmp string) error {
		tmpSeen = tmp
		if b := readFile(t, tmp); !bytes.Contains(b, []byte("Beta")) {
			t.Errorf("temp file lacks the new client: %s", b)
		}
		return crash
	}
	_, err = s.SaveClient("", ClientSettings{Name: "Beta", ClientID: "b"}, "beta-secret")
	if !errors.Is(err, crash) {
		t.Fatalf("SaveClient err = %v, want the crash", err)
	}
	mustUserFacing(t, err)
	if filepath.Dir(tmpSeen) != dir {
		t.Fatalf("temp file %s is not in the records folder", tmpSeen)
	}
	s.beforeRename = func(string) error { return crash }
	if _, err := s.SaveConnection("", "P", acme.ID); !errors.Is(err, crash) {
		t.Fatalf("SaveConnection err = %v", err)
	}
	acme.ClientID = "changed"
	if _, err := s.SaveClient(acme.ID, acme.ClientSettings, "acme-secret-2"); !errors.Is(err, crash) {
		t.Fatalf("edit err = %v", err)
	}
	if after := readFile(t, s.Path()); !bytes.Equal(before, after) {
		t.Fatalf("records file changed:\n%s\nwas\n%s", after, before)
	}
	if len(s.Clients()) != 1 || len(s.Connections()) != 0 {
		t.Fatal("in-memory state took a change that wasn't written")
	}
	// The new client's secret was taken back, the edited one restored.
	if keys := kc.keys(); len(keys) != 1 || keys[0] != ClientSecretKey(acme.ID) {
		t.Fatalf("keychain keys = %v", keys)
	}
	if sec, _ := kc.Get(ClientSecretKey(acme.ID)); sec != "acme-secret" {
		t.Fatalf("secret after failed edit = %q", sec)
	}

	// A real crash leaves the temp file behind: the next Open ignores and
	// removes it.
	if err := os.WriteFile(filepath.Join(dir, "records.json.tmp-12345"), []byte(`{"schema_ver`), 0o600); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Notice() != "" || len(s2.Clients()) != 1 {
		t.Fatalf("after crash: notice %q, clients %v", s2.Notice(), s2.Clients())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "records.json.tmp-*")); len(m) != 0 {
		t.Fatalf("stale temp files left: %v", m)
	}
}

var asideName = regexp.MustCompile(`^records\.json\.corrupt-\d{8}T\d{6}Z(-\d+)?$`)

func TestCorruptFileMovedAside(t *testing.T) {
	cases := map[string][]byte{
		"garbage":           []byte("\x00\x01 not json at all"),
		"truncated":         []byte(`{"schema_version":1,"clients":[{"id":"a","na`),
		"empty":             {},
		"no schema version": []byte(`{"clients":[],"connections":[]}`),
		"wrong types":       []byte(`{"schema_version":1,"clients":"oops"}`),
		"repeated ids":      []byte(`{"schema_version":1,"clients":[{"id":"a","name":"A"},{"id":"a","name":"B"}],"connections":[]}`),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "records.json")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(dir, newMemKeychain())
			if err != nil {
				t.Fatalf("Open of a damaged file failed instead of starting empty: %v", err)
			}
			if len(s.Clients()) != 0 || len(s.Connections()) != 0 || s.ReadOnly() {
				t.Fatal("damaged file not replaced by an empty store")
			}
			copies, _ := filepath.Glob(path + ".corrupt-*")
			if len(copies) != 1 || !asideName.MatchString(filepath.Base(copies[0])) {
				t.Fatalf("moved-aside copies = %v", copies)
			}
			if got := readFile(t, copies[0]); !bytes.Equal(got, content) {
				t.Fatalf("copy holds %q, want the original %q", got, content)
			}
			notice := s.Notice()
			if !strings.Contains(notice, copies[0]) || !strings.Contains(notice, "empty") {
				t.Fatalf("Notice %q doesn't say it started empty and where the copy is", notice)
			}
			// Saving now writes a fresh file and leaves the copy alone.
			addClient(t, s, "Fresh", "x")
			if got := readFile(t, copies[0]); !bytes.Equal(got, content) {
				t.Fatal("the copy changed")
			}
			if s2, err := Open(dir, newMemKeychain()); err != nil || len(s2.Clients()) != 1 || s2.Notice() != "" {
				t.Fatalf("reopen after recovery: %v, notice %q", err, s2.Notice())
			}
		})
	}
}

func TestCorruptTwiceKeepsBothCopies(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "records.json")
	fixed := time.Date(2026, 11, 28, 12, 45, 0, 0, time.UTC)
	os.WriteFile(path, []byte("first bad"), 0o600)
	s, err := Open(dir, newMemKeychain())
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return fixed }
	os.WriteFile(path, []byte("second bad"), 0o600)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte("third bad"), 0o600)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	copies, _ := filepath.Glob(path + ".corrupt-*")
	if len(copies) != 3 {
		t.Fatalf("copies = %v, want 3", copies)
	}
	if got := string(readFile(t, path+".corrupt-20261128T124500Z")); got != "second bad" {
		t.Fatalf("copy = %q", got)
	}
	if got := string(readFile(t, path+".corrupt-20261128T124500Z-2")); got != "third bad" {
		t.Fatalf("copy -2 = %q", got)
	}
	if !strings.Contains(s.Notice(), "records.json.corrupt-20261128T124500Z-2") {
		t.Fatalf("Notice = %q", s.Notice())
	}
}

// A records file that can't be read is not damaged: it is left exactly where
// it is, and the store opens read-only, saying why, until it can be read. Run
// as root, permission bits stop no read, so the unreadable file here is a
// folder in its place (EISDIR); unreadable_linux_test.go adds EACCES and EIO.
func TestUnreadableFileLeftInPlace(t *testing.T) {
	t.Run("a folder in its place", func(t *testing.T) {
		checkUnreadableLeftInPlace(t, unreadableCase{
			make: func(t *testing.T, path string) {
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
				// Something of the user's inside, which must stay.
				if err := os.WriteFile(filepath.Join(path, "keep"), []byte("mine"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			unchanged: func(t *testing.T, path string) {
				t.Helper()
				if fi, err := os.Lstat(path); err != nil || !fi.IsDir() {
					t.Fatalf("the folder in place of the records file is gone or changed: %v", err)
				}
				if got, err := os.ReadFile(filepath.Join(path, "keep")); err != nil || string(got) != "mine" {
					t.Fatalf("the folder's content changed: %q, %v", got, err)
				}
			},
			undo: func(t *testing.T, path string) {
				if err := os.RemoveAll(path); err != nil {
					t.Fatal(err)
				}
			},
			errno: syscall.EISDIR,
			// Windows reads a folder as "Incorrect function"; the store
			// names it a folder all the same.
			readErrno: map[bool]error{true: syscall.Errno(1), false: syscall.EISDIR}[runtime.GOOS == "windows"],
			userWords: "folder",
		})
	})
	// Read-only for an unreadable file must not stick: once the file reads
	// but doesn't parse, it is damaged and moved aside as ever.
	t.Run("damaged once it can be read", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, recordsName)
		if err := os.Mkdir(path, 0o700); err != nil {
			t.Fatal(err)
		}
		s, err := Open(dir, newMemKeychain())
		if err != nil || !s.ReadOnly() {
			t.Fatalf("Open: %v, read-only %v", err, s.ReadOnly())
		}
		os.Remove(path)
		if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := s.Reload(); err != nil {
			t.Fatal(err)
		}
		copies, _ := filepath.Glob(path + ".corrupt-*")
		if len(copies) != 1 || s.ReadOnly() || !strings.Contains(s.Notice(), copies[0]) || strings.Contains(s.Notice(), "can't read") {
			t.Fatalf("damaged file after an unreadable one: copies %v, read-only %v, notice %q", copies, s.ReadOnly(), s.Notice())
		}
		addClient(t, s, "Acme", "x")
	})
}

// unreadableCase makes the records file unreadable in one real way.
type unreadableCase struct {
	make      func(t *testing.T, path string) // put the unreadable thing at path
	unchanged func(t *testing.T, path string) // fail unless it is still there as made
	undo      func(t *testing.T, path string) // remove it
	errno     error                           // what the store's error wraps
	readErrno error                           // what reading it gives, when not errno
	userWords string                          // the cause, as the notice words it
}

// checkUnreadableLeftInPlace saves a client and a connection, makes the
// records file unreadable, and checks that: a store opened now and one that
// reloads now both go read-only without an error, the file is neither moved
// aside nor written, the notice names the path in plain words, every change
// is refused with *UnreadableError (matching ErrReadOnly) leaving keychain
// and file alone, and once a readable file is back Reload makes the store
// writable with the saved records.
func checkUnreadableLeftInPlace(t *testing.T, tc unreadableCase) {
	t.Helper()
	kc := newMemKeychain()
	dir := t.TempDir()
	earlier, err := Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	acme := addClient(t, earlier, "Acme", "acme-secret")
	prod := addConnection(t, earlier, "Prod", acme.ID)
	path := earlier.Path()
	saved := readFile(t, path)
	keys := kc.keys()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	tc.make(t, path)
	readErrno := tc.errno
	if tc.readErrno != nil {
		readErrno = tc.readErrno
	}
	if _, err := os.ReadFile(path); !errors.Is(err, readErrno) {
		t.Fatalf("reading the unreadable records file gives %v, want %v: the case proves nothing", err, readErrno)
	}

	s, err := Open(dir, kc)
	if err != nil {
		t.Fatalf("Open failed instead of opening read-only: %v", err)
	}
	if err := earlier.Reload(); err != nil {
		t.Fatalf("Reload failed instead of going read-only: %v", err)
	}
	for name, st := range map[string]*Store{"opened now": s, "reloaded": earlier} {
		if !st.ReadOnly() {
			t.Errorf("%s: not read-only while the records file can't be read", name)
		}
		n := st.Notice()
		for _, w := range []string{"can't read", path, tc.userWords, "Nothing was changed or moved"} {
			if !strings.Contains(n, w) {
				t.Errorf("%s: Notice %q does not say %q", name, n, w)
			}
		}
		if strings.Contains(n, tc.errno.Error()) {
			t.Errorf("%s: Notice %q speaks in system error text", name, n)
		}
	}
	if len(s.Clients()) != 0 || len(s.Connections()) != 0 {
		t.Error("records shown that were never read")
	}
	if _, ok := earlier.Connection(prod.ID); !ok {
		t.Error("the records read before were dropped")
	}

	for name, st := range map[string]*Store{"opened now": s, "reloaded": earlier} {
		writes := map[string]error{}
		_, writes["SaveClient"] = st.SaveClient("", ClientSettings{Name: "New", ClientID: "n"}, "new-secret")
		_, writes["SaveClient edit"] = st.SaveClient(acme.ID, acme.ClientSettings, "changed-secret")
		_, writes["SaveConnection"] = st.SaveConnection("", "Stage", acme.ID)
		_, writes["RecordOutcome"] = st.RecordOutcome(prod.ID, func(c *Connection) { c.Status = StatusFailed })
		writes["DeleteClient"] = st.DeleteClient(acme.ID, true)
		writes["DeleteConnection"] = st.DeleteConnection(prod.ID)
		writes["SaveToken"] = st.SaveToken(prod.ID, Token{AccessToken: "tok"})
		for op, err := range writes {
			if !errors.Is(err, ErrReadOnly) {
				t.Errorf("%s: %s while the file can't be read: err = %v, want ErrReadOnly", name, op, err)
				continue
			}
			var ue *UnreadableError
			if !errors.As(err, &ue) || ue.Path != path || !errors.Is(err, tc.errno) {
				t.Errorf("%s: %s: error %v (%T) is not an *UnreadableError for %s wrapping %v", name, op, err, err, path, tc.errno)
			}
			mustUserFacing(t, err)
		}
	}
	tc.unchanged(t, path)
	if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) != 0 {
		t.Errorf("the unreadable records file was moved aside: %v", m)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, tempPattern)); len(m) != 0 {
		t.Errorf("temp files left behind: %v", m)
	}
	if got := kc.keys(); !slices.Equal(got, keys) {
		t.Errorf("keychain changed by refused changes: %v, was %v", got, keys)
	}
	if sec, _ := kc.Get(ClientSecretKey(acme.ID)); sec != "acme-secret" {
		t.Error("a refused edit changed the client secret")
	}

	// Readable again: Reload clears the state, and changes work.
	tc.undo(t, path)
	if err := os.WriteFile(path, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]*Store{"opened now": s, "reloaded": earlier} {
		if err := st.Reload(); err != nil {
			t.Fatalf("%s: Reload of the readable file: %v", name, err)
		}
		if st.ReadOnly() || st.Notice() != "" {
			t.Errorf("%s: still read-only (%v) or a notice %q once the file can be read", name, st.ReadOnly(), st.Notice())
		}
		if _, ok := st.Connection(prod.ID); !ok || len(st.Clients()) != 1 {
			t.Errorf("%s: the saved records aren't back: %v %v", name, st.Clients(), st.Connections())
		}
	}
	stage := addConnection(t, s, "Stage", acme.ID)
	if err := earlier.SaveToken(stage.ID, Token{AccessToken: "tok"}); err != nil {
		t.Fatalf("SaveToken once the file can be read: %v", err)
	}
	if _, err := earlier.SaveClient(acme.ID, acme.ClientSettings, "acme-secret-2"); err != nil {
		t.Fatalf("SaveClient once the file can be read: %v", err)
	}
}

func TestNewerSchemaIsReadOnly(t *testing.T) {
	kc := newMemKeychain()
	dir := t.TempDir()
	path := filepath.Join(dir, "records.json")
	content := []byte(`{"schema_version": 7, "future_field": {"x": 1},
 "clients": [{"id":"c1","name":"Acme","client_id":"acme","auth_url":"https://a.example/auth","token_url":"https://a.example/token","api_base_url":"https://api.example","client_auth":"body","pkce":true,"redirect_port":38917}],
 "connections": [{"id":"k1","name":"Prod","client_ref":"c1","status":"authorized"}]}`)
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	if !s.ReadOnly() {
		t.Fatal("a newer file isn't read-only")
	}
	if n := s.Notice(); !strings.Contains(n, "newer version") || !strings.Contains(n, "update the app") {
		t.Fatalf("Notice = %q", n)
	}
	if len(s.Clients()) != 1 || len(s.Connections()) != 1 {
		t.Fatal("a newer file's records aren't shown")
	}
	if _, ok := s.ConnectionByName("prod"); !ok {
		t.Fatal("ConnectionByName on read-only store")
	}
	writes := map[string]error{}
	_, writes["add client"] = s.SaveClient("", ClientSettings{Name: "New", ClientID: "n"}, "secret")
	_, writes["edit client"] = s.SaveClient(s.Clients()[0].ID, s.Clients()[0].ClientSettings, "secret")
	writes["delete client"] = s.DeleteClient("c1", true)
	_, writes["add connection"] = s.SaveConnection("", "X", "c1")
	_, writes["record outcome"] = s.RecordOutcome("k1", func(c *Connection) { c.Status = StatusFailed })
	writes["delete connection"] = s.DeleteConnection("k1")
	for op, err := range writes {
		if !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s on a newer file: err = %v, want ErrReadOnly", op, err)
			continue
		}
		var ro *ReadOnlyError
		if !errors.As(err, &ro) || !strings.Contains(err.Error(), "made by a newer version of Kantata Connect; update the app") {
			t.Errorf("%s: error %q doesn't say why", op, err)
		}
		mustUserFacing(t, err)
	}
	if got := readFile(t, path); !bytes.Equal(got, content) {
		t.Fatal("a newer file was changed")
	}
	if keys := kc.keys(); len(keys) != 0 {
		t.Fatalf("keychain written while read-only: %v", keys)
	}
	if copies, _ := filepath.Glob(path + ".corrupt-*"); len(copies) != 0 {
		t.Fatal("a newer file was moved aside")
	}

	// A newer layout that doesn't parse is still left alone.
	odd := []byte(`{"schema_version": 8, "clients": {"by_id": {}}}`)
	os.WriteFile(path, odd, 0o600)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if !s.ReadOnly() || len(s.Clients()) != 0 || !bytes.Equal(readFile(t, path), odd) {
		t.Fatal("unparseable newer file not kept read-only and untouched")
	}
}

func TestNameRules(t *testing.T) {
	s := openTemp(t, newMemKeychain())
	acme := addClient(t, s, "Acme", "x")
	prod := addConnection(t, s, "Prod", acme.ID)

	long := strings.Repeat("é", 100)
	cases := []struct {
		name, want string
	}{
		{"", "Enter a name."},
		{"   \t ", "Enter a name."},
		{"two\nlines", "Names can't contain line breaks or control characters."},
		{"bell\a", "Names can't contain line breaks or control characters."},
		{"tab\tinside", "Names can't contain line breaks or control characters."},
		{"para\u2029sep", "Names can't contain line breaks or control characters."},
		{long + "é", "Names can be at most 100 characters."},
		{long, ""},
		{"  " + long + "  ", ""},
	}
	for _, tc := range cases {
		for kind, check := range map[string]func(string, string) error{
			"client": s.CheckClientName, "connection": s.CheckConnectionName,
		} {
			err := check(tc.name, "")
			if tc.want == "" {
				if err != nil {
					t.Errorf("%s name %q: unexpected %v", kind, tc.name, err)
				}
				continue
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "name" || ve.UserMessage() != tc.want {
				t.Errorf("%s name %q: err = %v, want %q", kind, tc.name, err, tc.want)
			}
		}
	}
	// Unique per kind, case-insensitively, after trimming.
	if err := s.CheckClientName(" ACME ", ""); err == nil || mustUserFacing(t, err).UserMessage() != "A client named “ACME” already exists. Choose another name." {
		t.Errorf("duplicate client name: %v", err)
	}
	if err := s.CheckConnectionName("prod", ""); err == nil || mustUserFacing(t, err).UserMessage() != "A connection named “prod” already exists. Choose another name." {
		t.Errorf("duplicate connection name: %v", err)
	}
	if err := s.CheckClientName("acme", acme.ID); err != nil {
		t.Errorf("a client's own name: %v", err)
	}
	if err := s.CheckConnectionName("Acme", ""); err != nil {
		t.Errorf("a connection may share a client's name: %v", err)
	}
	// The rules hold on save too.
	if _, err := s.SaveClient("", ClientSettings{Name: "acme", ClientID: "z"}, "x"); err == nil {
		t.Error("SaveClient accepted a duplicate name")
	}
	if _, err := s.SaveConnection("", "PROD", acme.ID); err == nil {
		t.Error("SaveConnection accepted a duplicate name")
	}
	if _, err := s.SaveConnection(prod.ID, " ", acme.ID); err == nil {
		t.Error("SaveConnection accepted an empty name")
	}
	if _, err := s.SaveConnection(prod.ID, "a\nb", acme.ID); err == nil {
		t.Error("SaveConnection accepted a line break")
	}
}

func TestClientFieldRules(t *testing.T) {
	kc := newMemKeychain()
	s := openTemp(t, kc)
	base := Client{ClientSettings: DefaultClientSettings()}
	base.Name, base.ClientID = "Acme", "acme-id"
	cases := []struct {
		label  string
		change func(*Client)
		field  Field
	}{
		{"no client ID", func(c *Client) { c.ClientID = "  " }, "client_id"},
		{"client ID with a space", func(c *Client) { c.ClientID = "abc def" }, "client_id"},
		{"relative auth URL", func(c *Client) { c.AuthURL = "/oauth/authorize" }, "auth_url"},
		{"ftp auth URL", func(c *Client) { c.AuthURL = "ftp://example.com/a" }, "auth_url"},
		{"hostless token URL", func(c *Client) { c.TokenURL = "https://" }, "token_url"},
		{"bad API base URL", func(c *Client) { c.APIBaseURL = "api.mavenlink.com" }, "api_base_url"},
		{"negative port", func(c *Client) { c.RedirectPort = -1 }, "redirect_port"},
		{"port too big", func(c *Client) { c.RedirectPort = 65536 }, "redirect_port"},
		{"unknown client auth", func(c *Client) { c.ClientAuth = "header" }, "client_auth"},
		{"bad name", func(c *Client) { c.Name = "" }, "name"},
	}
	for _, tc := range cases {
		t.Run(tc.label, func(t *testing.T) {
			c := base
			tc.change(&c)
			_, err := s.SaveClient(c.ID, c.ClientSettings, "secret")
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("err = %v, want a ValidationError for %s", err, tc.field)
			}
			mustUserFacing(t, err)
		})
	}
	for _, secret := range []string{"", "  \n"} {
		_, err := s.SaveClient(base.ID, base.ClientSettings, secret)
		if !errors.Is(err, ErrSecretRequired) || !strings.HasPrefix(mustUserFacing(t, err).UserMessage(), "Enter the client secret.") {
			t.Errorf("secret %q: err = %v, want ErrSecretRequired", secret, err)
		}
	}
	if len(s.Clients()) != 0 || kc.sets != 0 {
		t.Fatal("an invalid client was saved")
	}
	// Empty endpoints and port take Kantata's defaults; edge ports are fine.
	c, err := s.SaveClient("", ClientSettings{Name: "Defaults", ClientID: "d", ClientAuth: "BASIC"}, "s")
	if err != nil {
		t.Fatal(err)
	}
	if c.AuthURL != kantata.DefaultAuthURL || c.TokenURL != kantata.DefaultTokenURL || c.APIBaseURL != kantata.DefaultAPIBaseURL ||
		c.RedirectPort != kantata.DefaultRedirectPort || c.ClientAuth != "basic" {
		t.Fatalf("defaults not filled: %+v", c)
	}
	for _, port := range []int{1, 65535} {
		c.RedirectPort = port
		if _, err := s.SaveClient(c.ID, c.ClientSettings, "s"); err != nil {
			t.Errorf("port %d: %v", port, err)
		}
	}
	// Updating a client that's gone.
	if _, err := s.SaveClient("gone", ClientSettings{Name: "Gone", ClientID: "g"}, "s"); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of missing client: %v", err)
	}
}

func TestConnectionFieldRules(t *testing.T) {
	s := openTemp(t, newMemKeychain())
	acme := addClient(t, s, "Acme", "x")
	for label, ref := range map[string]string{"no client": "", "missing client": "nope"} {
		t.Run(label, func(t *testing.T) {
			_, err := s.SaveConnection("", "A", ref)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != FieldClient {
				t.Errorf("err = %v", err)
			}
		})
	}
	c := addConnection(t, s, "A", acme.ID)
	if _, err := s.RecordOutcome(c.ID, func(c *Connection) { c.Status = "great" }); err == nil {
		t.Error("RecordOutcome accepted an unknown status")
	}
	got, err := s.RecordOutcome(c.ID, func(c *Connection) {
		c.ID, c.CreatedAt, c.Name, c.ClientRef = "hijack", time.Time{}, "Hijack", "nope"
	})
	if err != nil || got.ID != c.ID || !got.CreatedAt.Equal(c.CreatedAt) || got.Name != "A" || got.ClientRef != acme.ID {
		t.Errorf("RecordOutcome changed what only SaveConnection may: %+v, %v", got, err)
	}
	if _, err := s.SaveConnection("gone", "B", acme.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of missing connection: %v", err)
	}
}

// A client whose secret can't be stored isn't saved at all.
func TestClientNotSavedWithoutItsSecret(t *testing.T) {
	for name, kc := range map[string]Keychain{
		"locked keychain": &memKeychain{m: map[string]string{}, setErr: &KeychainError{Op: "set", Kind: ErrKeychainLocked}},
		"no secret service": &SystemKeychain{Service: "t", Timeout: time.Second, backend: errBackend{
			dbusServiceUnknown()}},
		"nil keychain": nil,
	} {
		t.Run(name, func(t *testing.T) {
			s := openTemp(t, kc)
			_, err := s.SaveClient("", ClientSettings{Name: "Acme", ClientID: "a"}, "secret")
			if err == nil {
				t.Fatal("saved without a keychain")
			}
			mustUserFacing(t, err)
			if len(s.Clients()) != 0 {
				t.Fatal("client saved in memory")
			}
			if _, err := os.Stat(s.Path()); err == nil {
				if b := readFile(t, s.Path()); bytes.Contains(b, []byte("Acme")) {
					t.Fatal("client written to the records file")
				}
			}
		})
	}
	s := openTemp(t, newMemKeychain())
	if _, err := s.SaveClient("", ClientSettings{Name: "Big", ClientID: "b"}, strings.Repeat("x", MaxSecretBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if len(s.Clients()) != 0 {
		t.Fatal("client with too-large secret saved")
	}
}

func TestDeleteClientInUse(t *testing.T) {
	kc := newMemKeychain()
	s := openTemp(t, kc)
	acme := addClient(t, s, "Acme", "x")
	other := addClient(t, s, "Other", "y")
	b := addConnection(t, s, "beta", acme.ID)
	a := addConnection(t, s, "Alpha", acme.ID)
	keep := addConnection(t, s, "Keep", other.ID)
	for _, c := range []Connection{a, b, keep} {
		if err := s.SaveToken(c.ID, Token{AccessToken: "at-" + c.Name, RefreshToken: "rt-" + c.Name}); err != nil {
			t.Fatal(err)
		}
	}
	err := s.DeleteClient(acme.ID, false)
	var inUse *InUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("err = %v, want *InUseError", err)
	}
	if fmt.Sprint(inUse.Connections) != "[Alpha beta]" {
		t.Fatalf("Connections = %v", inUse.Connections)
	}
	msg := mustUserFacing(t, err).UserMessage()
	if !strings.Contains(msg, "“Alpha” and “beta”") || !strings.Contains(msg, "Acme") {
		t.Fatalf("UserMessage %q doesn't name the connections", msg)
	}
	if len(s.Clients()) != 2 || len(s.Connections()) != 3 || len(kc.keys()) != 8 {
		t.Fatal("a refused delete removed something")
	}
	if err := s.DeleteClient(acme.ID, true); err != nil {
		t.Fatal(err)
	}
	if len(s.Clients()) != 1 || len(s.Connections()) != 1 {
		t.Fatalf("after cascade: %v %v", s.Clients(), s.Connections())
	}
	want := []string{AccessTokenKey(keep.ID), ClientSecretKey(other.ID), RefreshTokenKey(keep.ID)}
	slices.Sort(want)
	if got := kc.keys(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("keychain after cascade = %v, want %v", got, want)
	}
	// One user: singular wording.
	one := (&InUseError{ClientName: "X", Connections: []string{"Solo"}}).UserMessage()
	if !strings.Contains(one, "the connection “Solo”") {
		t.Fatalf("singular message = %q", one)
	}
}

// Changing what an authorization depends on marks the client's authorized
// and failed connections as needing re-authorization, and deletes their
// tokens from the keychain (issue 19): a token goes only to the endpoints
// it was issued with. A connection never authorized stays so.
func TestClientChangesMarkNeedsReauth(t *testing.T) {
	cases := []struct {
		label  string
		change func(*Client, *string)
		marks  bool
	}{
		{"name only", func(c *Client, _ *string) { c.Name = "Renamed" }, false},
		// The token must not go to a host it was not issued for.
		{"API base URL", func(c *Client, _ *string) { c.APIBaseURL = "https://api2.example.com" }, true},
		{"client ID", func(c *Client, _ *string) { c.ClientID = "new-id" }, true},
		{"secret", func(_ *Client, s *string) { *s = "new-secret" }, true},
		{"auth URL", func(c *Client, _ *string) { c.AuthURL = "https://auth2.example.com/authorize" }, true},
		{"token URL", func(c *Client, _ *string) { c.TokenURL = "https://auth2.example.com/token" }, true},
		{"redirect port", func(c *Client, _ *string) { c.RedirectPort = 40000 }, true},
		{"client auth", func(c *Client, _ *string) { c.ClientAuth = "basic" }, true},
		{"PKCE", func(c *Client, _ *string) { c.PKCE = false }, true},
		// How the next sign-in's answer comes back changes no token.
		{"callback kind", func(c *Client, _ *string) { c.Callback = CallbackCode }, false},
	}
	type conn struct {
		status     Status
		authorized bool // signed in at some point
	}
	for _, tc := range cases {
		t.Run(tc.label, func(t *testing.T) {
			s := openTemp(t, newMemKeychain())
			cl := addClient(t, s, "Acme", "secret")
			other := addClient(t, s, "Other", "secret")
			conns := map[string]conn{}
			for i, before := range []conn{
				{StatusAuthorized, true}, {StatusFailed, true}, {StatusFailed, false},
				{StatusNeverAuthorized, false}, {StatusNeedsReauth, true},
			} {
				c := addConnection(t, s, fmt.Sprintf("%s %d", before.status, i), cl.ID)
				recordStatus(t, s, c.ID, before.status, before.authorized)
				conns[c.ID] = before
			}
			oc := addConnection(t, s, "other", other.ID)
			recordStatus(t, s, oc.ID, StatusAuthorized, true)

			secret := "secret"
			edit := cl
			tc.change(&edit, &secret)
			if _, err := s.SaveClient(edit.ID, edit.ClientSettings, secret); err != nil {
				t.Fatal(err)
			}
			for id, before := range conns {
				c, _ := s.Connection(id)
				want := before.status
				if tc.marks && (before.status == StatusAuthorized || before.status == StatusFailed) {
					want = StatusNeedsReauth
					if !before.authorized {
						want = StatusNeverAuthorized
					}
				}
				if c.Status != want {
					t.Errorf("connection %s: status %s, want %s", c.Name, c.Status, want)
				}
				_, err := s.Token(id)
				if tc.marks && !errors.Is(err, ErrNotFound) {
					t.Errorf("connection %s keeps its token after the change (err %v)", c.Name, err)
				}
				if !tc.marks && before.status != StatusNeverAuthorized && err != nil {
					t.Errorf("connection %s lost its token to a rename: %v", c.Name, err)
				}
			}
			if c, _ := s.Connection(oc.ID); c.Status != StatusAuthorized {
				t.Error("another client's connection was marked")
			}
			if _, err := s.Token(oc.ID); err != nil {
				t.Errorf("another client's connection lost its token: %v", err)
			}
		})
	}
}

// recordStatus gives a connection a status and a token, as a sign-in and
// later tests would have; authorized says it signed in at some point.
func recordStatus(t *testing.T, s *Store, id string, status Status, authorized bool) {
	t.Helper()
	if _, err := s.RecordOutcome(id, func(c *Connection) {
		c.Status = status
		if authorized {
			at := time.Now()
			c.LastAuthorizedAt = &at
		}
	}); err != nil {
		t.Fatal(err)
	}
	if status != StatusNeverAuthorized {
		if err := s.SaveToken(id, Token{AccessToken: "token-of-" + id, RefreshToken: "refresh-of-" + id}); err != nil {
			t.Fatal(err)
		}
	}
}

// Moving an authorized connection to another client needs a new sign-in,
// and its token (issued for the old client) is deleted.
func TestChangingConnectionClientMarksNeedsReauth(t *testing.T) {
	s := openTemp(t, newMemKeychain())
	a := addClient(t, s, "A", "x")
	b := addClient(t, s, "B", "y")
	c := addConnection(t, s, "C", a.ID)
	recordStatus(t, s, c.ID, StatusAuthorized, true)
	got, err := s.SaveConnection(c.ID, "C", b.ID)
	if err != nil || got.Status != StatusNeedsReauth {
		t.Fatalf("status = %v, %v", got.Status, err)
	}
	if _, err := s.Token(c.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the token issued for client A is still there (err %v)", err)
	}
}

// The how-to's one-click switch of the callback kind needs no secret and
// leaves connections and tokens as they were; the rules still hold.
func TestSetClientCallback(t *testing.T) {
	s := openTemp(t, newMemKeychain())
	cl := addClient(t, s, "Acme", "secret")
	c := addConnection(t, s, "C", cl.ID)
	recordStatus(t, s, c.ID, StatusAuthorized, true)
	saved, err := s.SetClientCallback(cl.ID, CallbackCode)
	if err != nil || saved.Callback != CallbackCode || saved.RedirectURI() != "urn:ietf:wg:oauth:2.0:oob" {
		t.Fatalf("SetClientCallback = %+v, %v", saved, err)
	}
	if got, _ := s.Client(cl.ID); got.Callback != CallbackCode {
		t.Errorf("saved callback %q", got.Callback)
	}
	if got, _ := s.Connection(c.ID); got.Status != StatusAuthorized {
		t.Errorf("the switch changed the connection: %s", got.Status)
	}
	if _, err := s.Token(c.ID); err != nil {
		t.Errorf("the switch took the token: %v", err)
	}
	if v, _ := s.ClientSecret(cl.ID); v != "secret" {
		t.Error("the switch changed the secret")
	}
	var v *ValidationError
	if _, err := s.SetClientCallback(cl.ID, "carrier-pigeon"); !errors.As(err, &v) || v.Field != FieldCallback {
		t.Errorf("an unknown kind: %v", err)
	}
	edit := saved.ClientSettings
	edit.PKCE = false
	if _, err := s.SaveClient(cl.ID, edit, "secret"); !errors.As(err, &v) || v.Field != FieldCallback || !strings.Contains(v.Message, "needs PKCE") {
		t.Errorf("PKCE off for a client of kind code: %v", err)
	}
}

// Should the records not be written after a client change, the tokens it
// deleted are put back with the old secret: nothing saved before is lost.
func TestClientChangeThatIsNotSavedKeepsTheTokens(t *testing.T) {
	s := openTemp(t, newMemKeychain())
	cl := addClient(t, s, "Acme", "secret")
	c := addConnection(t, s, "C", cl.ID)
	recordStatus(t, s, c.ID, StatusAuthorized, true)
	edit := cl.ClientSettings
	edit.APIBaseURL = "https://api2.example.com"
	b := addClient(t, s, "B", "b")
	crash := errors.New("simulated crash before rename")
	s.beforeRename = func(string) error { return crash }
	if _, err := s.SaveClient(cl.ID, edit, "new-secret"); !errors.Is(err, crash) {
		t.Fatalf("SaveClient err = %v, want the crash", err)
	}
	if _, err := s.SaveConnection(c.ID, "C", b.ID); !errors.Is(err, crash) {
		t.Fatalf("SaveConnection err = %v, want the crash", err)
	}
	s.beforeRename = nil
	if tok, err := s.Token(c.ID); err != nil || tok.AccessToken != "token-of-"+c.ID || tok.RefreshToken != "refresh-of-"+c.ID {
		t.Errorf("token after the failed save: %v, %v", tok, err)
	}
	if v, _ := s.ClientSecret(cl.ID); v != "secret" {
		t.Error("the old secret was not put back")
	}
	if got, _ := s.Connection(c.ID); got.Status != StatusAuthorized {
		t.Errorf("status after the failed save = %s", got.Status)
	}
}

func TestReloadSeesOtherInstance(t *testing.T) {
	dir := t.TempDir()
	s1, _ := Open(dir, newMemKeychain())
	s2, _ := Open(dir, newMemKeychain())
	acme := addClient(t, s1, "Acme", "x")
	if len(s2.Clients()) != 0 {
		t.Fatal("s2 changed without a reload")
	}
	// A change through s2 reloads first, so it keeps s1's client.
	addConnection(t, s2, "Prod", acme.ID)
	if len(s2.Clients()) != 1 {
		t.Fatal("s2's change didn't see s1's client")
	}
	if err := s1.Reload(); err != nil {
		t.Fatal(err)
	}
	if len(s1.Connections()) != 1 {
		t.Fatal("Reload didn't pick up s2's connection")
	}
}

// Goroutines of one process, through two Stores on one folder.
func TestConcurrentGoroutinesLoseNothing(t *testing.T) {
	dir := t.TempDir()
	s1, _ := Open(dir, newMemKeychain())
	s2, _ := Open(dir, newMemKeychain())
	cl := addClient(t, s1, "Acme", "x")
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 6 {
		s := []*Store{s1, s2}[g%2]
		wg.Go(func() {
			for i := range 10 {
				if _, err := s.SaveConnection("", fmt.Sprintf("g%d-%d", g, i), cl.ID); err != nil {
					errs <- err
				}
				_ = s.Connections()
				_ = s.CheckConnectionName("x", "")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := s1.Reload(); err != nil {
		t.Fatal(err)
	}
	if n := len(s1.Connections()); n != 60 {
		t.Fatalf("%d connections, want 60", n)
	}
}

func TestLockWaitIsBounded(t *testing.T) {
	dir := t.TempDir()
	holder, _ := Open(dir, newMemKeychain())
	waiter, _ := Open(dir, newMemKeychain())
	waiter.lockTimeout = 50 * time.Millisecond
	err := holder.withFileLock(func() error {
		_, err := waiter.SaveClient("", ClientSettings{Name: "A", ClientID: "a"}, "x")
		return err
	})
	var le *LockError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want *LockError", err)
	}
	mustUserFacing(t, err)
	if _, err := waiter.SaveClient("", ClientSettings{Name: "A", ClientID: "a"}, "x"); err != nil {
		t.Fatalf("after the lock was released: %v", err)
	}
}

func TestOpenFailsWhenFolderCantBeMade(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	_, err := Open(filepath.Join(file, "sub"), newMemKeychain())
	if err == nil {
		t.Fatal("Open under a file succeeded")
	}
	mustUserFacing(t, err)
}

func dbusServiceUnknown() error {
	return keychainErrorCases[2].err
}

// A secret pasted with spaces or a line break around it is kept without
// them, however it arrives: Kantata would refuse it as typed.
func TestSecretKeptWithoutSurroundingWhiteSpace(t *testing.T) {
	s := openTemp(t, newMemKeychain())
	for _, tc := range []struct{ name, typed string }{
		{"trailing space", "s3cret "}, {"leading tab", "\ts3cret"}, {"CRLF", "s3cret\r\n"}, {"no-break space", "\u00a0s3cret\u00a0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultClientSettings()
			c.Name, c.ClientID = "Client "+tc.name, "id"
			saved, err := s.SaveClient("", c, tc.typed)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := s.ClientSecret(saved.ID); got != "s3cret" {
				t.Errorf("kept %q, want %q", got, "s3cret")
			}
		})
	}
}
