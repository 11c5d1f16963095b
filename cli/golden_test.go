package cli_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current output")

// The JSON the command line prints and the setup files it writes are
// documented formats: scripts and other computers read them. Each is pinned
// byte for byte by a golden file, over a records file pinned by the store's
// own golden test.
func TestJSONGolden(t *testing.T) {
	// exported_at is the time of the export: the one value a run can't fix.
	exportedAt := regexp.MustCompile(`"exported_at": "[^"]*"`)
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		golden  string
		records string // in ../store/testdata; "" is records.golden.json
	}{
		{"list --json", []string{"list", "--json"}, 0, "list.golden.json", ""},
		{"test --json of a never-authorized connection", []string{"test", "Staging", "--json"}, 1, "test-not-authorized.golden.json", ""},
		{"export to standard output", []string{"export", "-"}, 0, "export.golden.json", ""},
		// A client of kind app-link, with the app's own link as its callback URL.
		{"list --json with an app-link client", []string{"list", "--json"}, 0, "list.applink.golden.json", "records.applink.golden.json"},
		{"export of an app-link client", []string{"export", "-"}, 0, "export.applink.golden.json", "records.applink.golden.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.records == "" {
				tc.records = "records.golden.json"
			}
			records, err := os.ReadFile(filepath.Join("..", "store", "testdata", tc.records))
			if err != nil {
				t.Fatal(err)
			}
			h := newHarness(t)
			if err := os.WriteFile(filepath.Join(h.dir, "records.json"), records, 0o600); err != nil {
				t.Fatal(err)
			}
			res := h.run("", tc.args...)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d: %v", res.code, tc.code, res)
			}
			got := exportedAt.ReplaceAllString(res.out, `"exported_at": "(the time of the export)"`)
			path := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./cli -run Golden -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("%s prints something else than %s:\n%s", tc.name, path, got)
			}
		})
	}
}
