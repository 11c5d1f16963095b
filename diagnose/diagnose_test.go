package diagnose_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/diagnose"
	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/connecttest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/safetext"
	"github.com/kantata-connect/kantata-connect/store"
)

// diagnosis is a fixture whose client has a fresh random secret and whose
// stand-in Kantata also issues refresh tokens, and which remembers every
// secret the test saw, so each report can be searched for them.
type diagnosis struct {
	*connecttest.Fixture
	client  store.Client
	secrets []string
}

func newDiagnosis(t *testing.T, b *browsertest.Browser) *diagnosis {
	t.Helper()
	f := connecttest.New(t, b)
	client, _ := f.Store.Client(f.Conn.ClientRef)
	clientSecret := "kc-" + testenv.RandomHex(t) + testenv.RandomHex(t)
	client, err := f.Store.SaveClient(client.ID, client.ClientSettings, clientSecret)
	if err != nil {
		t.Fatal(err)
	}
	f.Kantata.AddClient(client.ClientID, clientSecret, client.RedirectURI())
	f.Kantata.SetIssueRefreshToken(true)
	// The desktop name comes from the environment; set one to look for.
	t.Setenv("XDG_CURRENT_DESKTOP", "TestDesk:GNOME")
	return &diagnosis{Fixture: f, client: client, secrets: []string{clientSecret}}
}

// signIn runs a sign-in in the browser and remembers the tokens it left and
// the code and PKCE verifier the token request carried.
func (d *diagnosis) signIn(t *testing.T) (store.Connection, error) {
	t.Helper()
	conn, err := d.Svc.Authorize(context.Background(), d.Conn.ID, connect.AuthorizeOptions{Timeout: time.Minute}, nil)
	if form, _ := d.Kantata.LastTokenRequest(); form != nil {
		d.secrets = append(d.secrets, form.Get("code"), form.Get("code_verifier"))
	}
	if tok, terr := d.Store.Token(d.Conn.ID); terr == nil {
		d.secrets = append(d.secrets, tok.AccessToken, tok.RefreshToken)
	}
	return conn, err
}

// report builds the report and fails the test if it holds any stretch of 8
// or more characters of any secret seen so far.
func (d *diagnosis) report(t *testing.T, st *store.Store) string {
	t.Helper()
	if st == nil {
		st = d.Store
	}
	rep, err := diagnose.Report(context.Background(), st, d.Conn.ID, diagnose.Options{Version: "9.8.7 (build 6)"})
	if err != nil {
		t.Fatalf("Diagnose: %v", err)
	}
	assertNoSecretPart(t, rep, d.secrets)
	return rep
}

// assertNoSecretPart fails if text holds a substring of 8 or more characters
// of a secret (every longer one contains an 8-character one).
func assertNoSecretPart(t *testing.T, text string, secrets []string) {
	t.Helper()
	const minRun = 8
	for n, s := range secrets {
		if s == "" {
			continue
		}
		if len(s) < minRun {
			t.Fatalf("secret %d is shorter than %d characters: the search would prove little", n, minRun)
		}
		for i := 0; i+minRun <= len(s); i++ {
			if strings.Contains(text, s[i:i+minRun]) {
				// Masked, so the test log does not carry the secret either.
				t.Fatalf("the report holds part of secret %d:\n%s", n, strings.ReplaceAll(text, s[i:i+minRun], "[PART OF A SECRET]"))
			}
		}
	}
}

func mustSay(t *testing.T, what, text string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(text, s) {
			t.Errorf("%s does not say %q:\n%s", what, s, text)
		}
	}
}

func mustNotSay(t *testing.T, what, text string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(text, s) {
			t.Errorf("%s says %q:\n%s", what, s, text)
		}
	}
}

// TestDiagnoseEveryState builds a report for each state a connection goes
// through with a real browser, keychain and stand-in Kantata, checks what
// each says, and searches each for every secret, code and token.
func TestDiagnoseEveryState(t *testing.T) {
	testenv.RealPartsOnly(t, "a headless Chromium and the real keychain")
	testenv.LinuxOnly(t, "a headless Chromium")
	b := browsertest.New(t)
	d := newDiagnosis(t, b)

	// Never authorized.
	rep := d.report(t, nil)
	mustSay(t, "never-authorized report", rep,
		"Version:                 9.8.7 (build 6)",
		"OS:                      "+runtime.GOOS+"/"+runtime.GOARCH,
		"Backend:                 Secret Service over D-Bus",
		"Client secret read:      ok in ",
		"Access token:            none in the keychain",
		"OAuth 2.0 client “Test client”",
		"Client ID:               "+d.client.ClientID,
		"Authorization URL:       "+d.Kantata.AuthURL(),
		"Access token URL:        "+d.Kantata.TokenURL(),
		"API base URL:            "+d.Kantata.APIBaseURL(),
		"Kantata's answer:        back to this app on the loopback callback URL (loopback)",
		"Callback URL:            "+d.client.RedirectURI(),
		"Client authentication:   request body (client_secret_post)",
		"PKCE:                    on (S256)",
		"Connection “Production”",
		"Status:                  Not authorized yet (never_authorized)",
		"Kantata user:            unknown",
		"Projects visible:        not counted yet",
		"Last authorized:         never",
		"Last error:              none",
		"Last sign-in:            none recorded",
		"Last test:               none recorded",
	)
	if runtime.GOOS == "linux" {
		mustSay(t, "report", rep, "Desktop:                 TestDesk:GNOME", "Answered by:             gnome-keyring-daemon (process ")
		if pretty := osReleasePrettyName(t); pretty != "" {
			mustSay(t, "report", rep, "Distribution:            "+pretty)
		}
	}

	// Authorized, through a real sign-in in the browser, then tested.
	conn, err := d.signIn(t)
	if err != nil || conn.Status != store.StatusAuthorized {
		t.Fatalf("sign-in: %v (status %q)", err, conn.Status)
	}
	if len(d.secrets) != 5 {
		t.Fatalf("the test saw %d secrets; want the client secret, code, verifier, access and refresh token", len(d.secrets))
	}
	st := conn.LastSignInTimings
	if st == nil || st.BrowserWait <= 0 || st.TokenExchange <= 0 || st.IdentityCheck <= 0 || st.At.IsZero() {
		t.Fatalf("sign-in timings = %+v; want every step measured", st)
	}
	// The sign-in checked the user: "Last tested" and "Last test" agree,
	// as in the window and the command line's list.
	rep = d.report(t, nil)
	signedIn := conn.LastTestedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	mustSay(t, "signed-in report", rep,
		"Last tested:             "+signedIn,
		"Last test:               "+signedIn+" (the sign-in's identity check, above)")
	mustNotSay(t, "signed-in report", rep, "none recorded")
	if conn, err = d.Svc.Test(context.Background(), d.Conn.ID); err != nil {
		t.Fatalf("Test: %v", err)
	}
	if tt := conn.LastTestTimings; tt == nil || tt.IdentityCheck <= 0 || tt.At.IsZero() {
		t.Fatalf("test timings = %+v; want the identity check measured", tt)
	}
	rep = d.report(t, nil)
	mustSay(t, "authorized report", rep,
		"Status:                  Authorized as Jane Doe (authorized)",
		"Kantata user:            Jane Doe <jane@example.com> (user ID 12345)",
		"Projects visible:        42 (counted "+conn.Projects.At.UTC().Format("2006-01-02 15:04:05 UTC")+", in ",
		"Access token:            present",
		"Refresh token:           present",
		"Last sign-in:            ",
		"    Browser wait:          ",
		"    Token exchange:        ",
		" ms",
	)
	mustNotSay(t, "authorized report", rep, "not reached", "none recorded", "Last authorized:         never")
	if n := strings.Count(rep, "Identity check:"); n != 2 {
		t.Errorf("report shows %d identity check timings; want the sign-in's and the test's", n)
	}

	// Needs re-authorization: Kantata revoked the token.
	d.Kantata.RevokeAll()
	if _, err := d.Svc.Test(context.Background(), d.Conn.ID); err == nil {
		t.Fatal("Test after revocation succeeded")
	}
	rep = d.report(t, nil)
	mustSay(t, "revoked report", rep,
		"Status:                  Needs re-authorization (needs_reauthorization)",
		"Last error:              ",
		"Technical detail:",
		"401",
	)
	mustNotSay(t, "revoked report", rep, "Last error:              none")

	// Failed: the user clicked Deny in the browser.
	d.Svc.Opener = b.Opener((*browsertest.Browser).Deny)
	conn, err = d.signIn(t)
	if err == nil || conn.Status != store.StatusFailed {
		t.Fatalf("denied sign-in: %v (status %q)", err, conn.Status)
	}
	rep = d.report(t, nil)
	mustSay(t, "denied report", rep,
		"Status:                  Failed (failed)",
		"Last error:              You chose not to authorize",
		"access_denied",
		"Token exchange:        not reached",
		"Identity check:        not reached",
	)
	if strings.Contains(rep, "Browser wait:          not reached") {
		t.Errorf("a denied sign-in still waited for the browser; the report says it did not:\n%s", rep)
	}

	// Read-only records: a newer app rewrote them. The report still works
	// and says so.
	data, err := os.ReadFile(d.Store.Path())
	if err != nil {
		t.Fatal(err)
	}
	now := fmt.Sprintf(`"schema_version": %d`, store.SchemaVersion)
	newer := strings.Replace(string(data), now, `"schema_version": 99`, 1)
	if newer == string(data) {
		t.Fatalf("records file has no %s to bump:\n%s", now, data)
	}
	if err := os.WriteFile(d.Store.Path(), []byte(newer), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.Store.Reload(); err != nil || !d.Store.ReadOnly() {
		t.Fatalf("store not read-only after a newer file (err %v)", err)
	}
	rep = d.report(t, nil)
	mustSay(t, "read-only report", rep, "(read-only: written by a newer version of the app)", "Status:                  Failed (failed)")
}

// A detail that, through some bug, carried a secret is scrubbed from the
// report: the last guard holds even when the records don't.
func TestDiagnoseScrubsSecretsFromDetails(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	d := newDiagnosis(t, b)
	if _, err := d.signIn(t); err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	clientSecret, tok := d.secrets[0], mustToken(t, d.Store, d.Conn.ID)
	_, err := d.Store.RecordOutcome(d.Conn.ID, func(c *store.Connection) {
		c.LastError = "token " + tok.AccessToken[:12] + " rejected"
		c.LastErrorDetail = "POST /oauth/token client_secret=" + clientSecret +
			"\nAuthorization: Bearer " + tok.AccessToken + "\nrefresh_token=é" + tok.RefreshToken + "é"
	})
	if err != nil {
		t.Fatal(err)
	}
	rep := d.report(t, nil) // fails if any part of them is left
	mustSay(t, "report", rep, "client_secret=[redacted]", "Authorization: Bearer [redacted]", "token [redacted] rejected")
	if !strings.Contains(rep, "refresh_token=é[redacted]é") {
		t.Errorf("the redaction did not keep the text around it whole:\n%s", rep)
	}
}

// Without a keychain the report still comes, saying what failed.
func TestDiagnoseWithoutKeychain(t *testing.T) {
	d := newDiagnosis(t, nil)
	st, err := store.Open(dirOf(d.Store), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := d.report(t, st)
	mustSay(t, "report", rep,
		"Client secret read:      error: no keychain available, after ",
		"Access token:            error: no keychain available",
		"Connection “Production”",
	)
	mustNotSay(t, "report", rep, "Answered by:")
}

// Records that can't be read: the report says so, not that a newer version
// wrote them. The connection read before is still there to report on.
func TestDiagnoseUnreadableRecords(t *testing.T) {
	st := testenv.Store(t)
	c := store.DefaultClientSettings()
	c.Name, c.ClientID = "Test client", "client-"+testenv.RandomHex(t)
	saved, err := st.SaveClient("", c, "secret-"+testenv.RandomHex(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Reload(); _ = st.DeleteClient(saved.ID, true) })
	conn, err := st.SaveConnection("", "Production", saved.ID)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	// A folder in the file's place: the tests run as root, whom permission
	// bits don't stop.
	if err := os.Remove(st.Path()); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(st.Path(), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(st.Path()); _ = os.WriteFile(st.Path(), data, 0o600) })
	if err := st.Reload(); err != nil || !st.ReadOnly() {
		t.Fatalf("store not read-only with an unreadable file (err %v)", err)
	}
	rep, err := diagnose.Report(context.Background(), st, conn.ID, diagnose.Options{})
	if err != nil {
		t.Fatalf("Diagnose: %v", err)
	}
	mustSay(t, "report", rep, st.Path()+" (read-only: it can't be read: read: is a directory)")
	mustNotSay(t, "report", rep, "newer version")
}

func TestDiagnoseUnknownConnection(t *testing.T) {
	_, err := diagnose.Report(context.Background(), testenv.Store(t), "no-such-id", diagnose.Options{})
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v; want not found", err)
	}
}

func TestDiagnoseCanceled(t *testing.T) {
	d := newDiagnosis(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := diagnose.Report(ctx, d.Store, d.Conn.ID, diagnose.Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want canceled", err)
	}
}

func mustToken(t *testing.T, st *store.Store, id string) store.Token {
	t.Helper()
	tok, err := st.Token(id)
	if err != nil || len(tok.AccessToken) < 12 || tok.RefreshToken == "" {
		t.Fatalf("tokens after sign-in: %v (access %d characters, refresh present %v)", err, len(tok.AccessToken), tok.RefreshToken != "")
	}
	return tok
}

func dirOf(st *store.Store) string {
	return filepath.Dir(st.Path())
}

// osReleasePrettyName is what the report should show, read independently.
func osReleasePrettyName(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// The report is read on screen and pasted into tickets and terminals: what
// the records hold about the user and the last error (written by an older
// version, or by hand) comes out safe, the detail still line by line.
func TestDiagnoseMakesRecordedTextSafe(t *testing.T) {
	d := newDiagnosis(t, nil)
	const hostile = "\x1b]0;pwned\x07Jane \x1b]8;;http://evil.example\x1b\\Doe\x1b]8;;\x1b\\ \u202eeoD\u202c\u200b \u009b31m\x1b[2J"
	_, err := d.Store.RecordOutcome(d.Conn.ID, func(c *store.Connection) {
		c.Status = store.StatusFailed
		c.Identity = &store.Identity{UserID: "4\x1b[2J2", FullName: hostile, Email: "jane\u202e@example.com"}
		c.LastError = "Kantata said: " + hostile
		c.LastErrorDetail = "GET /api/v1/users/me.json: " + hostile + "\r\nkind=server_error: " + hostile
	})
	if err != nil {
		t.Fatal(err)
	}
	rep := d.report(t, nil)
	if i := safetext.Find(strings.ReplaceAll(rep, "\n", " ")); i >= 0 {
		t.Errorf("the report holds %U at byte %d: %q", []rune(rep[i:])[0], i, rep[max(0, i-40):min(len(rep), i+40)])
	}
	mustSay(t, "report", rep, "Jane", "Doe", "jane@example.com", "Kantata said: ",
		"\n      GET /api/v1/users/me.json: ", "\n      kind=server_error: ")
}

// The report says how many projects the user saw and when they were
// counted, or why they could not be, from a real test against the stand-in.
func TestDiagnoseProjects(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(k *fakekantata.Server)
		say   []string
	}{
		{"42 projects", func(k *fakekantata.Server) { k.SetProjectCount(42) }, []string{"Projects visible:        42 (counted "}},
		{"no projects", func(k *fakekantata.Server) { k.SetProjectCount(0) }, []string{"Projects visible:        0 (counted "}},
		{"could not count", func(k *fakekantata.Server) { k.SetWorkspacesMode(fakekantata.WorkspacesServerError) }, []string{
			"Projects visible:        couldn't count (",
			"): Kantata had a problem on its side. Try again in a few minutes.\n",
			"\n      kantata project count: server_error: GET /api/v1/workspaces.json?per_page=1: HTTP 500",
			"\n      kind=server_error status=500",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDiagnosis(t, nil)
			tok := d.Kantata.IssueToken(t, d.client.ClientID, d.secrets[0], d.client.RedirectURI())
			d.secrets = append(d.secrets, tok)
			if err := d.Store.SaveToken(d.Conn.ID, store.Token{AccessToken: tok}); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Store.RecordOutcome(d.Conn.ID, func(c *store.Connection) { c.Status = store.StatusAuthorized }); err != nil {
				t.Fatal(err)
			}
			tc.setup(d.Kantata)
			conn, err := d.Svc.Test(context.Background(), d.Conn.ID)
			if err != nil || conn.Projects == nil {
				t.Fatalf("Test: %v, projects %+v", err, conn.Projects)
			}
			rep := d.report(t, nil)
			mustSay(t, "report", rep, tc.say...)
			mustSay(t, "report", rep, conn.Projects.At.UTC().Format("2006-01-02 15:04:05 UTC"), " ms")
		})
	}
}

// The window's report names the OpenGL that draws it (the window's start-up
// check finds it); the command line's, which draws nothing, has no such line.
func TestDiagnoseRenderer(t *testing.T) {
	d := newDiagnosis(t, nil)
	for _, tc := range []struct {
		name, renderer, want string
	}{
		{"window", "softpipe, OpenGL 3.3 (Compatibility Profile) Mesa 22.3.6 (the software OpenGL bundled with the app)",
			"Window drawn by:         softpipe, OpenGL 3.3 (Compatibility Profile) Mesa 22.3.6 (the software OpenGL bundled with the app)"},
		{"command line", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := diagnose.Report(context.Background(), d.Store, d.Conn.ID, diagnose.Options{Renderer: tc.renderer})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" {
				mustSay(t, "report", rep, tc.want)
			} else {
				mustNotSay(t, "report", rep, "Window drawn by")
			}
		})
	}
}
