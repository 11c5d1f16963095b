package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadRecords gives Open arbitrary bytes as records.json. Whatever they
// are, Open must not fail or panic, and must do exactly one of three things:
// use the file as it is (and not touch it), keep it read-only because a newer
// version wrote it (and not touch it), or move it aside byte for byte and say
// where, starting empty. Afterwards a change must still work and lose nothing
// that was loaded.
func FuzzLoadRecords(f *testing.F) {
	for _, seed := range []string{
		`{"schema_version":1,"clients":[],"connections":[]}`,
		`{"schema_version":1,"clients":[{"id":"a1","name":"Acme","client_id":"x","auth_url":"https://app.mavenlink.com/oauth/authorize",` +
			`"token_url":"https://app.mavenlink.com/oauth/token","api_base_url":"https://api.mavenlink.com","client_auth":"body","pkce":true,` +
			`"redirect_port":38917,"created_at":"2026-11-28T12:00:00Z","updated_at":"2026-11-28T12:00:00+05:30"}],` +
			`"connections":[{"id":"c1","name":"Prod","client_ref":"a1","status":"authorized","identity":{"user_id":"1","full_name":"Jane","email":"j@x"},` +
			`"last_authorized_at":"2026-11-28T12:00:00Z","created_at":"2026-11-28T12:00:00Z","updated_at":"2026-11-28T12:00:00Z"}]}`,
		`{"schema_version":99,"clients":"a layout from the future"}`,
		`{"schema_version":2,"clients":[{"id":"a","name":"A"}],"connections":[]}`,
		`{"schema_version":1,"clients":[{"id":"a","name":"A"},{"id":"a","name":"B"}]}`,
		`{"schema_version":1,"connections":[{"id":"c","name":"dangling","client_ref":"gone","status":"weird"}]}`,
		`{"schema_version":0}`, `{"schema_version":1.5}`, `{"schema_version":"1"}`, `{"schema_version":1e400}`,
		`{"schema_version":1,"clients":null,"connections":null}`,
		`{"schema_version":1,"clients":[{"id":"a","name":"\u0000\ud800","created_at":"0000-01-01T00:00:00-23:59"}]}`,
		"\xef\xbb\xbf{\"schema_version\":1}", "null", "{}", "[]", "", "\x00\xff", `{"schema_version":1`,
		`{"schema_version":1,"schema_version":2}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := fastTempDir(t)
		path := filepath.Join(dir, recordsName)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		kc := newMemKeychain()
		s, err := Open(dir, kc)
		if err != nil {
			t.Fatalf("Open failed instead of coping with the file: %v", err)
		}
		asides, _ := filepath.Glob(path + ".corrupt-*")
		now, readErr := os.ReadFile(path)

		switch {
		case len(asides) > 0:
			if len(asides) != 1 {
				t.Fatalf("moved aside %d times: %v", len(asides), asides)
			}
			if got, err := os.ReadFile(asides[0]); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("the copy moved aside is not the original bytes (err %v)", err)
			}
			if !errors.Is(readErr, os.ErrNotExist) {
				t.Fatalf("records.json still there after moving it aside (read err %v)", readErr)
			}
			if n := s.Notice(); !strings.Contains(n, asides[0]) {
				t.Fatalf("Notice %q does not say where the copy is", n)
			}
			if s.ReadOnly() || len(s.Clients()) != 0 || len(s.Connections()) != 0 {
				t.Fatal("after moving the file aside the store is not empty and writable")
			}
		default:
			if readErr != nil || !bytes.Equal(now, data) {
				t.Fatalf("Open changed the records file it kept (read err %v)", readErr)
			}
			if s.ReadOnly() != (s.Notice() != "") {
				t.Fatalf("read-only %v but notice %q", s.ReadOnly(), s.Notice())
			}
		}

		if s.ReadOnly() {
			_, err := s.SaveClient("", ClientSettings{Name: "Fuzz", ClientID: "f"}, "fuzz-secret")
			if !errors.Is(err, ErrReadOnly) {
				t.Fatalf("a change to read-only records gave %v, want ErrReadOnly", err)
			}
			if now, err := os.ReadFile(path); err != nil || !bytes.Equal(now, data) {
				t.Fatal("a refused change wrote the read-only file")
			}
			if len(kc.keys()) != 0 {
				t.Fatalf("a refused change left secrets in the keychain: %v", kc.keys())
			}
			return
		}

		// Whatever was loaded survives a change and a reopen.
		before := snapshot(t, s)
		name := "Fuzz client " + randomHex(t)
		added, err := s.SaveClient("", ClientSettings{Name: name, ClientID: "fuzz"}, "fuzz-secret")
		if err != nil {
			t.Fatalf("adding a client after loading failed: %v", err)
		}
		s2, err := Open(dir, kc)
		if err != nil || s2.Notice() != "" {
			t.Fatalf("reopening the file just written: %v, notice %q", err, s2.Notice())
		}
		if _, ok := s2.Client(added.ID); !ok {
			t.Fatal("the added client was lost")
		}
		if err := s2.DeleteClient(added.ID, false); err != nil {
			t.Fatalf("deleting the added client: %v", err)
		}
		if after := snapshot(t, s2); after != before {
			t.Fatalf("records changed across a save and reopen:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// snapshot is the loaded records as JSON: equal snapshots, equal records.
func snapshot(t *testing.T, s *Store) string {
	t.Helper()
	b, err := json.Marshal(struct {
		Clients     []Client
		Connections []Connection
	}{append([]Client{}, s.Clients()...), append([]Connection{}, s.Connections()...)})
	if err != nil {
		t.Fatalf("the loaded records can't be encoded again: %v", err)
	}
	return string(b)
}

// fastTempDir is a temporary folder in memory (/dev/shm) where there is one:
// every save flushes to disk, which on a real disk would cut the fuzzer to a
// few executions a second.
func fastTempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/dev/shm", "kantata-connect-fuzz-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
