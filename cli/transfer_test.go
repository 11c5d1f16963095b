package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// machine is a harness with two clients, three connections, one of them
// authorized (a real token from the stand-in, tested so its identity is
// recorded), ready to export.
type machine struct {
	*harness
	secrets map[string]string // client name → secret
}

func newMachine(t *testing.T) *machine {
	t.Helper()
	m := &machine{harness: newHarness(t), secrets: map[string]string{}}
	clientID, secret, port := m.addClient("Acme app")
	m.secrets["Acme app"] = secret
	_, m.secrets["Sandbox"], _ = m.addClient("Sandbox")
	for _, c := range [][2]string{{"Production", "Acme app"}, {"Reporting", "Acme app"}, {"Sandbox test", "Sandbox"}} {
		if res := m.run("", "connection", "add", c[0], "--client", c[1]); res.code != 0 {
			t.Fatalf("connection add: %v", res)
		}
	}
	tok := m.kantata.IssueToken(t, clientID, secret, oauth.RedirectURI(port))
	m.secret(tok)
	st := m.store()
	conn, _ := st.ConnectionByName("Production")
	if err := st.SaveToken(conn.ID, store.Token{AccessToken: tok}); err != nil {
		t.Fatal(err)
	}
	if res := m.run("", "test", "Production"); res.code != 0 {
		t.Fatalf("test: %v", res)
	}
	return m
}

func settingsOf(st *store.Store) ([]store.ClientSettings, []string) {
	var clients []store.ClientSettings
	for _, c := range st.Clients() {
		clients = append(clients, c.ClientSettings)
	}
	var conns []string
	for _, c := range st.Connections() {
		cl, _ := st.Client(c.ClientRef)
		conns = append(conns, c.Name+" → "+cl.Name)
	}
	return clients, conns
}

func readRecords(t *testing.T, h *harness) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(h.dir, "records.json"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return b
}

func TestExportThenImportOnAnotherMachine(t *testing.T) {
	a := newMachine(t)
	file := filepath.Join(t.TempDir(), "setup.json")

	res := a.run("", "export", file)
	if res.code != 0 {
		t.Fatalf("export: %v", res)
	}
	mustContain(t, "export", res.out, "Exported 2 clients and 3 connections to "+file+".",
		"The file holds no secrets or tokens", "On the other computer: kantata-connect import setup.json")
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	// Windows has no permission bits; the file is in the user's own folder.
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(file)
	a.record(string(data)) // the harness checks no secret or token is in it
	for _, s := range a.secrets {
		if bytes.Contains(data, []byte(s)) {
			t.Error("the export file holds a client secret")
		}
	}
	if bytes.Contains(data, []byte("Jane Doe")) || bytes.Contains(data, []byte("authorized")) {
		t.Error("the export file holds a connection's status or identity")
	}
	if entries, _ := os.ReadDir(filepath.Dir(file)); len(entries) != 1 {
		t.Errorf("export left %d files in its folder, want only the export", len(entries))
	}

	// Not replaced without --force.
	if err := os.WriteFile(file, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	res = a.run("", "export", file)
	if res.code != 2 {
		t.Errorf("export over an existing file: %v", res)
	}
	mustContain(t, "export over a file", res.errOut, "already exists", "--force")
	if got, _ := os.ReadFile(file); string(got) != "keep me" {
		t.Error("export replaced an existing file without --force")
	}
	if res = a.run("", "export", file, "--force"); res.code != 0 {
		t.Fatalf("export --force: %v", res)
	}
	if got, _ := os.ReadFile(file); !bytes.HasPrefix(got, []byte("{\n  \"format\": \"kantata-connect-export\"")) {
		t.Errorf("export --force wrote:\n%s", got)
	}
	if info, _ := os.Stat(file); runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("replaced file mode %v, want 0600", info.Mode().Perm())
	}

	// "-" is standard output.
	res = a.run("", "export", "-")
	var shape struct {
		Format  string            `json:"format"`
		Clients []json.RawMessage `json:"clients"`
	}
	if res.code != 0 || json.Unmarshal([]byte(res.out), &shape) != nil || shape.Format != "kantata-connect-export" || len(shape.Clients) != 2 {
		t.Errorf("export -: %v", res)
	}
	mustContain(t, "export - (stderr)", res.errOut, "Exported 2 clients and 3 connections to standard output.")

	// The other machine: its own records and keychain. Secrets on stdin,
	// one line per client in file order (sorted by name: Acme app, Sandbox).
	b := newHarness(t)
	for _, s := range a.secrets {
		b.secret(s)
	}
	res = b.run(a.secrets["Acme app"]+"\n"+a.secrets["Sandbox"]+"\n", "import", file, "--accept-endpoints") // the stand-in Kantata is not on Kantata's hosts
	if res.code != 0 {
		t.Fatalf("import: %v", res)
	}
	mustContain(t, "import", res.out, "Imported 2 clients and 3 connections.", "client “Acme app”", "connection “Sandbox test”",
		"not authorized yet", "Next: kantata-connect authorize Production")
	wantClients, wantConns := settingsOf(a.store())
	gotClients, gotConns := settingsOf(b.store())
	if !reflect.DeepEqual(gotClients, wantClients) || !reflect.DeepEqual(gotConns, wantConns) {
		t.Errorf("imported:\n%+v\n%v\nwant\n%+v\n%v", gotClients, gotConns, wantClients, wantConns)
	}
	st := b.store()
	for _, c := range st.Clients() {
		if s, err := st.ClientSecret(c.ID); err != nil || s != a.secrets[c.Name] {
			t.Errorf("client %q: the secret in the keychain is not the one entered (err %v)", c.Name, err)
		}
	}
	for _, c := range st.Connections() {
		if c.Status != store.StatusNeverAuthorized || c.Identity != nil {
			t.Errorf("imported connection %q: status %q, identity %v", c.Name, c.Status, c.Identity)
		}
	}
	res = b.run("", "list")
	mustContain(t, "list after import", res.out, "Production", "Not authorized yet")
}

func TestImportNameClashesWithoutATerminal(t *testing.T) {
	a := newMachine(t)
	file := filepath.Join(t.TempDir(), "setup.json")
	if res := a.run("", "export", file); res.code != 0 {
		t.Fatalf("export: %v", res)
	}
	b := newHarness(t)
	// B already has "Acme app" and a connection "Sandbox test".
	if res := b.run("theirs-"+testenv.RandomHex(t)+"\n", "client", "add", "acme APP", "--client-id", "theirs"); res.code != 0 {
		t.Fatal(res)
	}
	if res := b.run("", "connection", "add", "Sandbox test", "--client", "acme APP"); res.code != 0 {
		t.Fatal(res)
	}
	sandboxSecret := "sandbox-line-" + testenv.RandomHex(t)
	b.secret(sandboxSecret)

	// Default: skip. The first line still belongs to the first client.
	res := b.run("unused-line\n"+sandboxSecret+"\n", "import", file, "--accept-endpoints")
	if res.code != 0 {
		t.Fatalf("import: %v", res)
	}
	mustContain(t, "import (skip)", res.out, "Imported 1 client and 0 connections.", "Skipped:",
		"client “Acme app”: the name is already in use",
		"connection “Production”: its client “Acme app” was skipped",
		"connection “Sandbox test”: the name is already in use")
	st := b.store()
	sb, ok := st.ClientByName("Sandbox")
	if s, err := st.ClientSecret(sb.ID); !ok || err != nil || s != sandboxSecret {
		t.Errorf("Sandbox did not get the second line as its secret (found %v, err %v)", ok, err)
	}
	if strings.Contains(res.out+res.errOut, "unused-line") {
		t.Error("a secret line was shown")
	}

	// rename: "Acme app (2)", and its connections follow it.
	acmeSecret := "acme-line-" + testenv.RandomHex(t)
	b.secret(acmeSecret)
	res = b.run(acmeSecret+"\n"+sandboxSecret+"\n", "import", file, "--on-clash", "rename", "--accept-endpoints")
	if res.code != 0 {
		t.Fatalf("import --on-clash rename: %v", res)
	}
	mustContain(t, "import (rename)", res.out, "Imported 2 clients and 3 connections.", "client “Acme app” as “Acme app (2)”",
		"client “Sandbox” as “Sandbox (2)”", "connection “Sandbox test” as “Sandbox test (2)”")
	_, conns := settingsOf(b.store())
	want := []string{"Production → Acme app (2)", "Reporting → Acme app (2)", "Sandbox test → acme APP",
		"Sandbox test (2) → Sandbox (2)"}
	if !reflect.DeepEqual(conns, want) {
		t.Errorf("connections = %v, want %v", conns, want)
	}
	st = b.store()
	acme2, _ := st.ClientByName("Acme app (2)")
	if s, err := st.ClientSecret(acme2.ID); err != nil || s != acmeSecret {
		t.Errorf("the renamed client's secret is not its line (err %v)", err)
	}
	theirs, _ := st.ClientByName("acme APP")
	if theirs.ClientID != "theirs" {
		t.Error("the existing client was changed")
	}
}

func TestImportInATerminal(t *testing.T) {
	a := newMachine(t)
	file := filepath.Join(t.TempDir(), "setup.json")
	if res := a.run("", "export", file); res.code != 0 {
		t.Fatalf("export: %v", res)
	}
	b := newHarness(t)
	if res := b.run("x-"+testenv.RandomHex(t)+"\n", "client", "add", "Acme app", "--client-id", "theirs"); res.code != 0 {
		t.Fatal(res)
	}
	if res := b.run("", "connection", "add", "Reporting", "--client", "Acme app"); res.code != 0 {
		t.Fatal(res)
	}
	for _, s := range a.secrets {
		b.secret(s)
	}
	// Typed at the prompts: a new name that is taken too, then a free one
	// for the client; Return (skip) for the connection.
	env := b.env("acme APP\nAcme (laptop)\n\n", &watched{}, &watched{})
	env.StdinIsTerminal = func() bool { return true }
	secrets := []string{a.secrets["Acme app"], ""} // Sandbox: empty, entered later
	var asked int
	env.ReadPassword = func() (string, error) {
		s := secrets[asked]
		asked++
		return s, nil
	}
	res := b.runEnv(context.Background(), env, "import", file, "--accept-endpoints")
	if res.code != 0 {
		t.Fatalf("import: %v", res)
	}
	if asked != 2 {
		t.Errorf("asked for %d hidden secrets, want 2", asked)
	}
	mustContain(t, "prompts", res.errOut,
		"A client named “Acme app” already exists. Type a new name, or press Return to skip: ",
		"A client named “acme APP” already exists. Type a new name, or press Return to skip: ",
		"Secret for client “Acme (laptop)” (input hidden; empty to enter it later, before signing in): ",
		"Secret for client “Sandbox” (input hidden; empty to enter it later, before signing in): ",
		"A connection named “Reporting” already exists. Type a new name, or press Return to skip: ")
	mustContain(t, "report", res.out, "Imported 2 clients and 2 connections.", "client “Acme app” as “Acme (laptop)”",
		"Imported without a secret (enter it before signing in):\n  client “Sandbox”", "connection “Reporting”: the name is already in use")
	_, conns := settingsOf(b.store())
	if want := []string{"Production → Acme (laptop)", "Reporting → Acme app", "Sandbox test → Sandbox"}; !reflect.DeepEqual(conns, want) {
		t.Errorf("connections = %v, want %v", conns, want)
	}
	// Its sign-in asks for the secret first, and says how.
	res = b.run("", "authorize", "Sandbox test")
	if res.code != 2 {
		t.Errorf("authorize of a connection whose client has no secret: %v", res)
	}
	mustContain(t, "authorize", res.errOut, "The OAuth 2.0 client “Sandbox” has no secret yet", "Run: kantata-connect client edit Sandbox (it asks for the secret)")
	if res := b.run("", "list"); !strings.Contains(res.out, "Sandbox (secret needed)") {
		t.Errorf("list does not flag the client without a secret:\n%s", res.out)
	}
}

func TestImportCanceledAtAPromptChangesNothing(t *testing.T) {
	a := newMachine(t)
	file := filepath.Join(t.TempDir(), "setup.json")
	if res := a.run("", "export", file); res.code != 0 {
		t.Fatalf("export: %v", res)
	}
	b := newHarness(t)
	for _, s := range a.secrets {
		b.secret(s)
	}
	before := readRecords(t, b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := b.env("", &watched{}, &watched{})
	env.StdinIsTerminal = func() bool { return true }
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var calls int
	env.ReadPassword = func() (string, error) {
		calls++
		if calls == 1 {
			return a.secrets["Acme app"], nil
		}
		cancel() // Ctrl-C while the second secret is asked for
		<-release
		return "", errors.New("released")
	}
	res := b.runEnv(ctx, env, "import", file, "--accept-endpoints")
	if res.code != 130 {
		t.Fatalf("canceled import: %v", res)
	}
	mustContain(t, "canceled import", res.errOut, "Canceled; nothing was imported.")
	if after := readRecords(t, b); !bytes.Equal(before, after) {
		t.Error("a canceled import changed the records")
	}
	if len(b.store().Clients()) != 0 {
		t.Error("a canceled import added a client")
	}
}

func TestImportRefusesBadFilesAndChangesNothing(t *testing.T) {
	a := newMachine(t)
	good := filepath.Join(t.TempDir(), "setup.json")
	if res := a.run("", "export", good); res.code != 0 {
		t.Fatalf("export: %v", res)
	}
	valid, _ := os.ReadFile(good)
	b := newHarness(t)
	if res := b.run("x-"+testenv.RandomHex(t)+"\n", "client", "add", "Existing", "--client-id", "id"); res.code != 0 {
		t.Fatal(res)
	}
	before := readRecords(t, b)
	dir := t.TempDir()
	tamper := func(name, old, new string) string {
		if !bytes.Contains(valid, []byte(old)) {
			t.Fatalf("no %q to tamper with", old)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Replace(valid, []byte(old), []byte(new), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, file, says string
	}{
		{"wrong format", tamper("format.json", `"kantata-connect-export"`, `"something-else"`), "This file is not a Kantata Connect export."},
		{"newer version", tamper("newer.json", `"version": 2`, `"version": 7`), "made by a newer version of Kantata Connect"},
		{"bad JSON", write("bad.json", valid[:len(valid)-10]), "This Kantata Connect export is damaged: it is incomplete"},
		{"bad URL", tamper("url.json", `"token_url": "http`, `"token_url": "ftp`), "the access token URL must start with https://"},
		{"look-alike host", tamper("lookalike.json", `"api_base_url": "http://127.0.0.1`, `"api_base_url": "https://api.mavenl\u0130nk.com`),
			"the API base URL has “İ” (U+0130) in its host name"},
		{"missing client", tamper("client.json", `"client": "Acme app"`, `"client": "Nobody"`), "uses the client “Nobody”, which is not in the file"},
		{"oversized", write("big.json", append(bytes.Repeat([]byte(" "), 1<<20), valid...)), "too large"},
		{"not there", filepath.Join(dir, "missing.json"), "there is no such file"},
		{"a folder", dir, "is a folder"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := b.run(a.secrets["Acme app"]+"\n"+a.secrets["Sandbox"]+"\n", "import", tc.file, "--on-clash", "rename")
			if res.code != 2 {
				t.Errorf("%v", res)
			}
			mustContain(t, tc.name, res.errOut, tc.says)
			if after := readRecords(t, b); !bytes.Equal(before, after) {
				t.Error("the records changed")
			}
		})
	}
	if clients := b.store().Clients(); len(clients) != 1 {
		t.Errorf("clients after refused imports: %d", len(clients))
	}
}

func TestTransferUsageErrors(t *testing.T) {
	h := newHarness(t)
	file := filepath.Join(t.TempDir(), "x.json")
	for _, args := range [][]string{
		{"export"},
		{"export", "a.json", "b.json"},
		{"import"},
		{"import", "-"},
		{"import", file, "--on-clash", "overwrite"},
		{"import", file, "--on-clash", "ask"}, // no terminal to ask in
		{"export", file, "--client-secret=x"},
	} {
		res := h.run("", args...)
		if res.code != 2 || !strings.Contains(res.errOut, "Run 'kantata-connect help") {
			t.Errorf("%q: %v", args, res)
		}
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Error("a usage error wrote a file")
	}
	for _, topic := range []string{"export", "import"} {
		res := h.run("", "help", topic)
		mustContain(t, "help "+topic, res.out, "Usage: kantata-connect "+topic+" FILE")
	}
	res := h.run("", "export", filepath.Join(t.TempDir(), "no", "such", "folder.json"))
	if res.code != 2 || !strings.Contains(res.errOut, "Couldn't write the export") {
		t.Errorf("export to a missing folder: %v", res)
	}
}

// A client whose name is in use but whose settings are the saved one's is
// used as it is: without a terminal that is the default, so the file's
// connections need no secret and aren't dropped with the client.
func TestImportUsesTheSavedClientByDefault(t *testing.T) {
	a := newMachine(t)
	file := filepath.Join(t.TempDir(), "setup.json")
	if res := a.run("", "export", file); res.code != 0 {
		t.Fatalf("export: %v", res)
	}
	st := a.store()
	reporting, _ := st.ConnectionByName("Reporting")
	if err := st.DeleteConnection(reporting.ID); err != nil {
		t.Fatal(err)
	}
	acme, _ := st.ClientByName("Acme app")

	res := a.run("", "import", file, "--accept-endpoints") // no secrets on standard input
	if res.code != 0 {
		t.Fatalf("import: %v", res)
	}
	mustContain(t, "report", res.out, "Imported 0 clients and 1 connection.", "connection “Reporting”",
		"Used the saved client of the same name and settings (no secret needed):\n  client “Acme app”\n  client “Sandbox”")
	if again, _ := a.store().ConnectionByName("Reporting"); again.ClientRef != acme.ID {
		t.Errorf("the imported connection uses client %q, want the saved “Acme app” (%s)", again.ClientRef, acme.ID)
	}
	if got, _ := a.store().ClientSecret(acme.ID); got != a.secrets["Acme app"] {
		t.Error("the saved client's secret changed")
	}
	if res := a.run("", "import", file, "--accept-endpoints", "--on-clash", "skip"); !strings.Contains(res.out, "client “Acme app”: the name is already in use") {
		t.Errorf("--on-clash skip did not skip the same client: %v", res)
	}
}
