package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// TestWithBrowser runs the sign-ins with one real headless Chromium that
// clicks the stand-in Kantata's buttons, the way support staff's browser would.
func TestWithBrowser(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	t.Run("SupportFlow", func(t *testing.T) { testSupportFlow(t, b) })
	t.Run("NoBrowserThenVisit", func(t *testing.T) { testNoBrowserThenVisit(t, b) })
	t.Run("Denied", func(t *testing.T) { testDenied(t, b) })
}

// testSupportFlow is the whole support flow: add a client (secret on stdin),
// add a connection, authorize in the browser, test, revoke in Kantata, test
// again, delete.
func testSupportFlow(t *testing.T, b *browsertest.Browser) {
	h := newHarness(t)
	h.opener = b.Opener((*browsertest.Browser).Authorize)
	_, secret, _ := h.addClient("Acme app")
	if res := h.run("", "connection", "add", "Production", "--client", "Acme app"); res.code != 0 {
		t.Fatalf("connection add: %v", res)
	}

	res := h.run("", "authorize", "Production")
	if res.code != 0 {
		t.Fatalf("authorize: %v", res)
	}
	mustContain(t, "authorize", res.out, "Open this address in your browser to sign in to Kantata:\n  "+h.kantata.AuthURL()+"?",
		"Your browser is open", "Waiting for Kantata to send your browser back to http://127.0.0.1:", "/callback",
		"Authorized as Jane Doe <jane@example.com>\n")
	if page, err := b.LastResult(); err != nil || !strings.Contains(page, oauth.SuccessText) {
		t.Errorf("the browser ended on %q (%v); want the success page", page, err)
	}
	if got := b.Opened(); len(got) == 0 || !strings.Contains(res.out, got[len(got)-1]) {
		t.Error("the address the browser opened is not the one printed")
	}
	st := h.store()
	conn, _ := st.ConnectionByName("Production")
	tok, err := st.Token(conn.ID)
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("no token in the keychain after authorize: %v", err)
	}
	h.secret(tok.AccessToken)

	res = h.run("", "test", "Production")
	if res.code != 0 || res.out != "“Production” works: authorized as Jane Doe <jane@example.com> (Kantata user ID 12345)\nSees 42 projects.\n" {
		t.Errorf("test: %v", res)
	}
	res = h.run("", "test", "production", "--json")
	var ok struct {
		Connection string `json:"connection"`
		OK         bool   `json:"ok"`
		Status     string `json:"status"`
		StatusText string `json:"status_text"`
		User       *struct {
			ID       string `json:"id"`
			FullName string `json:"full_name"`
			Email    string `json:"email"`
		} `json:"user"`
		ProjectsVisible *int    `json:"projects_visible"`
		Error           any     `json:"error"`
		TestedAt        *string `json:"tested_at"`
	}
	if err := json.Unmarshal([]byte(res.out), &ok); err != nil || res.code != 0 {
		t.Fatalf("test --json: %v (%v)", res, err)
	}
	if ok.Connection != "Production" || !ok.OK || ok.Status != "authorized" || ok.StatusText != "Authorized as Jane Doe" ||
		ok.User == nil || ok.User.ID != "12345" || ok.User.FullName != "Jane Doe" || ok.User.Email != "jane@example.com" ||
		ok.ProjectsVisible == nil || *ok.ProjectsVisible != fakekantata.DefaultProjectCount || ok.Error != nil || ok.TestedAt == nil {
		t.Errorf("test --json = %+v", ok)
	}
	res = h.run("", "list")
	mustContain(t, "list", res.out, "Production", "Acme app", "Authorized as Jane Doe")

	// Kantata failing on its side is a failed check too, in plain words.
	h.kantata.SetMeMode(fakekantata.MeServerError)
	res = h.run("", "test", "Production", "--json")
	if res.code != 1 || !strings.Contains(res.out, `"kind": "server_error"`) || !strings.Contains(res.out, "problem on its side") {
		t.Errorf("test while Kantata fails: %v; want exit 1 with kind server_error", res)
	}
	// Signing in again would not help: no authorize command is suggested.
	res = h.run("", "test", "Production")
	if res.code != 1 || !strings.Contains(res.errOut, "problem on its side") || strings.Contains(res.errOut, "authorize") {
		t.Errorf("test while Kantata fails: %v; want exit 1, the reason and no authorize command", res)
	}
	h.kantata.SetMeMode(fakekantata.MeOK)

	// The user revokes the app's access in Kantata.
	h.kantata.RevokeAll()
	res = h.run("", "test", "Production")
	if res.code != 1 {
		t.Errorf("test after revocation: %v; want exit 1", res)
	}
	mustContain(t, "test after revocation", res.errOut, "it may have been revoked.\nRun: kantata-connect authorize Production\n",
		"Details: ", "status=401")
	res = h.run("", "test", "Production", "--json")
	var failed struct {
		OK     bool   `json:"ok"`
		Status string `json:"status"`
		User   any    `json:"user"`
		Error  *struct {
			Message string `json:"message"`
			Detail  string `json:"detail"`
			Kind    string `json:"kind"`
		} `json:"error"`
		TestedAt *string `json:"tested_at"`
	}
	if err := json.Unmarshal([]byte(res.out), &failed); err != nil || res.code != 1 {
		t.Fatalf("test --json after revocation: %v (%v)", res, err)
	}
	// Kantata refused the token at the test before: this one sends it
	// nowhere, and says why.
	if failed.OK || failed.Status != "needs_reauthorization" || failed.User != nil || failed.Error == nil ||
		failed.Error.Kind != "not_authorized" || !strings.HasSuffix(failed.Error.Message, "it may have been revoked.") ||
		failed.Error.Detail == "" || failed.TestedAt != nil {
		t.Errorf("test --json after revocation = %+v, error %+v", failed, failed.Error)
	}
	if res := h.run("", "list"); !strings.Contains(res.out, "Needs re-authorization") {
		t.Errorf("list after revocation: %v", res)
	}

	// Authorizing again brings it back; then a client edit (same secret,
	// new client ID) marks it as needing authorization again.
	if res := h.run("", "authorize", "Production"); res.code != 0 {
		t.Fatalf("authorize again: %v", res)
	}
	if res := h.run("", "test", "Production"); res.code != 0 {
		t.Errorf("test after authorizing again: %v", res)
	}
	if tok, err := h.store().Token(conn.ID); err == nil {
		h.secret(tok.AccessToken)
	}
	res = h.run(secret+"\n", "client", "edit", "Acme app", "--client-id", "another-id")
	if res.code != 0 || !strings.Contains(res.out, "These connections need to be authorized again: Production") {
		t.Errorf("client edit of a used client: %v", res)
	}

	res = h.run("", "delete", "connection", "Production")
	if res.code != 0 {
		t.Errorf("delete connection: %v", res)
	}
	if _, err := h.store().Token(conn.ID); err == nil {
		t.Error("the token is still in the keychain after delete")
	}
	if res := h.run("", "delete", "client", "Acme app"); res.code != 0 {
		t.Errorf("delete client: %v", res)
	}
	if res := h.run("", "list"); !strings.HasPrefix(res.out, "No connections yet. Add a client") {
		t.Errorf("list at the end: %v", res)
	}
}

// testNoBrowserThenVisit: with --no-browser only the address is printed;
// opening that address in a browser completes the sign-in.
func testNoBrowserThenVisit(t *testing.T, b *browsertest.Browser) {
	h := newHarness(t)
	h.opener = func(string) error { t.Error("--no-browser opened the browser"); return nil }
	h.addClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")

	r := h.start(context.Background(), "authorize", "Prod", "--no-browser")
	url := r.signInURL(t)
	r.out.waitFor(t, "Waiting for Kantata")
	page, err := b.Authorize(url)
	if err != nil || !strings.Contains(page, oauth.SuccessText) {
		t.Errorf("the browser ended on %q (%v); want the success page", page, err)
	}
	res := r.wait(t)
	if res.code != 0 || !strings.Contains(res.out, "Authorized as Jane Doe <jane@example.com>") {
		t.Errorf("authorize --no-browser: %v", res)
	}
	if strings.Contains(res.out+res.errOut, "Could not open") {
		t.Errorf("--no-browser reported a browser problem: %v", res)
	}
	st := h.store()
	conn, _ := st.ConnectionByName("Prod")
	if tok, err := st.Token(conn.ID); err == nil {
		h.secret(tok.AccessToken)
	} else {
		t.Errorf("no token after authorize --no-browser: %v", err)
	}
}

// testDenied: clicking Deny in Kantata is a failed sign-in (exit 1).
func testDenied(t *testing.T, b *browsertest.Browser) {
	h := newHarness(t)
	h.opener = b.Opener((*browsertest.Browser).Deny)
	h.addClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")
	res := h.run("", "authorize", "Prod")
	if res.code != 1 {
		t.Errorf("denied authorize: %v; want exit 1", res)
	}
	mustContain(t, "denied authorize", res.errOut, "You chose not to authorize Kantata Connect in Kantata.\nRun: kantata-connect authorize Prod\n")
	if c, _ := h.store().ConnectionByName("Prod"); c.Status != store.StatusFailed {
		t.Errorf("status after deny = %q; want failed", c.Status)
	}
}
