package setupfile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/safetext"
	"github.com/kantata-connect/kantata-connect/setupfile"
	"github.com/kantata-connect/kantata-connect/store"
)

// importDecider answers Import's questions from a script and records them.
type importDecider struct {
	t       *testing.T
	secrets map[string]string // file name → secret; absent → skip
	clash   func(setupfile.NameClash) (string, bool, error)
	// clashAnswer, when set, answers in full (use the saved client).
	clashAnswer func(setupfile.NameClash) (setupfile.ClashAnswer, error)
	secret      func(setupfile.SecretRequest) (string, bool, error) // overrides secrets when set
	// endpoints answers for clients that depart from Kantata's settings;
	// nil accepts them.
	endpoints func(setupfile.EndpointsRequest) (bool, error)

	secretAsked    []setupfile.SecretRequest
	clashAsked     []setupfile.NameClash
	endpointsAsked []setupfile.EndpointsRequest
	order          []string // "endpoints NAME", "secret NAME", "clash NAME", as asked
}

func (d *importDecider) Endpoints(req setupfile.EndpointsRequest) (bool, error) {
	d.endpointsAsked = append(d.endpointsAsked, req)
	d.order = append(d.order, "endpoints "+req.Client.Name)
	if d.endpoints == nil {
		return true, nil
	}
	return d.endpoints(req)
}

func (d *importDecider) Secret(req setupfile.SecretRequest) (string, bool, error) {
	d.secretAsked = append(d.secretAsked, req)
	d.order = append(d.order, "secret "+req.FileName)
	if d.secret != nil {
		return d.secret(req)
	}
	s, ok := d.secrets[req.FileName]
	return s, !ok, nil
}

func (d *importDecider) Clash(c setupfile.NameClash) (setupfile.ClashAnswer, error) {
	d.clashAsked = append(d.clashAsked, c)
	d.order = append(d.order, "clash "+c.FileName)
	if d.clashAnswer != nil {
		return d.clashAnswer(c)
	}
	if d.clash == nil {
		d.t.Errorf("unexpected name clash question: %+v", c)
		return setupfile.ClashAnswer{Skip: true}, nil
	}
	name, skip, err := d.clash(c)
	return setupfile.ClashAnswer{Name: name, Skip: skip}, err
}

func skipAll(setupfile.NameClash) (string, bool, error)     { return "", true, nil }
func suggested(c setupfile.NameClash) (string, bool, error) { return c.Suggestion, false, nil }

type exportSource struct {
	st      *store.Store
	secrets map[string]string // client name → secret
	tokens  []string          // every token stored
}

// newSource is a machine with two clients (one with every setting changed
// from Kantata's), three connections in every state, tokens in the keychain
// and an identity and error detail recorded.
func newSource(t *testing.T) *exportSource {
	t.Helper()
	src := &exportSource{st: testenv.Store(t), secrets: map[string]string{}}
	t.Cleanup(func() { cleanupTransferStore(src.st) })

	kantataClient := store.Client{ClientSettings: store.DefaultClientSettings()}
	kantataClient.Name, kantataClient.ClientID = "Kantata production", "prod-"+testenv.RandomHex(t)
	custom := store.Client{ClientSettings: store.ClientSettings{
		Name: "Sandbox  ", ClientID: "sandbox-" + testenv.RandomHex(t),
		AuthURL: "https://sandbox.example.com/oauth/authorize", TokenURL: "https://sandbox.example.com/oauth/token",
		APIBaseURL: "https://api.sandbox.example.com", ClientAuth: store.ClientAuthBasic, PKCE: false, RedirectPort: 41234,
	}}
	var ids []string
	for _, c := range []store.Client{kantataClient, custom} {
		secret := "client-secret-" + testenv.RandomHex(t) + testenv.RandomHex(t)
		saved, err := src.st.SaveClient(c.ID, c.ClientSettings, secret)
		if err != nil {
			t.Fatal(err)
		}
		src.secrets[saved.Name] = secret
		ids = append(ids, saved.ID)
	}
	for i, name := range []string{"Production", "Reporting", "Sandbox test"} {
		conn, err := src.st.SaveConnection("", name, ids[i/2])
		if err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			continue // never authorized
		}
		tok := store.Token{AccessToken: "access-" + testenv.RandomHex(t), RefreshToken: "refresh-" + testenv.RandomHex(t)}
		src.tokens = append(src.tokens, tok.AccessToken, tok.RefreshToken)
		if err := src.st.SaveToken(conn.ID, tok); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		if _, err := src.st.RecordOutcome(conn.ID, func(c *store.Connection) {
			c.Status = []store.Status{store.StatusAuthorized, store.StatusFailed}[i]
			c.Identity = &store.Identity{UserID: "user-4711", FullName: "Jane Doe", Email: "jane@example.com"}
			c.LastAuthorizedAt, c.LastTestedAt = &now, &now
			if i == 1 {
				c.LastError, c.LastErrorDetail = "Kantata is down.", "HTTP 503 from token endpoint"
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

func cleanupTransferStore(st *store.Store) {
	for _, c := range st.Clients() {
		_ = st.DeleteClient(c.ID, true)
	}
}

// freshTransferStore is another machine: a records folder and keychain service of
// its own.
func freshTransferStore(t *testing.T) *store.Store {
	t.Helper()
	st := testenv.Store(t)
	t.Cleanup(func() { cleanupTransferStore(st) })
	return st
}

// comparable forms, without IDs, times and status.
type clientView struct {
	Name, ClientID, AuthURL, TokenURL, APIBaseURL, ClientAuth string
	PKCE                                                      bool
	RedirectPort                                              int
}

func clientViews(st *store.Store) []clientView {
	var out []clientView
	for _, c := range st.Clients() {
		out = append(out, clientView{c.Name, c.ClientID, c.AuthURL, c.TokenURL, c.APIBaseURL, c.ClientAuth, c.PKCE, c.RedirectPort})
	}
	return out
}

func connectionViews(st *store.Store) []string {
	var out []string
	for _, c := range st.Connections() {
		cl, _ := st.Client(c.ClientRef)
		out = append(out, c.Name+" → "+cl.Name)
	}
	return out
}

func writeExportFile(t *testing.T, e setupfile.Export) string {
	t.Helper()
	var buf bytes.Buffer
	if err := setupfile.WriteExport(&buf, e); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readExportFile(t *testing.T, path string) setupfile.Export {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e, err := setupfile.ReadExport(f)
	if err != nil {
		t.Fatalf("ReadExport: %v", err)
	}
	return e
}

func TestExportImportRoundTrip(t *testing.T) {
	src := newSource(t)
	path := writeExportFile(t, setupfile.FromStore(src.st, time.Now()))

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range src.secrets {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("the export file holds the secret of client %q", name)
		}
	}
	for _, tok := range src.tokens {
		if bytes.Contains(data, []byte(tok)) {
			t.Error("the export file holds a token")
		}
	}
	// Status, identity and errors belong to the machine they happened on.
	for _, word := range []string{"Jane Doe", "jane@example.com", "user-4711", "authorized", "HTTP 503", "Kantata is down", "status", "access-", "refresh-"} {
		if bytes.Contains(data, []byte(word)) {
			t.Errorf("the export file holds %q, which should stay on the machine it belongs to", word)
		}
	}
	var shape map[string]any
	if err := json.Unmarshal(data, &shape); err != nil {
		t.Fatal(err)
	}
	if shape["format"] != setupfile.ExportFormat || shape["version"] != float64(setupfile.ExportVersion) {
		t.Errorf("format/version = %v/%v", shape["format"], shape["version"])
	}
	if info, err := os.Stat(path); err != nil || info.Size() == 0 {
		t.Fatalf("export file: %v", err)
	}

	// The other machine: the secrets are typed again.
	dst := freshTransferStore(t)
	d := &importDecider{t: t, secrets: src.secrets}
	rep, err := setupfile.Import(context.Background(), dst, readExportFile(t, path), d)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if got, want := clientViews(dst), clientViews(src.st); !reflect.DeepEqual(got, want) {
		t.Errorf("clients after import:\n got %+v\nwant %+v", got, want)
	}
	if got, want := connectionViews(dst), connectionViews(src.st); !reflect.DeepEqual(got, want) {
		t.Errorf("connections after import:\n got %v\nwant %v", got, want)
	}
	if len(d.secretAsked) != 2 {
		t.Errorf("asked for %d secrets, want 2", len(d.secretAsked))
	}
	for _, req := range d.secretAsked {
		if req.Client.Name != req.FileName || req.Attempt != 1 || req.Problem != "" {
			t.Errorf("secret request %+v: want the file's name, first attempt, no problem", req)
		}
		if req.Client.Name == "Sandbox" && req.Client.RedirectURI() != "http://127.0.0.1:41234/callback" {
			t.Errorf("the secret request shows callback URL %q", req.Client.RedirectURI())
		}
	}
	for _, c := range dst.Clients() {
		got, err := dst.ClientSecret(c.ID)
		if err != nil || got != src.secrets[c.Name] {
			t.Errorf("client %q: secret in the keychain matches: %v (err %v)", c.Name, got == src.secrets[c.Name], err)
		}
	}
	for _, c := range dst.Connections() {
		if c.Status != store.StatusNeverAuthorized || c.Identity != nil || c.LastError != "" || c.LastAuthorizedAt != nil {
			t.Errorf("imported connection %q: status %q identity %v error %q; want a fresh, never authorized one", c.Name, c.Status, c.Identity, c.LastError)
		}
		if _, err := dst.Token(c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("imported connection %q has a token: %v", c.Name, err)
		}
	}
	wantRep := setupfile.ImportReport{
		ClientsAdded:     []string{"Kantata production", "Sandbox"},
		ConnectionsAdded: []string{"Production", "Reporting", "Sandbox test"},
	}
	if !reflect.DeepEqual(rep, wantRep) {
		t.Errorf("report = %+v, want %+v", rep, wantRep)
	}
	transferSays(t, "report", rep.String(), "Imported 2 clients and 3 connections.", "connection “Sandbox test”", "not authorized yet")
}

func TestExportEmptyAndShape(t *testing.T) {
	st := freshTransferStore(t)
	at := time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	var buf bytes.Buffer
	if err := setupfile.WriteExport(&buf, setupfile.FromStore(st, at)); err != nil {
		t.Fatal(err)
	}
	want := `{
  "format": "kantata-connect-export",
  "version": 2,
  "exported_at": "2030-01-02T02:04:05Z",
  "clients": [],
  "connections": []
}
`
	if buf.String() != want {
		t.Errorf("empty export =\n%s\nwant\n%s", buf.String(), want)
	}
	e, err := setupfile.ReadExport(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := setupfile.Import(context.Background(), st, e, &importDecider{t: t})
	if err != nil || len(rep.ClientsAdded)+len(rep.ConnectionsAdded)+len(rep.Skipped) != 0 {
		t.Errorf("importing an empty export: %+v, %v", rep, err)
	}
	if rep.String() != "Nothing was imported.\n" {
		t.Errorf("report of an empty import: %q", rep.String())
	}
}

// clashFixture: the target already has a client "Kantata production" (with
// its own secret) and a connection "Production".
type clashFixture struct {
	src          *exportSource
	export       setupfile.Export
	dst          *store.Store
	oldClient    store.Client
	oldSecret    string
	oldConn      store.Connection
	beforeRecord []byte
}

func newClashFixture(t *testing.T) *clashFixture {
	t.Helper()
	f := &clashFixture{src: newSource(t), dst: freshTransferStore(t)}
	f.export = setupfile.FromStore(f.src.st, time.Now())
	c := store.Client{ClientSettings: store.DefaultClientSettings()}
	c.Name, c.ClientID = "kantata PRODUCTION", "theirs-"+testenv.RandomHex(t)
	f.oldSecret = "their-secret-" + testenv.RandomHex(t)
	var err error
	if f.oldClient, err = f.dst.SaveClient(c.ID, c.ClientSettings, f.oldSecret); err != nil {
		t.Fatal(err)
	}
	if f.oldConn, err = f.dst.SaveConnection("", "Production", f.oldClient.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

// untouched checks the records that were there before are as they were.
func (f *clashFixture) untouched(t *testing.T) {
	t.Helper()
	if c, ok := f.dst.Client(f.oldClient.ID); !ok || !reflect.DeepEqual(c, f.oldClient) {
		t.Errorf("the existing client changed: %+v, want %+v", c, f.oldClient)
	}
	if s, err := f.dst.ClientSecret(f.oldClient.ID); err != nil || s != f.oldSecret {
		t.Errorf("the existing client's secret was overwritten (err %v)", err)
	}
	if c, ok := f.dst.Connection(f.oldConn.ID); !ok || !reflect.DeepEqual(c, f.oldConn) {
		t.Errorf("the existing connection changed: %+v, want %+v", c, f.oldConn)
	}
}

func TestImportClashSkip(t *testing.T) {
	f := newClashFixture(t)
	d := &importDecider{t: t, secrets: f.src.secrets, clash: skipAll}
	rep, err := setupfile.Import(context.Background(), f.dst, f.export, d)
	if err != nil {
		t.Fatal(err)
	}
	f.untouched(t)
	// The client clash is skipped, so are its connections; Sandbox comes in.
	if got, want := connectionViews(f.dst), []string{"Production → kantata PRODUCTION", "Sandbox test → Sandbox"}; !reflect.DeepEqual(got, want) {
		t.Errorf("connections = %v, want %v", got, want)
	}
	if len(d.clashAsked) != 1 || d.clashAsked[0].Kind != "client" || d.clashAsked[0].Suggestion != "Kantata production (2)" ||
		d.clashAsked[0].Problem != "A client named “Kantata production” already exists." {
		t.Errorf("clash questions = %+v", d.clashAsked)
	}
	if len(d.secretAsked) != 1 || d.secretAsked[0].FileName != "Sandbox" {
		t.Errorf("secret questions = %+v; a skipped client's secret must not be asked for", d.secretAsked)
	}
	wantSkipped := []string{
		"client “Kantata production”: the name is already in use",
		"connection “Production”: its client “Kantata production” was skipped",
		"connection “Reporting”: its client “Kantata production” was skipped",
	}
	if !reflect.DeepEqual(rep.Skipped, wantSkipped) || !slices.Equal(rep.ClientsAdded, []string{"Sandbox"}) {
		t.Errorf("report = %+v", rep)
	}

	// A connection clash alone: skip it, keep the rest.
	f2 := newClashFixture(t)
	if err := f2.dst.DeleteConnection(f2.oldConn.ID); err != nil {
		t.Fatal(err)
	}
	other := store.Client{ClientSettings: store.DefaultClientSettings()}
	other.Name, other.ClientID = "Other", "other"
	oc, err := f2.dst.SaveClient(other.ID, other.ClientSettings, "x-"+testenv.RandomHex(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f2.dst.SaveConnection("", "reporting", oc.ID); err != nil {
		t.Fatal(err)
	}
	d = &importDecider{t: t, secrets: f2.src.secrets, clash: func(c setupfile.NameClash) (string, bool, error) {
		if c.Kind == "client" {
			return c.Suggestion, false, nil
		}
		return "", true, nil
	}}
	rep, err = setupfile.Import(context.Background(), f2.dst, f2.export, d)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Production → Kantata production (2)", "reporting → Other", "Sandbox test → Sandbox"}
	if got := connectionViews(f2.dst); !reflect.DeepEqual(got, want) {
		t.Errorf("connections = %v, want %v", got, want)
	}
	if !slices.Contains(rep.Skipped, "connection “Reporting”: the name is already in use") {
		t.Errorf("report = %+v", rep)
	}
}

func TestImportClashRename(t *testing.T) {
	f := newClashFixture(t)
	var problems []string
	d := &importDecider{t: t, secrets: map[string]string{}, clash: func(c setupfile.NameClash) (string, bool, error) {
		problems = append(problems, c.Problem)
		if c.Kind == "connection" {
			return c.Suggestion, false, nil
		}
		// Wrong answers first: each must be refused and asked again.
		switch c.Attempt {
		case 1:
			return "   ", false, nil
		case 2:
			return "KANTATA production", false, nil
		case 3:
			return "Line\nbreak", false, nil
		}
		return "  Kantata (imported)  ", false, nil
	}}
	d.secret = func(req setupfile.SecretRequest) (string, bool, error) {
		return f.src.secrets[req.FileName], false, nil
	}
	rep, err := setupfile.Import(context.Background(), f.dst, f.export, d)
	if err != nil {
		t.Fatal(err)
	}
	f.untouched(t)
	want := []string{
		"Production → kantata PRODUCTION",
		"Production (2) → Kantata (imported)", // the connection follows its renamed client
		"Reporting → Kantata (imported)",
		"Sandbox test → Sandbox",
	}
	if got := connectionViews(f.dst); !reflect.DeepEqual(got, want) {
		t.Errorf("connections = %v, want %v", got, want)
	}
	wantProblems := []string{
		"A client named “Kantata production” already exists.",
		"Enter a name.",
		"A client named “KANTATA production” already exists.",
		"Names can't contain line breaks or control characters.",
		"A connection named “Production” already exists.",
	}
	if !reflect.DeepEqual(problems, wantProblems) {
		t.Errorf("problems shown:\n got %q\nwant %q", problems, wantProblems)
	}
	if d.secretAsked[0].Client.Name != "Kantata (imported)" || d.secretAsked[0].FileName != "Kantata production" {
		t.Errorf("the secret was asked for %+v; want the new name with the file's name", d.secretAsked[0])
	}
	imported, _ := f.dst.ClientByName("Kantata (imported)")
	if s, err := f.dst.ClientSecret(imported.ID); err != nil || s != f.src.secrets["Kantata production"] {
		t.Errorf("the renamed client's secret is not the one entered (err %v)", err)
	}
	wantRenamed := []string{"client “Kantata production” as “Kantata (imported)”", "connection “Production” as “Production (2)”"}
	if !reflect.DeepEqual(rep.Renamed, wantRenamed) || len(rep.Skipped) != 0 {
		t.Errorf("report = %+v", rep)
	}
}

func TestImportClashGivesUp(t *testing.T) {
	f := newClashFixture(t)
	d := &importDecider{t: t, secrets: f.src.secrets, clash: func(c setupfile.NameClash) (string, bool, error) {
		return c.FileName, false, nil // never learns
	}}
	rep, err := setupfile.Import(context.Background(), f.dst, f.export, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.clashAsked) != setupfile.MaxImportTries {
		t.Errorf("asked %d times about one name, want %d", len(d.clashAsked), setupfile.MaxImportTries)
	}
	if !slices.Contains(rep.Skipped, "client “Kantata production”: the name is already in use") {
		t.Errorf("report = %+v", rep)
	}
	f.untouched(t)
}

func TestImportSuggestionsAvoidEveryName(t *testing.T) {
	st := freshTransferStore(t)
	long := strings.Repeat("é", store.MaxNameRunes)
	for _, name := range []string{"A", "A (2)", "B (7)", long} {
		c := store.Client{ClientSettings: store.DefaultClientSettings()}
		c.Name, c.ClientID = name, "id"
		if _, err := st.SaveClient(c.ID, c.ClientSettings, "x"); err != nil {
			t.Fatal(err)
		}
	}
	e := setupfile.Export{Format: setupfile.ExportFormat, Version: setupfile.ExportVersion, Clients: []store.ClientSettings{
		exportClient("A"), exportClient("A (3)"), exportClient("B (7)"), exportClient(long),
	}}
	d := &importDecider{t: t, secret: func(setupfile.SecretRequest) (string, bool, error) { return "s", false, nil }, clash: suggested}
	rep, err := setupfile.Import(context.Background(), st, e, d)
	if err != nil {
		t.Fatal(err)
	}
	// "A (3)" is in the file, so "A" becomes "A (4)"; "B (7)" counts on.
	want := []string{"A (4)", "A (3)", "B (8)", strings.Repeat("é", store.MaxNameRunes-4) + " (2)"}
	if !reflect.DeepEqual(rep.ClientsAdded, want) {
		t.Errorf("added %q, want %q", rep.ClientsAdded, want)
	}
}

func exportClient(name string) store.ClientSettings {
	c := store.DefaultClientSettings()
	c.Name, c.ClientID = name, "id-"+strings.NewReplacer(" ", "", "(", "", ")", "").Replace(name)
	return c
}

func TestImportSecretChecks(t *testing.T) {
	st := freshTransferStore(t)
	e := setupfile.Export{Format: setupfile.ExportFormat, Version: setupfile.ExportVersion,
		Clients:     []store.ClientSettings{exportClient("Long"), exportClient("Blank")},
		Connections: []setupfile.ExportConnection{{Name: "Uses blank", Client: "Blank"}}}
	good := "ok-" + testenv.RandomHex(t)
	d := &importDecider{t: t, secret: func(req setupfile.SecretRequest) (string, bool, error) {
		if req.FileName == "Blank" {
			return " \t ", false, nil // empty: no secret at hand yet
		}
		if req.Attempt == 1 {
			return strings.Repeat("x", store.MaxSecretBytes+1), false, nil
		}
		return good, false, nil
	}}
	rep, err := setupfile.Import(context.Background(), st, e, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.secretAsked) != 3 || !strings.Contains(d.secretAsked[1].Problem, "too long") || d.secretAsked[1].Attempt != 2 {
		t.Errorf("secret questions = %+v; want the too long one asked again with why", d.secretAsked)
	}
	// An empty secret keeps the client and its connections; the client waits
	// for its secret, which a sign-in asks for first.
	if !slices.Equal(rep.ClientsAdded, []string{"Long", "Blank"}) || !slices.Equal(rep.SecretNeeded, []string{"Blank"}) ||
		!slices.Equal(rep.ConnectionsAdded, []string{"Uses blank"}) || len(rep.Skipped) != 0 {
		t.Errorf("report = %+v", rep)
	}
	blank, _ := st.ClientByName("Blank")
	if !blank.SecretNeeded {
		t.Error("the client imported without a secret is not marked as needing one")
	}
	if _, err := st.ClientSecret(blank.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a secret is in the keychain for a client imported without one: %v", err)
	}
	long, _ := st.ClientByName("Long")
	if long.SecretNeeded {
		t.Error("a client imported with its secret is marked as needing one")
	}
}

// A clashing client with the saved one's settings can serve the file's
// connections as it is, with no secret asked; one with other settings can't.
func TestImportUsesTheSavedClient(t *testing.T) {
	prod := exportClient("Production app")
	e := setupfile.Export{Format: setupfile.ExportFormat, Version: setupfile.ExportVersion,
		Clients:     []store.ClientSettings{prod},
		Connections: []setupfile.ExportConnection{{Name: "Reporting", Client: "Production app"}}}
	for _, tc := range []struct {
		name      string
		saved     func(*store.ClientSettings)
		offered   bool
		clientRef bool // the connection uses the saved client
	}{
		{"same settings", func(*store.ClientSettings) {}, true, true},
		{"same settings, name in another case", func(c *store.ClientSettings) { c.Name = "PRODUCTION APP" }, true, true},
		{"another client ID", func(c *store.ClientSettings) { c.ClientID = "other" }, false, false},
		{"another API URL", func(c *store.ClientSettings) { c.APIBaseURL = "https://api.sandbox.example.com" }, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := freshTransferStore(t)
			saved := prod
			tc.saved(&saved)
			existing, err := st.SaveClient("", saved, "saved-secret")
			if err != nil {
				t.Fatal(err)
			}
			d := &importDecider{t: t, clashAnswer: func(c setupfile.NameClash) (setupfile.ClashAnswer, error) {
				if c.SameSettings != tc.offered {
					t.Errorf("SameSettings = %v, want %v", c.SameSettings, tc.offered)
				}
				return setupfile.ClashAnswer{UseExisting: true}, nil
			}}
			rep, err := setupfile.Import(context.Background(), st, e, d)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.secretAsked) != 0 {
				t.Errorf("a secret was asked: %+v", d.secretAsked)
			}
			conn, ok := st.ConnectionByName("Reporting")
			if ok != tc.clientRef || (ok && conn.ClientRef != existing.ID) {
				t.Errorf("connection %+v (saved %v); want it on the saved client: %v", conn, ok, tc.clientRef)
			}
			if tc.clientRef && (!slices.Equal(rep.UsedExisting, []string{existing.Name}) || len(rep.ClientsAdded) != 0) {
				t.Errorf("report = %+v", rep)
			}
			if got, _ := st.ClientSecret(existing.ID); got != "saved-secret" {
				t.Error("the saved client's secret changed")
			}
			if n := len(st.Clients()); n != 1 {
				t.Errorf("%d clients after the import, want the saved one only", n)
			}
		})
	}
}

// recordsSnapshot is everything an import could change: the records file and what
// the store shows.
type recordsSnapshot struct {
	file        []byte
	clients     []store.Client
	connections []store.Connection
}

func takeRecordsSnapshot(t *testing.T, st *store.Store) recordsSnapshot {
	t.Helper()
	if err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(st.Path())
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return recordsSnapshot{b, st.Clients(), st.Connections()}
}

func TestImportCanceledChangesNothing(t *testing.T) {
	f := newClashFixture(t)
	before := takeRecordsSnapshot(t, f.dst)
	for _, stage := range []string{"secret", "clash"} {
		d := &importDecider{t: t, secrets: f.src.secrets}
		d.secret = func(req setupfile.SecretRequest) (string, bool, error) {
			if stage == "secret" && req.FileName == "Sandbox" { // the last question
				return "", false, setupfile.ErrImportCanceled
			}
			return f.src.secrets[req.FileName], false, nil
		}
		d.clash = func(c setupfile.NameClash) (string, bool, error) {
			if stage == "clash" && c.Kind == "connection" {
				return "", false, setupfile.ErrImportCanceled
			}
			return c.Suggestion, false, nil
		}
		rep, err := setupfile.Import(context.Background(), f.dst, f.export, d)
		if !errors.Is(err, setupfile.ErrImportCanceled) {
			t.Fatalf("%s: err = %v, want ErrImportCanceled", stage, err)
		}
		msg, _ := connect.Explain(err)
		if msg != "The import was canceled. Nothing was changed." {
			t.Errorf("%s: message %q", stage, msg)
		}
		if !reflect.DeepEqual(rep, setupfile.ImportReport{}) {
			t.Errorf("%s: report %+v after a cancel", stage, rep)
		}
		if after := takeRecordsSnapshot(t, f.dst); !reflect.DeepEqual(before, after) {
			t.Errorf("%s: a canceled import changed the records", stage)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := setupfile.Import(ctx, f.dst, f.export, &importDecider{t: t, secrets: f.src.secrets, clash: suggested}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
	if after := takeRecordsSnapshot(t, f.dst); !reflect.DeepEqual(before, after) {
		t.Errorf("a canceled import changed the records")
	}
	f.untouched(t)
}

// validExport is a real export's text to tamper with.
func validExport(t *testing.T) string {
	t.Helper()
	e := setupfile.Export{Format: setupfile.ExportFormat, Version: setupfile.ExportVersion, ExportedAt: time.Now().UTC(),
		Clients:     []store.ClientSettings{exportClient("One"), exportClient("Two")},
		Connections: []setupfile.ExportConnection{{Name: "C1", Client: "One"}, {Name: "C2", Client: "two"}}}
	var buf bytes.Buffer
	if err := setupfile.WriteExport(&buf, e); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestReadExportRefusesTamperedFiles(t *testing.T) {
	valid := validExport(t)
	if _, err := setupfile.ReadExport(strings.NewReader(valid)); err != nil {
		t.Fatalf("the untampered file: %v", err)
	}
	replace := func(old, new string) string {
		if !strings.Contains(valid, old) {
			t.Fatalf("the export has no %q to tamper with:\n%s", old, valid)
		}
		return strings.Replace(valid, old, new, 1)
	}
	cases := []struct {
		name, file string
		problem    setupfile.FileProblem
		says       string
	}{
		{"empty", "", setupfile.ProblemNotExport, "not a Kantata Connect export"},
		{"picture", "\x89PNG\r\n\x1a\n\x00\x00", setupfile.ProblemNotExport, "not a Kantata Connect export"},
		{"other JSON", `{"clients": [], "connections": []}`, setupfile.ProblemNotExport, "not a Kantata Connect export"},
		{"JSON array", `[1, 2]`, setupfile.ProblemNotExport, "not a Kantata Connect export"},
		{"wrong format", replace(`"kantata-connect-export"`, `"postman-collection"`), setupfile.ProblemNotExport, "not a Kantata Connect export"},
		{"newer version", replace(`"version": 2`, `"version": 3`), setupfile.ProblemNewer, "made by a newer version"},
		{"version zero", replace(`"version": 2`, `"version": 0`), setupfile.ProblemDamaged, "version number"},
		{"version text", replace(`"version": 2`, `"version": "2"`), setupfile.ProblemDamaged, "version number"},
		{"no callback kind", replace(`"callback": "loopback",`, ``), setupfile.ProblemDamaged, "client 1 (“One”) has no callback kind"},
		{"unknown callback kind", replace(`"callback": "loopback"`, `"callback": "pigeon"`), setupfile.ProblemDamaged, "client 1 (“One”) has an invalid callback kind"},
		{"a code without PKCE", replace(`"pkce": true,
      "callback": "loopback"`, `"pkce": false,
      "callback": "code"`), setupfile.ProblemDamaged, "client 1 (“One”) has an invalid callback kind"},
		{"truncated", valid[:len(valid)/2], setupfile.ProblemDamaged, "incomplete or is no longer valid JSON"},
		{"trailing text", valid + "}", setupfile.ProblemDamaged, "no longer valid JSON"},
		{"bad URL", replace(`"https://app.mavenlink.com/oauth/token"`, `"ftp://evil.example.com/token"`), setupfile.ProblemEndpoint,
			"This file can't be imported: in client 1 (“One”), the access token URL must start with https://."},
		{"URL with password", replace(`"https://api.mavenlink.com"`, `"https://user:pw@api.example.com"`), setupfile.ProblemEndpoint, "the API base URL must not hold a user name or password"},
		// issue 19: a look-alike host and the endpoint's own OAuth parameters
		{"look-alike host", strings.ReplaceAll(valid, "app.mavenlink.com", "app.mavenl\u0130nk.com"), setupfile.ProblemEndpoint,
			"in client 1 (“One”), the authorization URL has “İ” (U+0130) in its host name, where only plain letters (a–z), digits, “-” and “.” may stand: " +
				"browsers and Kantata Connect would go to app.xn--mavenlink-ckf.com."},
		{"look-alike API host", replace(`"https://api.mavenlink.com"`, `"https://api.mavenl\u0130nk.com"`), setupfile.ProblemEndpoint, "would go to api.xn--mavenlink-ckf.com"},
		{"client_id in the authorization URL", replace(`"https://app.mavenlink.com/oauth/authorize"`, `"https://app.mavenlink.com/oauth/authorize?client_id=theirs"`),
			setupfile.ProblemEndpoint, "the authorization URL has the OAuth parameter “client_id” in its query"},
		{"redirect_uri in the token URL", replace(`"https://app.mavenlink.com/oauth/token"`, `"https://app.mavenlink.com/oauth/token?redirect_uri=https://evil.example/"`),
			setupfile.ProblemEndpoint, "the access token URL has the OAuth parameter “redirect_uri” in its query"},
		{"client ID with a right-to-left override", replace(`"client_id": "id-One"`, "\"client_id\": \"id-\u202eOne\""), setupfile.ProblemDamaged, "invalid client ID"},
		{"client ID with a zero-width space", replace(`"client_id": "id-One"`, `"client_id": "id-\u200bOne"`), setupfile.ProblemDamaged, "invalid client ID"},
		{"empty URL", replace(`"https://app.mavenlink.com/oauth/authorize"`, `""`), setupfile.ProblemDamaged, "empty authorization URL"},
		{"bad port", replace(`"redirect_port": 38917`, `"redirect_port": 70000`), setupfile.ProblemDamaged, "invalid callback port"},
		{"port text", replace(`"redirect_port": 38917`, `"redirect_port": "38917"`), setupfile.ProblemDamaged, "wrong type"},
		{"bad client_auth", replace(`"client_auth": "body"`, `"client_auth": "jwt"`), setupfile.ProblemDamaged, "invalid client authentication setting"},
		{"client ID with space", replace(`"client_id": "id-One"`, `"client_id": "id One"`), setupfile.ProblemDamaged, "invalid client ID"},
		{"missing field", replace(`"pkce": true,`, ``), setupfile.ProblemDamaged, "client 1 (“One”) has no PKCE setting"},
		{"missing list", replace(`"connections": [`, `"connexions": [`), setupfile.ProblemDamaged, "field this version of Kantata Connect does not know"},
		{"unknown field", replace(`"pkce": true,`, `"pkce": true, "client_secret": "x",`), setupfile.ProblemDamaged, "field this version of Kantata Connect does not know"},
		{"missing client", replace(`"client": "two"`, `"client": "Three"`), setupfile.ProblemDamaged, "the connection “C2” uses the client “Three”, which is not in the file"},
		{"duplicate client", replace(`"name": "Two"`, `"name": " one "`), setupfile.ProblemDamaged, "the client name “one” appears twice"},
		{"duplicate connection", replace(`"name": "C2"`, `"name": "c1"`), setupfile.ProblemDamaged, "the connection name “c1” appears twice"},
		{"bad name", replace(`"name": "C2"`, `"name": "C\u00072"`), setupfile.ProblemDamaged, "connection 2 (“C\uFFFD2”) has a name that is not allowed"},
		{"name with an escape sequence", replace(`"name": "C2"`, `"name": "\u001b]0;pwned\u0007C2\u001b[2J"`), setupfile.ProblemDamaged, "connection 2 (“\uFFFD]0;pwned\uFFFDC2\uFFFD[2J”) has a name that is not allowed"},
		{"name with an 8-bit CSI", replace(`"name": "C2"`, `"name": "\u009b31mC2"`), setupfile.ProblemDamaged, "connection 2 (“\uFFFD31mC2”) has a name that is not allowed"},
		{"name with a right-to-left override", replace(`"name": "C2"`, "\"name\": \"C\u202e2\""), setupfile.ProblemDamaged, "connection 2 (“C2”) has a name that is not allowed"},
		{"client name with a zero-width space", replace(`"name": "One"`, `"name": "O\u200bne"`), setupfile.ProblemDamaged, "client 1 (“One”) has a name that is not allowed"},
		{"client name with a bidi isolate", replace(`"name": "Two"`, "\"name\": \"\u2067Two\u2069\""), setupfile.ProblemDamaged, "client 2 (“Two”) has a name that is not allowed"},
		{"empty name", replace(`"name": "One"`, `"name": ""`), setupfile.ProblemDamaged, "client 1 (“”) has a name that is not allowed"},
		{"null clients", `{"format": "kantata-connect-export", "version": 2, "clients": null, "connections": []}`, setupfile.ProblemDamaged, "the list of clients is missing"},
		{"oversized", valid[:len(valid)-2] + strings.Repeat(" ", setupfile.MaxExportBytes) + "}\n", setupfile.ProblemTooLarge, "too large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := setupfile.ReadExport(strings.NewReader(tc.file))
			var fe *setupfile.ImportFileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *ImportFileError", err)
			}
			if fe.Problem != tc.problem {
				t.Errorf("problem = %q, want %q (%v)", fe.Problem, tc.problem, err)
			}
			msg, detail := connect.Explain(err)
			transferSays(t, "message", msg, tc.says, "Nothing was imported.")
			if detail == "" {
				t.Error("no technical detail")
			}
			// What the file holds is quoted safely: no escape sequence,
			// bidi control or zero-width character reaches a screen.
			for what, s := range map[string]string{"message": msg, "detail": detail} {
				if i := safetext.Find(s); i >= 0 {
					t.Errorf("the %s holds %q at byte %d: %q", what, []rune(s[i:])[0], i, s)
				}
			}
		})
	}
}

// A version 1 file (before the callback kind) holds loopback clients: it
// reads as such, and a code client round-trips in version 2.
func TestReadExportVersion1AndCallbackKinds(t *testing.T) {
	v2 := validExport(t)
	v1 := strings.ReplaceAll(strings.Replace(v2, `"version": 2`, `"version": 1`, 1), `
      "callback": "loopback",`, "")
	if strings.Contains(v1, "callback") {
		t.Fatalf("the version 1 file still says callback:\n%s", v1)
	}
	e, err := setupfile.ReadExport(strings.NewReader(v1))
	if err != nil {
		t.Fatalf("a version 1 file: %v", err)
	}
	for _, c := range e.Clients {
		if c.Callback != store.CallbackLoopback {
			t.Errorf("client %q of a version 1 file has callback %q", c.Name, c.Callback)
		}
	}
	code := strings.Replace(v2, `"callback": "loopback"`, `"callback": "code"`, 1)
	e, err = setupfile.ReadExport(strings.NewReader(code))
	if err != nil || e.Clients[0].Callback != store.CallbackCode || e.Clients[0].RedirectURI() != "urn:ietf:wg:oauth:2.0:oob" {
		t.Fatalf("a code client: %+v, %v", e.Clients, err)
	}
	appLink := strings.Replace(v2, `"callback": "loopback"`, `"callback": "app-link"`, 1)
	e, err = setupfile.ReadExport(strings.NewReader(appLink))
	if err != nil || e.Clients[0].Callback != store.CallbackAppLink || e.Clients[0].RedirectURI() != "com.kantataconnect.desktop:/callback" {
		t.Fatalf("an app-link client: %+v, %v", e.Clients, err)
	}
}

func TestReadExportAcceptsByteOrderMarkAndTrims(t *testing.T) {
	file := "\ufeff" + strings.Replace(validExport(t), `"name": "C1"`, `"name": "  C1  "`, 1)
	file = strings.Replace(file, `"client": "two"`, `"client": " TWO "`, 1)
	e, err := setupfile.ReadExport(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if e.Connections[0].Name != "C1" || e.Connections[1].Client != "Two" {
		t.Errorf("connections = %+v; want names trimmed and the client named as in the client list", e.Connections)
	}
}

// A bad file changes nothing: Import checks an Export built in code as
// ReadExport checks a file, before asking anything.
func TestImportInvalidExportChangesNothing(t *testing.T) {
	f := newClashFixture(t)
	before := takeRecordsSnapshot(t, f.dst)
	bad := []func(e *setupfile.Export){
		func(e *setupfile.Export) { e.Format = "something else" },
		func(e *setupfile.Export) { e.Version = setupfile.ExportVersion + 1 },
		func(e *setupfile.Export) { e.Clients[1].TokenURL = "not a url" },
		func(e *setupfile.Export) { e.Connections[2].Client = "Missing" },
		func(e *setupfile.Export) { e.Clients[1].Name = e.Clients[0].Name },
	}
	for i, tamper := range bad {
		e := f.export
		e.Clients = slices.Clone(e.Clients)
		e.Connections = slices.Clone(e.Connections)
		tamper(&e)
		d := &importDecider{t: t, secrets: f.src.secrets, clash: suggested}
		_, err := setupfile.Import(context.Background(), f.dst, e, d)
		var fe *setupfile.ImportFileError
		if !errors.As(err, &fe) {
			t.Errorf("tamper %d: err = %v, want *ImportFileError", i, err)
		}
		if len(d.secretAsked)+len(d.clashAsked) > 0 {
			t.Errorf("tamper %d: asked questions about a bad file", i)
		}
		if after := takeRecordsSnapshot(t, f.dst); !reflect.DeepEqual(before, after) {
			t.Errorf("tamper %d: a bad export changed the records", i)
		}
	}
	f.untouched(t)
}

// failingKeychain fails a keychain write once armed: a keychain that goes
// away half-way, which the real one can't be made to do on cue.
type failingKeychain struct {
	store.Keychain
	failOn string // a secret value whose write fails
}

func (k *failingKeychain) Set(key, secret string) error {
	if secret == k.failOn {
		return fmt.Errorf("keychain went away")
	}
	return k.Keychain.Set(key, secret)
}

func TestImportStopsAtAFailedSave(t *testing.T) {
	src := newSource(t)
	kc := &failingKeychain{Keychain: testenv.Keychain(t), failOn: src.secrets["Sandbox"]}
	st, err := store.Open(t.TempDir(), kc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cleanupTransferStore(st) })
	rep, err := setupfile.Import(context.Background(), st, setupfile.FromStore(src.st, time.Now()), &importDecider{t: t, secrets: src.secrets})
	if err == nil || !strings.Contains(err.Error(), `import client "Sandbox"`) {
		t.Fatalf("err = %v, want the failed save of Sandbox", err)
	}
	if !slices.Equal(rep.ClientsAdded, []string{"Kantata production"}) || len(rep.ConnectionsAdded) != 0 {
		t.Errorf("report = %+v; want what was added before the failure", rep)
	}
	if got := clientViews(st); len(got) != 1 || got[0].Name != "Kantata production" {
		t.Errorf("clients = %+v", got)
	}
}

func TestImportReadOnlyRecords(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "records.json"), []byte(`{"schema_version": 99, "clients": [], "connections": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, testenv.Keychain(t))
	if err != nil {
		t.Fatal(err)
	}
	d := &importDecider{t: t, secrets: map[string]string{"One": "x"}}
	e, err := setupfile.ReadExport(strings.NewReader(validExport(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setupfile.Import(context.Background(), st, e, d); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("err = %v, want ErrReadOnly", err)
	}
	if len(d.secretAsked) > 0 {
		t.Error("asked for a secret that could not be saved")
	}
}

func transferSays(t *testing.T, what, text string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(text, s) {
			t.Errorf("%s does not say %q:\n%s", what, s, text)
		}
	}
}

// Names clash in a file exactly as they do in the store (store.SameName):
// "Aς" and "Aσ" differ under strings.ToLower but are one name to the store,
// so a file holding both is refused before anything is asked or saved.
func TestReadExportComparesNamesAsTheStore(t *testing.T) {
	for _, tc := range []struct{ name, a, b, says string }{
		{"clients", `"name": "One"`, `"name": "Two"`, "the client name “Aσ” appears twice"},
		{"connections", `"name": "C1"`, `"name": "C2"`, "the connection name “Aσ” appears twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := validExport(t)
			file = strings.Replace(file, tc.a, `"name": "Aς"`, 1)
			file = strings.Replace(file, tc.b, `"name": "Aσ"`, 1)
			_, err := setupfile.ReadExport(strings.NewReader(file))
			var fe *setupfile.ImportFileError
			if !errors.As(err, &fe) || fe.Problem != setupfile.ProblemDamaged || !strings.Contains(fe.UserMessage(), tc.says) {
				t.Errorf("ReadExport = %v; want damaged saying %q", err, tc.says)
			}
		})
	}
}

// A setup file from someone else may keep Kantata's sign-in page but send
// the token request and the API calls elsewhere. Such a client is shown with
// its hosts before any secret is asked, and stays out unless accepted.
func TestImportAsksAboutForeignEndpointsFirst(t *testing.T) {
	hostile := exportClient("Looks like Kantata")
	hostile.TokenURL, hostile.APIBaseURL, hostile.PKCE = "https://collector.example/oauth/token", "https://collector.example", false
	plain := exportClient("Kantata production")
	e := setupfile.Export{Format: setupfile.ExportFormat, Version: setupfile.ExportVersion,
		Clients: []store.ClientSettings{plain, hostile},
		Connections: []setupfile.ExportConnection{
			{Name: "Production", Client: "Kantata production"}, {Name: "Stolen", Client: "Looks like Kantata"}}}

	for _, tc := range []struct {
		name       string
		accept     bool
		clients    []string
		conns      []string
		secretsFor []string
	}{
		{"refused", false, []string{"Kantata production"}, []string{"Production"}, []string{"Kantata production"}},
		{"accepted", true, []string{"Kantata production", "Looks like Kantata"}, []string{"Production", "Stolen"}, []string{"Kantata production", "Looks like Kantata"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := freshTransferStore(t)
			d := &importDecider{t: t, secrets: map[string]string{"Kantata production": "s1", "Looks like Kantata": "s2"},
				endpoints: func(setupfile.EndpointsRequest) (bool, error) { return tc.accept, nil }}
			rep, err := setupfile.Import(context.Background(), st, e, d)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.endpointsAsked) != 1 {
				t.Fatalf("asked about endpoints %d times, want once (for the hostile client only)", len(d.endpointsAsked))
			}
			req := d.endpointsAsked[0]
			if req.Client.Name != "Looks like Kantata" || !slices.Equal(req.Departures.Hosts(), []string{"collector.example"}) || !req.Departures.NoPKCE {
				t.Errorf("endpoints question %+v; want the hostile client, collector.example and PKCE off", req)
			}
			if d.order[0] != "endpoints Looks like Kantata" {
				t.Errorf("questions in order %q; the endpoints come before any secret", d.order)
			}
			var asked []string
			for _, r := range d.secretAsked {
				asked = append(asked, r.FileName)
			}
			if !slices.Equal(asked, tc.secretsFor) {
				t.Errorf("secrets asked for %q, want %q", asked, tc.secretsFor)
			}
			if !slices.Equal(rep.ClientsAdded, tc.clients) || !slices.Equal(rep.ConnectionsAdded, tc.conns) {
				t.Errorf("report %+v; want clients %q and connections %q", rep, tc.clients, tc.conns)
			}
			if !tc.accept {
				transferSays(t, "report", rep.String(), "client “Looks like Kantata”: its settings were not accepted (sends to hosts that are not Kantata's: collector.example (access token URL, API base URL), and turns PKCE off)",
					"connection “Stolen”: its client “Looks like Kantata” was skipped")
				if _, ok := st.ClientByName("Looks like Kantata"); ok {
					t.Error("the refused client was saved")
				}
			}
		})
	}

	t.Run("canceled at the question", func(t *testing.T) {
		st := freshTransferStore(t)
		d := &importDecider{t: t, endpoints: func(setupfile.EndpointsRequest) (bool, error) { return false, setupfile.ErrImportCanceled }}
		if _, err := setupfile.Import(context.Background(), st, e, d); !errors.Is(err, setupfile.ErrImportCanceled) {
			t.Fatalf("err = %v, want canceled", err)
		}
		if len(st.Clients())+len(st.Connections()) != 0 || len(d.secretAsked) != 0 {
			t.Error("a canceled import saved something or asked for a secret")
		}
	})
}
