package cli_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
)

// test NAME prints the count on a line of its own, and test --json gives it
// as projects_visible: a number, or null when it could not be counted. A
// count that fails never fails the test (exit 0). One case per answer of the
// stand-in's workspaces list.
func TestTestPrintsProjects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(k *fakekantata.Server)
		line    string // stdout's second line
		errOut  []string
		visible any // projects_visible: float64 or nil
	}{
		{"42 projects", func(k *fakekantata.Server) { k.SetProjectCount(42) }, "Sees 42 projects.", nil, 42.0},
		{"one project", func(k *fakekantata.Server) { k.SetProjectCount(1) }, "Sees 1 project.", nil, 1.0},
		{"no projects", func(k *fakekantata.Server) { k.SetProjectCount(0) }, "Sees no projects.",
			[]string{"This user sees no projects in Kantata: an integration using this connection will find nothing.",
				"To sign in as another user: kantata-connect authorize Prod\n"}, 0.0},
		{"429 once, then counted", func(k *fakekantata.Server) {
			k.SetWorkspacesMode(fakekantata.WorkspacesRateLimited)
			k.SetWorkspacesRateLimitCount(1)
		}, "Sees 42 projects.", nil, 42.0},
		{"401", func(k *fakekantata.Server) { k.SetWorkspacesMode(fakekantata.WorkspacesUnauthorized) },
			"Couldn't count projects: Kantata refused to list the projects, though it accepted this authorization to say who the user is.",
			[]string{"Details: ", "kind=rejected status=401", "/api/v1/workspaces.json"}, nil},
		{"500", func(k *fakekantata.Server) { k.SetWorkspacesMode(fakekantata.WorkspacesServerError) },
			"Couldn't count projects: Kantata had a problem on its side. Try again in a few minutes.",
			[]string{"Details: ", "kind=server_error status=500"}, nil},
		{"garbage", func(k *fakekantata.Server) { k.SetWorkspacesMode(fakekantata.WorkspacesGarbage) },
			"Couldn't count projects: Kantata's answer was not the list of projects this app expected.",
			[]string{"Details: ", "kind=bad_response status=200", "not Kantata's list JSON"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.addAt(h.kantata, "Prod", "", true)
			tc.setup(h.kantata)

			res := h.run("", "test", "Prod")
			lines := strings.Split(res.out, "\n")
			if res.code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "“Prod” works: authorized as Jane Doe") ||
				!strings.HasPrefix(lines[1], tc.line) {
				t.Fatalf("test Prod: %v\nwant exit 0 and the count on the second line: %s", res, tc.line)
			}
			mustContain(t, "test Prod's stderr", res.errOut, tc.errOut...)
			if tc.errOut == nil && res.errOut != "" {
				t.Errorf("test Prod wrote to stderr: %q", res.errOut)
			}

			tc.setup(h.kantata) // a 429 counted down is set again
			res = h.run("", "test", "Prod", "--json")
			var got map[string]any
			if err := json.Unmarshal([]byte(res.out), &got); err != nil || res.code != 0 {
				t.Fatalf("test --json: %v (%v)", res, err)
			}
			if v, ok := got["projects_visible"]; !ok || v != tc.visible || got["ok"] != true || got["error"] != nil {
				t.Errorf("test --json: projects_visible %v (present %v), ok %v, error %v; want %v, true, null",
					v, ok, got["ok"], got["error"], tc.visible)
			}
		})
	}
}

// A failed test has no count to give, even one kept from an earlier test.
func TestTestJSONFailedHasNoProjects(t *testing.T) {
	h := newHarness(t)
	h.addAt(h.kantata, "Prod", "", true)
	if res := h.run("", "test", "Prod"); res.code != 0 {
		t.Fatalf("first test: %v", res)
	}
	h.kantata.SetMeMode(fakekantata.MeServerError)
	res := h.run("", "test", "Prod", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(res.out), &got); err != nil || res.code != 1 {
		t.Fatalf("test --json: %v (%v)", res, err)
	}
	if v, ok := got["projects_visible"]; !ok || v != nil {
		t.Errorf("projects_visible = %v (present %v); want null for a failed test", v, ok)
	}
	res = h.run("", "test", "Prod")
	if strings.Contains(res.out+res.errOut, "projects") {
		t.Errorf("a failed test speaks of projects: %v", res)
	}
}

// test --all shows each row's count, names the connections whose user sees
// none, and test --all --json gives each result its projects_visible.
func TestTestAllPrintsProjects(t *testing.T) {
	h := newHarness(t)
	none, failing := fakekantata.New(t), fakekantata.New(t)
	none.SetProjectCount(0)
	failing.SetWorkspacesMode(fakekantata.WorkspacesServerError)
	h.addAt(h.kantata, "Alpha", "", true)
	h.addAt(none, "Bravo", "", true)
	h.addAt(failing, "Charlie", "", true)
	h.addAt(h.kantata, "Delta", "", false)

	res := h.run("", "test", "--all")
	if res.code != 0 {
		t.Errorf("test --all: %v; want exit 0, a count never fails a test", res)
	}
	lines := strings.Split(res.out, "\n")
	for i, want := range []*regexp.Regexp{
		regexp.MustCompile(`^Alpha +works +Jane Doe <jane@example.com> · sees 42 projects$`),
		regexp.MustCompile(`^Bravo +works +Jane Doe <jane@example.com> · sees no projects$`),
		regexp.MustCompile(`^Charlie +works +Jane Doe <jane@example.com> · couldn't count projects$`),
		regexp.MustCompile(`^Delta +skipped +not authorized yet$`),
	} {
		if i >= len(lines) || !want.MatchString(lines[i]) {
			t.Errorf("line %d = %q; want %s\n%v", i+1, lines[min(i, len(lines)-1)], want, res)
		}
	}
	mustContain(t, "test --all", res.out, "\n3 of 3 connections work.\n",
		"Works but sees no projects in Kantata: Bravo. An integration using it will find nothing. "+
			"To sign in as another user: kantata-connect authorize Bravo\n",
		"Why the projects could not be counted: kantata-connect test Charlie\n")

	res = h.run("", "test", "--all", "--json")
	var out struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(res.out), &out); err != nil || res.code != 0 || len(out.Results) != 4 {
		t.Fatalf("test --all --json: %v (%v)", res, err)
	}
	for i, want := range []any{42.0, 0.0, nil, nil} {
		r := out.Results[i]
		if v, ok := r["projects_visible"]; !ok || v != want {
			t.Errorf("%s: projects_visible = %v (present %v); want %v", r["connection"], v, ok, want)
		}
	}
}
