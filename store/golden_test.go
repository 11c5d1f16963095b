package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// records.json is a documented format: a file written by an earlier build
// must read back and be written again byte for byte, so a change to the Go
// types can't rename, reorder or drop a field unnoticed.
func TestRecordsFileGolden(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("testdata", "records.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, recordsName), golden, 0o600); err != nil {
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
