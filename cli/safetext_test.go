package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/store"
)

// Text a hostile or broken server could send: a title change, a screen
// clear, a fake link (OSC 8), an 8-bit CSI, a bidi override, a zero-width
// space.
const (
	hostileName  = "\x1b]0;pwned\x07Jane \x1b]8;;http://evil.example\x1b\\Doe\x1b]8;;\x1b\\ \u202eeoD\u202c\u200b \u009b31m\x1b[2J"
	hostileEmail = "jane\u202e@example.com\x1b[8m"
	hostileError = "Invalid \x1b]0;pwned\x07OAuth \x1b[2J\u202eRequest\u202c \x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\ \u009b31m zero\u200bwidth"
)

// terminalUnsafe names the first character in s a terminal would obey, or
// that reorders or hides text: anything but line breaks among the controls
// (C0, DEL, C1), bidi controls, zero-width characters, line and paragraph
// separators, and bytes that are not UTF-8. It is written out here rather
// than calling safetext, so that it checks safetext too.
func terminalUnsafe(s string) string {
	if !utf8.ValidString(s) {
		return "bytes that are not UTF-8"
	}
	for i, r := range s {
		switch {
		case r == '\n':
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c,
			r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff, r == 0x2028, r == 0x2029:
			return fmt.Sprintf("%U at byte %d, in %q", r, i, s[max(0, i-40):min(len(s), i+40)])
		}
	}
	return ""
}

// mustBeSafe fails when the output of a command holds what terminalUnsafe
// finds.
func mustBeSafe(t *testing.T, what string, res result) {
	t.Helper()
	if u := terminalUnsafe(res.out + res.errOut); u != "" {
		t.Errorf("%s printed %s\n%s", what, u, quoted(res))
	}
}

// quoted shows a result with its text quoted: the test log is a terminal too.
func quoted(res result) string {
	return fmt.Sprintf("exit %d\nstdout: %q\nstderr: %q", res.code, res.out, res.errOut)
}

// recordsMustBeSafe fails when a value in records.json holds what
// terminalUnsafe finds (encoding/json writes ESC as \u001b, so the file's
// bytes alone would not tell).
func recordsMustBeSafe(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "records.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case string:
			if u := terminalUnsafe(v); u != "" {
				t.Errorf("records.json %s holds %s", path, u)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), x)
			}
		case map[string]any:
			for k, x := range v {
				walk(path+"."+k, x)
			}
		}
	}
	walk("", doc)
}

// A Kantata user whose name and email hold escape sequences and bidi
// overrides: every command that shows the user prints them harmless, and the
// records keep them harmless, while the words stay.
func TestHostileUserNameNeverReachesTheTerminal(t *testing.T) {
	h := newHarness(t)
	h.kantata.SetUser("4\x1b[2J2", hostileName, hostileEmail)
	h.addAt(h.kantata, "Prod", "", true)
	for _, args := range [][]string{
		{"test", "Prod"}, {"test", "Prod", "--json"}, {"test", "--all"}, {"test", "--all", "--json"},
		{"list"}, {"list", "--json"}, {"diagnose", "Prod"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			res := h.run("", args...)
			if res.code != 0 {
				t.Fatalf("%s", quoted(res))
			}
			mustBeSafe(t, strings.Join(args, " "), res)
			mustContain(t, strings.Join(args, " "), res.out, "Jane", "Doe")
		})
	}
	recordsMustBeSafe(t, h.dir)
}

// An error message from Kantata holding escape sequences and bidi overrides
// reaches "Details:" harmless, with the detail's own line breaks kept, and
// the records keep it harmless.
func TestHostileErrorTextNeverReachesTheTerminal(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode fakekantata.MeMode
		kind string
	}{
		{"server error", fakekantata.MeServerError, "kind=server_error"},
		{"token refused", fakekantata.MeUnauthorized, "kind=rejected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.addAt(h.kantata, "Prod", "", true)
			h.kantata.SetMeErrorMessage(hostileError)
			h.kantata.SetMeMode(tc.mode)

			res := h.run("", "test", "Prod")
			if res.code != 1 {
				t.Fatalf("%s\nwant exit 1", quoted(res))
			}
			mustBeSafe(t, "test", res)
			// The detail is two lines (the error, then its kind); the
			// second stays under the first.
			mustContain(t, "test", res.errOut, "Details: ", "Invalid", "OAuth", "Request", "\n         "+tc.kind)
			for _, args := range [][]string{{"test", "Prod", "--json"}, {"test", "--all"}, {"test", "--all", "--json"}, {"list"}, {"list", "--json"}, {"diagnose", "Prod"}} {
				mustBeSafe(t, strings.Join(args, " "), h.run("", args...))
			}
			recordsMustBeSafe(t, h.dir)
		})
	}
}

// Records written before text was made safe where it enters (or edited by
// hand) may still hold escape sequences: the command line prints them
// harmless all the same.
func TestUnsafeTextInOldRecordsNeverReachesTheTerminal(t *testing.T) {
	h := newHarness(t)
	h.addAt(h.kantata, "Prod", "", true)
	h.addAt(h.kantata, "Failing", "", true)
	st := h.store()
	prod, _ := st.ConnectionByName("Prod")
	failing, _ := st.ConnectionByName("Failing")
	at := time.Now()
	if _, err := st.RecordOutcome(prod.ID, func(c *store.Connection) {
		c.Identity = &store.Identity{UserID: "4\x1b[2J2", FullName: hostileName, Email: hostileEmail}
		c.LastTestedAt = &at
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordOutcome(failing.ID, func(c *store.Connection) {
		c.Status, c.LastTestedAt = store.StatusFailed, &at
		c.LastError = hostileError
		c.LastErrorDetail = "GET /api/v1/users/me.json: " + hostileError + "\nkind=server_error: " + hostileError
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args  []string
		words []string
	}{
		{[]string{"list"}, []string{"Jane", "Doe", "Invalid", "OAuth"}},
		{[]string{"list", "--json"}, []string{"Jane", "Doe", "Invalid", "OAuth"}},
		{[]string{"diagnose", "Prod"}, []string{"Jane", "Doe", "jane", "example.com"}},
		{[]string{"diagnose", "Failing"}, []string{"Invalid", "OAuth", "\n      kind=server_error: Invalid"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := h.run("", tc.args...)
			if res.code != 0 {
				t.Fatalf("%s", quoted(res))
			}
			mustBeSafe(t, strings.Join(tc.args, " "), res)
			mustContain(t, strings.Join(tc.args, " "), res.out, tc.words...)
		})
	}
	// The list --json output is still JSON, with the words in it.
	var out struct {
		Connections []struct {
			Name string `json:"name"`
			User *struct {
				FullName string `json:"full_name"`
			} `json:"user"`
		} `json:"connections"`
	}
	res := h.run("", "list", "--json")
	if err := json.Unmarshal([]byte(res.out), &out); err != nil {
		t.Fatalf("list --json is no longer JSON: %v\n%q", err, res.out)
	}
	for _, c := range out.Connections {
		if c.Name == "Prod" && (c.User == nil || !strings.Contains(c.User.FullName, "Jane")) {
			t.Errorf("list --json lost the user's name: %+v", c.User)
		}
	}
}

// Names are checked before anything is asked: one holding an invisible
// character is refused with the name of that character.
func TestConnectionNameWithInvisibleCharacterRefused(t *testing.T) {
	h := newHarness(t)
	h.addClient("Acme")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"add with a zero-width joiner", []string{"connection", "add", "Pro\u200dd", "--client", "Acme"},
			"Names can't contain the invisible character U+200D (zero-width joiner)."},
		{"add with a right-to-left override", []string{"connection", "add", "\u202edorP", "--client", "Acme"},
			"Names can't contain the invisible character U+202E (right-to-left override)."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := h.run("", tc.args...)
			if res.code != 2 || !strings.Contains(res.errOut, tc.want) {
				t.Errorf("%s\nwant exit 2 saying %q", quoted(res), tc.want)
			}
			mustBeSafe(t, tc.name, res)
		})
	}
	if n := len(h.store().Connections()); n != 0 {
		t.Errorf("%d connections saved, want none", n)
	}
}
