package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/setupfile"
	"github.com/kantata-connect/kantata-connect/store"
)

// hostileSetup is a setup file a colleague's compromised machine could send:
// it keeps the genuine sign-in page (the user sees the real Kantata) but
// names a collector on another host for the token request and the API, with
// PKCE off, so the client secret, the code and the token would all go there.
func hostileSetup(t *testing.T, genuine, collector *fakekantata.Server, clientID string, port int) string {
	t.Helper()
	c := store.DefaultClientSettings()
	c.Name, c.ClientID, c.RedirectPort, c.PKCE = "Kantata production", clientID, port, false
	c.AuthURL, c.TokenURL, c.APIBaseURL = genuine.AuthURL(), collector.TokenURL(), collector.APIBaseURL()
	e := setupfile.Export{Format: setupfile.ExportFormat, Version: setupfile.ExportVersion, ExportedAt: time.Now().UTC(),
		Clients:     []store.ClientSettings{c},
		Connections: []setupfile.ExportConnection{{Name: "Production", Client: c.Name}}}
	var b bytes.Buffer
	if err := setupfile.WriteExport(&b, e); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "from-a-colleague.json")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Nothing secret reaches a host the user never chose: the collector, a
// fosite-backed server on a second loopback address, receives no request at
// all unless the user accepts its host by name. Once accepted, the same
// sign-in does reach it, which shows the test would see a leak.
func TestHostileSetupFileReachesNoForeignHost(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	h := newHarness(t)
	h.opener = b.Opener((*browsertest.Browser).Authorize)
	collector := fakekantata.NewAt(t, "127.0.0.2")
	clientID, secret, port := "client-"+testenv.RandomHex(t), "s3cr3t-"+testenv.RandomHex(t), testenv.FreePort(t)
	h.secret(secret)
	h.kantata.AddClient(clientID, secret, oauth.RedirectURI(port))
	file := hostileSetup(t, h.kantata, collector, clientID, port)

	res := h.run(secret+"\n", "import", file)
	if res.code != 0 {
		t.Fatalf("import: %v", res)
	}
	mustContain(t, "import", res.errOut, "Skipping the client “Kantata production”: it sends to hosts that are not Kantata's: ",
		strings.TrimPrefix(collector.URL, "http://")+" (access token URL, API base URL)", "and turns PKCE off", "--accept-endpoints",
		"would go to "+strings.TrimPrefix(h.kantata.URL, "http://")+" and "+strings.TrimPrefix(collector.URL, "http://")+", not only to Kantata.",
		"Without PKCE, a sign-in code caught")
	mustContain(t, "import", res.out, "Nothing was imported.", "connection “Production”: its client “Kantata production” was skipped")
	if res := h.run("", "authorize", "Production"); res.code != 2 {
		t.Errorf("authorize after the refused import: %v", res)
	}
	if n := collector.Requests(); n != 0 {
		t.Fatalf("the collector received %d requests although its host was never accepted", n)
	}

	res = h.run(secret+"\n", "import", file, "--accept-endpoints")
	if res.code != 0 {
		t.Fatalf("import --accept-endpoints: %v", res)
	}
	mustContain(t, "import", res.errOut, "Accepted with --accept-endpoints")
	if n := collector.Requests(); n != 0 {
		t.Fatalf("importing sent %d requests to the collector", n)
	}
	res = h.run("", "authorize", "Production")
	if res.code != 1 {
		t.Errorf("authorize against the collector: %v; want the sign-in to fail there", res)
	}
	if n := collector.TokenRequests(); n != 1 {
		t.Fatalf("the collector received %d token requests once accepted, want 1: the test can't see a leak", n)
	}
	if form, _ := collector.LastTokenRequest(); form.Get("code") == "" || form.Get("client_secret") == "" {
		t.Errorf("the accepted collector got the form %v; want the code and the secret it was trusted with", form)
	}
}

// A changed API URL never gets the old token (issue 19): after client edit
// --api-url OTHER, the connection needs a new sign-in, its token is gone
// from the keychain, and test and test --all ask nobody anything — OTHER,
// a real stand-in that would answer as its own user, receives no request.
func TestChangedAPIURLNeverGetsTheOldToken(t *testing.T) {
	h := newHarness(t)
	other := fakekantata.NewAt(t, "127.0.0.2")
	h.addAt(h.kantata, "Production", "", true)
	conn, _ := h.store().ConnectionByName("Production")
	if res := h.run("", "test", "Production"); res.code != 0 {
		t.Fatalf("test before the edit: %v", res)
	}
	secret := "s3cr3t-edit-" + testenv.RandomHex(t)
	h.secret(secret)
	res := h.run(secret+"\n", "client", "edit", "Production client", "--api-url", other.APIBaseURL())
	mustContain(t, "client edit", res.out, "These connections need to be authorized again: Production",
		"Their sign-ins under the old settings were deleted from the keychain")
	if _, err := h.store().Token(conn.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the token is still in the keychain after the API URL changed (err %v)", err)
	}

	res = h.run("", "test", "Production")
	if res.code != 1 {
		t.Errorf("test after the edit: %v; want exit 1", res)
	}
	mustContain(t, "test", res.errOut, "“Production” needs a new sign-in, so it was not tested",
		"Its OAuth 2.0 client's settings changed, so its earlier sign-in was deleted.", "kantata-connect authorize Production")
	res = h.run("", "test", "Production", "--json")
	var out struct {
		OK    bool `json:"ok"`
		Error *struct {
			Kind string `json:"kind"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(res.out), &out); err != nil || res.code != 1 || out.OK || out.Error == nil || out.Error.Kind != "not_authorized" {
		t.Errorf("test --json: %v (%v); want kind not_authorized, exit 1", res, err)
	}
	res = h.run("", "test", "--all")
	mustContain(t, "test --all", res.out, "Production", "skipped", "needs a new sign-in",
		"Not tested, needs a new sign-in (its old one is sent nowhere): Production. Sign in with: kantata-connect authorize Production")
	if n := other.MeRequests(); n != 0 {
		t.Fatalf("the new API address received %d requests: the old token went where it was not issued", n)
	}
}

// Server text is bounded (issue 19): a users/me answer with a full name of
// 900,000 characters (under the 1 MiB body limit) is kept and printed cut
// to a length a person can read, on a character boundary, with "…".
func TestServerTextIsBounded(t *testing.T) {
	h := newHarness(t)
	// 900,000 characters, under the 1 MiB body limit; the cut falls among
	// the two-byte ë.
	long := strings.Repeat("Zoë ", 250) + strings.Repeat("a", 899_000)
	h.kantata.SetUser("4242", long, strings.Repeat("é", 300)+"@example.com")
	h.addAt(h.kantata, "Production", "", true)

	res := h.run("", "test", "Production")
	if res.code != 0 {
		t.Fatalf("test: %v", res)
	}
	mustContain(t, "test", res.out, "Zoë Zoë", "…")
	for name, out := range map[string]string{"test": res.out, "list": h.run("", "list").out, "test --json": h.run("", "test", "Production", "--json").out} {
		if len(out) > 4000 {
			t.Errorf("%s printed %d bytes for one connection", name, len(out))
		}
		if !utf8.ValidString(out) {
			t.Errorf("%s cut a character in two", name)
		}
	}
	conn, _ := h.store().ConnectionByName("Production")
	if conn.Identity == nil || utf8.RuneCountInString(conn.Identity.FullName) > kantata.MaxIdentityRunes ||
		utf8.RuneCountInString(conn.Identity.Email) > kantata.MaxIdentityRunes || !strings.HasSuffix(conn.Identity.FullName, "…") {
		t.Errorf("the identity kept: %+v", conn.Identity)
	}
	if b := readRecords(t, h); len(b) > 8000 {
		t.Errorf("records.json holds %d bytes for one client and one connection", len(b))
	}
}

// A records file that already holds a look-alike host (written by hand, or
// by a version before the host rule) is marked wherever the client shows —
// list, diagnostics — as the host really dialled, and is never used: test
// refuses it before any request.
func TestLookAlikeHostInTheRecordsIsMarkedAndNeverUsed(t *testing.T) {
	h := newHarness(t)
	h.addAt(h.kantata, "Production", "", true)
	path := filepath.Join(h.dir, "records.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	api := `"api_base_url": "` + h.kantata.APIBaseURL() + `"`
	if !bytes.Contains(b, []byte(api)) {
		t.Fatalf("records.json has no %s", api)
	}
	b = bytes.Replace(b, []byte(api), []byte(`"api_base_url": "https://api.mavenl\u0130nk.com"`), 1)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	const dialled = "api.xn--mavenlink-ckf.com (API base URL)"
	mustContain(t, "list", h.run("", "list").out, "sends to hosts that are not Kantata's", dialled)
	mustContain(t, "diagnose", h.run("", "diagnose", "Production").out, "Departs from Kantata", dialled)
	before := h.kantata.Requests()
	res := h.run("", "test", "Production")
	if res.code != 2 {
		t.Errorf("test with a look-alike API host: %v; want exit 2", res)
	}
	mustContain(t, "test", res.errOut, "would go to api.xn--mavenlink-ckf.com")
	if n := h.kantata.Requests() - before; n != 0 {
		t.Errorf("the test sent %d requests", n)
	}
}
