package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// addAt saves, through the CLI, a client registered at k (its API base
// apiURL, or k's) and a connection NAME using it. authorized gives the
// connection a real token from k, as a sign-in would have.
func (h *harness) addAt(k *fakekantata.Server, name, apiURL string, authorized bool) {
	h.t.Helper()
	clientID, secret, port := "client-"+testenv.RandomHex(h.t), "s3cr3t-"+testenv.RandomHex(h.t)+testenv.RandomHex(h.t), testenv.FreePort(h.t)
	h.secret(secret)
	k.AddClient(clientID, secret, oauth.RedirectURI(port))
	if apiURL == "" {
		apiURL = k.APIBaseURL()
	}
	res := h.run(secret+"\n", "client", "add", name+" client", "--client-id", clientID,
		"--auth-url", k.AuthURL(), "--token-url", k.TokenURL(), "--api-url", apiURL, "--redirect-port", strconv.Itoa(port))
	if res.code != 0 {
		h.t.Fatalf("client add: %v", res)
	}
	if res := h.run("", "connection", "add", name, "--client", name+" client"); res.code != 0 {
		h.t.Fatalf("connection add: %v", res)
	}
	if !authorized {
		return
	}
	tok := k.IssueToken(h.t, clientID, secret, oauth.RedirectURI(port))
	h.secret(tok)
	st := h.store()
	conn, _ := st.ConnectionByName(name)
	if err := st.SaveToken(conn.ID, store.Token{AccessToken: tok}); err != nil {
		h.t.Fatal(err)
	}
	at := time.Now()
	if _, err := st.RecordOutcome(conn.ID, func(c *store.Connection) {
		c.Status, c.LastAuthorizedAt = store.StatusAuthorized, &at
	}); err != nil {
		h.t.Fatal(err)
	}
}

type testAllOutput struct {
	Results []struct {
		Connection string `json:"connection"`
		OK         bool   `json:"ok"`
		Status     string `json:"status"`
		StatusText string `json:"status_text"`
		User       *struct {
			FullName string `json:"full_name"`
		} `json:"user"`
		Error *struct {
			Message string `json:"message"`
			Detail  string `json:"detail"`
			Kind    string `json:"kind"`
		} `json:"error"`
		TestedAt *string `json:"tested_at"`
		Skipped  *bool   `json:"skipped"`
	} `json:"results"`
	Summary map[string]int `json:"summary"`
}

var passedFailed = regexp.MustCompile(`\d+ passed, \d+ failed`)

func TestTestAll(t *testing.T) {
	h := newHarness(t)
	revoked := fakekantata.New(t)
	h.addAt(h.kantata, "Good", "", true)
	h.addAt(revoked, "Revoked", "", true)
	h.addAt(h.kantata, "Unreachable", fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)), true)
	h.addAt(h.kantata, "New", "", false)
	revoked.RevokeAll()

	res := h.run("", "test", "--all")
	if res.code != 1 {
		t.Errorf("test --all with failures: %v; want exit 1", res)
	}
	lines := strings.Split(res.out, "\n")
	if len(lines) < 4 {
		t.Fatalf("test --all: %v", res)
	}
	for i, want := range []*regexp.Regexp{
		regexp.MustCompile(`^Good +works +Jane Doe <jane@example.com> · sees 42 projects$`),
		regexp.MustCompile(`^New +skipped +not authorized yet$`),
		regexp.MustCompile(`^Revoked +failed +Kantata no longer accepts this connection's authorization — it may have been revoked\.$`),
		regexp.MustCompile(`^Unreachable +failed +Could not reach Kantata\.$`),
	} {
		if !want.MatchString(lines[i]) {
			t.Errorf("line %d = %q; want %s", i+1, lines[i], want)
		}
	}
	mustContain(t, "test --all", res.out, "\n1 of 3 connections work.\n",
		"Not tested, never authorized: New. Sign in with: kantata-connect authorize New\n",
		"For the details: kantata-connect test NAME")
	if passedFailed.MatchString(res.out + res.errOut) {
		t.Errorf("test --all printed an \"N passed, N failed\" line: %v", res)
	}
	mustContain(t, "test --all", res.errOut, "Testing 3 connections...")

	// Each outcome was recorded, as test NAME does.
	if res := h.run("", "list"); !strings.Contains(res.out, "Needs re-authorization") || !strings.Contains(res.out, "Failed: Could not reach Kantata.") {
		t.Errorf("list after test --all: %v", res)
	}

	// Revoked now needs a new sign-in: its token is sent nowhere (issue 19).
	revokedRequests := revoked.MeRequests()
	res = h.run("", "test", "--all", "--json")
	var out testAllOutput
	if err := json.Unmarshal([]byte(res.out), &out); err != nil || res.code != 1 {
		t.Fatalf("test --all --json: %v (%v)", res, err)
	}
	if n := revoked.MeRequests() - revokedRequests; n != 0 {
		t.Errorf("a connection needing a new sign-in sent its token %d times", n)
	}
	if want := map[string]int{"total": 4, "passed": 1, "failed": 1, "skipped": 2}; fmt.Sprint(out.Summary) != fmt.Sprint(want) {
		t.Errorf("summary = %v; want %v", out.Summary, want)
	}
	if len(out.Results) != 4 {
		t.Fatalf("results: %+v", out.Results)
	}
	for i, want := range []struct {
		name, status, kind string
		ok, skipped, when  bool
	}{
		{"Good", "authorized", "", true, false, true},
		{"New", "never_authorized", "not_authorized", false, true, false},
		{"Revoked", "needs_reauthorization", "not_authorized", false, true, false},
		{"Unreachable", "failed", "network", false, false, true},
	} {
		r := out.Results[i]
		kind := ""
		if r.Error != nil {
			kind = r.Error.Kind
			if r.Error.Message == "" || r.Error.Detail == "" {
				t.Errorf("%s: error without message or detail: %+v", r.Connection, r.Error)
			}
		}
		if r.Connection != want.name || r.Status != want.status || kind != want.kind || r.OK != want.ok ||
			r.Skipped == nil || *r.Skipped != want.skipped || (r.TestedAt != nil) != want.when || r.StatusText == "" {
			t.Errorf("result %d = %+v; want %+v", i, r, want)
		}
	}
	if u := out.Results[0].User; u == nil || u.FullName != "Jane Doe" {
		t.Errorf("Good's user = %+v", u)
	}

	// Only the working one left, and the new one: every tested one works.
	h.run("", "delete", "connection", "Revoked")
	h.run("", "delete", "connection", "Unreachable")
	res = h.run("", "test", "--all")
	if res.code != 0 || !strings.Contains(res.out, "\n1 of 1 connection works.\n") || strings.Contains(res.out, "For the details") {
		t.Errorf("test --all when every tested one works: %v; want exit 0", res)
	}

	if res := h.run("", "test", "--all", "Good"); res.code != 2 || !strings.Contains(res.errOut, "takes no NAME") {
		t.Errorf("test --all NAME: %v; want a usage error", res)
	}
}

func TestTestAllNoKeychainIsALocalProblem(t *testing.T) {
	h := newHarness(t)
	h.addAt(h.kantata, "Good", "", true)
	env := h.env("", &watched{}, &watched{})
	env.Keychain = nil
	res := h.runEnv(context.Background(), env, "test", "--all")
	if res.code != 2 || !strings.Contains(res.out, "Good") || !strings.Contains(res.out, "failed") {
		t.Errorf("test --all without a keychain: %v; want exit 2 with the connection failed", res)
	}
}

func TestTestAllNothingToTest(t *testing.T) {
	h := newHarness(t)
	res := h.run("", "test", "--all")
	if res.code != 0 || !strings.HasPrefix(res.out, "No connections yet.") {
		t.Errorf("test --all with no connections: %v", res)
	}
	res = h.run("", "test", "--all", "--json")
	if res.code != 0 || !strings.Contains(res.out, `"results": []`) || !strings.Contains(res.out, `"total": 0`) {
		t.Errorf("test --all --json with no connections: %v", res)
	}
	h.addAt(h.kantata, "New", "", false)
	res = h.run("", "test", "--all")
	if res.code != 0 || !strings.Contains(res.out, "No connection has been authorized yet, so none was tested.") {
		t.Errorf("test --all with only a new connection: %v", res)
	}
}

// The callback URL registered in Kantata is not the app's: Kantata shows its
// own error page, never sends the browser back; the hint comes while
// authorize waits, then the timeout names the callback URL.
func TestAuthorizeCallbackHint(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	t.Run("NotRegistered", func(t *testing.T) {
		h := newHarness(t)
		h.opener = b.Opener((*browsertest.Browser).Authorize)
		clientID, secret, port := h.addClient("Acme")
		h.kantata.AddClient(clientID, secret, "http://127.0.0.1:1/callback") // registered: another URL
		h.run("", "connection", "add", "Prod", "--client", "Acme")
		callback := oauth.RedirectURI(port)

		r := h.start(context.Background(), "authorize", "Prod", "--hint-after", "200ms", "--timeout", "3s")
		r.errOut.waitFor(t, "Still waiting.")
		res := r.wait(t)
		if res.code != 1 {
			t.Errorf("authorize with an unregistered callback: %v; want exit 1", res)
		}
		hint := strings.Index(res.errOut, "Still waiting. If Kantata showed an error page")
		timeout := strings.Index(res.errOut, "No answer came from your browser")
		if hint < 0 || timeout < 0 || hint > timeout {
			t.Errorf("want the hint, then the timeout, on stderr: %v", res)
		}
		mustContain(t, "the hint", res.errOut[hint:timeout], callback, "Settings > API > registered applications", "Ctrl-C")
		mustContain(t, "the timeout", res.errOut[timeout:], callback, "callback URL")
		if page, err := b.LastResult(); err == nil || !strings.Contains(page, "invalid_redirect_uri") {
			t.Errorf("browser ended on %q (%v); want Kantata's error page", page, err)
		}
	})
	t.Run("SignInFinishesFirst", func(t *testing.T) {
		h := newHarness(t)
		h.opener = b.Opener((*browsertest.Browser).Authorize)
		h.addClient("Acme")
		h.run("", "connection", "add", "Prod", "--client", "Acme")
		res := h.run("", "authorize", "Prod", "--hint-after", "10s")
		if res.code != 0 || strings.Contains(res.out+res.errOut, "Still waiting") {
			t.Errorf("authorize that finishes first: %v; want exit 0 without the hint", res)
		}
		st := h.store()
		conn, _ := st.ConnectionByName("Prod")
		if tok, err := st.Token(conn.ID); err == nil {
			h.secret(tok.AccessToken)
		}
	})
}

// --hint-after is checked and documented; no browser needed, so it runs in
// the fast loop too.
func TestAuthorizeHintAfterUsage(t *testing.T) {
	h := newHarness(t)
	if res := h.run("", "authorize", "Prod", "--hint-after", "0s"); res.code != 2 || !strings.Contains(res.errOut, "--hint-after must be") {
		t.Errorf("--hint-after 0s: %v; want a usage error", res)
	}
	if res := h.run("", "help", "authorize"); !strings.Contains(res.out, "--hint-after DURATION") {
		t.Errorf("help authorize does not document --hint-after: %v", res)
	}
}
