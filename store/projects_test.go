package store

import (
	"strings"
	"testing"
	"time"
)

// A project count (0 included: omitempty must not drop it) and a failed
// count survive the records file and a fresh Open, and are deep copies.
func TestProjectCountRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	zero, many := 0, 42
	for _, tc := range []struct {
		name  string
		count ProjectCount
		file  []string // in records.json
	}{
		{"42 projects", ProjectCount{At: at, Visible: &many, Took: 120 * time.Millisecond},
			[]string{`"projects": {`, `"visible": 42`, `"took_ns": 120000000`, `"at": "2026-03-04T05:06:07Z"`}},
		{"no projects", ProjectCount{At: at, Visible: &zero},
			[]string{`"projects": {`, `"visible": 0`}},
		{"could not count", ProjectCount{At: at, Error: "Kantata is rate limiting requests.", ErrorDetail: "kind=rate_limited status=429"},
			[]string{`"error": "Kantata is rate limiting requests."`, `"error_detail": "kind=rate_limited status=429"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kc := newMemKeychain()
			dir := t.TempDir()
			s, err := Open(dir, kc)
			if err != nil {
				t.Fatal(err)
			}
			cl := addClient(t, s, "Acme", "acme-secret")
			conn := addConnection(t, s, "Production", cl.ID)
			if conn.Projects != nil {
				t.Fatalf("a new connection has a project count: %+v", conn.Projects)
			}
			count := tc.count
			var want *int
			if tc.count.Visible != nil {
				n := *tc.count.Visible
				m := n
				count.Visible, want = &n, &m
			}
			updated, err := s.RecordOutcome(conn.ID, func(c *Connection) { c.Projects = &count })
			if err != nil {
				t.Fatal(err)
			}
			if count.Visible != nil {
				*updated.Projects.Visible = 999 // must not reach the store's copy
				*count.Visible = 998            // nor may fn's own pointer
			}
			data := string(readFile(t, s.Path()))
			for _, want := range tc.file {
				if !strings.Contains(data, want) {
					t.Errorf("records file lacks %s:\n%s", want, data)
				}
			}
			if tc.count.Visible == nil && strings.Contains(data, `"visible"`) {
				t.Errorf("a failed count wrote a visible count:\n%s", data)
			}
			again, err := Open(dir, kc)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := again.Connection(conn.ID)
			mem, _ := s.Connection(conn.ID)
			for what, p := range map[string]*ProjectCount{"reopened": got.Projects, "in memory": mem.Projects} {
				if p == nil || !p.At.Equal(at) || p.Error != tc.count.Error || p.ErrorDetail != tc.count.ErrorDetail || p.Took != tc.count.Took {
					t.Fatalf("%s: projects = %+v, want %+v", what, p, tc.count)
				}
				if (p.Visible == nil) != (want == nil) || want != nil && *p.Visible != *want {
					t.Fatalf("%s: visible = %v, want %v", what, p.Visible, want)
				}
			}
		})
	}
}
