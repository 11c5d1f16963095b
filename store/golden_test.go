package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// records.json is a documented format: a file written by an earlier build
// must read back and be written again byte for byte, so a change to the Go
// types can't rename, reorder or drop a field unnoticed. A version 1 file
// (before the callback kind) reads as loopback clients and is written as
// the version 2 golden file.
func TestRecordsFileGolden(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("testdata", "records.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"records.golden.json", "records.v1.json"} {
		t.Run(from, func(t *testing.T) { rewritesAs(t, from, golden) })
	}
	// A client of kind app-link (the app's own link) is kept as it is.
	t.Run("records.applink.golden.json", func(t *testing.T) {
		appLink, err := os.ReadFile(filepath.Join("testdata", "records.applink.golden.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(appLink, []byte(`"callback": "app-link"`)) {
			t.Fatal("the app-link golden file holds no app-link client")
		}
		rewritesAs(t, "records.applink.golden.json", appLink)
	})
}

func rewritesAs(t *testing.T, from string, golden []byte) {
	old, err := os.ReadFile(filepath.Join("testdata", from))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, recordsName), old, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir, newMemKeychain())
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Notice(); n != "" {
		t.Fatalf("the golden file was not used as it is: %s", n)
	}
	if got := len(s.Clients()) + len(s.Connections()); got != 5 {
		t.Fatalf("read %d records from the golden file, want 5", got)
	}
	s.opMu.Lock()
	s.data.SchemaVersion = SchemaVersion // as every write does (update)
	err = s.writeFile(s.data)
	s.opMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(filepath.Join(dir, recordsName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(written, golden) {
		t.Errorf("records.json written differs from testdata/records.golden.json:\n%s", written)
	}
}
