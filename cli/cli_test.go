package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/cli"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/store"
)

func TestParseGlobal(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		dir      string
		rest     []string
		software bool
		wantErr  string
	}{
		{args: nil},
		{args: []string{"--config-dir", "/x"}, dir: "/x"},
		{args: []string{"--config-dir", "/x", "list", "--json"}, dir: "/x", rest: []string{"list", "--json"}},
		{args: []string{"--config-dir=/y", "test", "A"}, dir: "/y", rest: []string{"test", "A"}},
		{args: []string{"-config-dir", "/z", "list"}, dir: "/z", rest: []string{"list"}},
		{args: []string{"list", "--config-dir", "/x"}, rest: []string{"list", "--config-dir", "/x"}},
		{args: []string{"-h"}, rest: []string{"help"}},
		{args: []string{"--help", "test"}, rest: []string{"help", "test"}},
		{args: []string{"--version"}, rest: []string{"version"}},
		{args: []string{"-psn_0_12345"}},
		{args: []string{"--", "list"}, rest: []string{"list"}},
		{args: []string{"--software-rendering"}, software: true},
		{args: []string{"--software-rendering", "--config-dir", "/x"}, dir: "/x", software: true},
		{args: []string{"--software-rendering=yes"}, wantErr: "unknown option --software-rendering"},
		{args: []string{"--config-dir"}, wantErr: "--config-dir needs a folder"},
		{args: []string{"--config-dir="}, wantErr: "--config-dir needs a folder"},
		{args: []string{"--bogus=hidden-value", "list"}, wantErr: "unknown option --bogus"},
	} {
		t.Run(fmt.Sprintf("%q", tc.args), func(t *testing.T) {
			g, rest, err := cli.ParseGlobal(tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "hidden-value") {
					t.Errorf("error = %v; want %q (and no value repeated)", err, tc.wantErr)
				}
				return
			}
			if err != nil || g.ConfigDir != tc.dir || !slices.Equal(rest, tc.rest) || g.SoftwareRendering != tc.software {
				t.Errorf("= %q, %q, software %v, %v; want %q, %q, software %v", g.ConfigDir, rest, g.SoftwareRendering, err, tc.dir, tc.rest, tc.software)
			}
		})
	}
}

func TestGlobalDirFlagWinsOverEnvironment(t *testing.T) {
	fromEnv := t.TempDir()
	t.Setenv(store.EnvConfigDir, fromEnv)
	if d, err := (cli.Global{}).Dir(); err != nil || d != fromEnv {
		t.Errorf("Dir() without the flag = %q, %v; want %s from %s", d, err, fromEnv, store.EnvConfigDir)
	}
	if d, err := (cli.Global{ConfigDir: "/from/flag"}).Dir(); err != nil || d != "/from/flag" {
		t.Errorf("Dir() with the flag = %q, %v; want the flag's folder", d, err)
	}

	// And the commands use it: a client added through the environment's
	// folder is not in the flag's folder.
	h := newHarness(t)
	t.Setenv(store.EnvConfigDir, fromEnv)
	env := h.env("secret-"+testenv.RandomHex(t)+"\n", &watched{}, &watched{})
	if code := cli.Run(context.Background(), cli.Global{}, []string{"client", "add", "Env", "--client-id", "x"}, env); code != 0 {
		t.Fatalf("client add through %s: exit %d: %s", store.EnvConfigDir, code, env.Stderr)
	}
	st, err := store.Open(fromEnv, h.kc)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c, _ := st.ClientByName("Env"); _ = st.DeleteClient(c.ID, true) }()
	if _, ok := st.ClientByName("Env"); !ok {
		t.Errorf("the client was not saved in %s", fromEnv)
	}
	if res := h.run("", "list"); !strings.Contains(res.out, "No connections yet") {
		t.Errorf("--config-dir folder is not empty: %v", res)
	}
	// --config-dir after the command works too.
	res := h.run("", "list", "--json", "--config-dir", fromEnv)
	if res.code != 0 || !strings.Contains(res.out, `"name": "Env"`) {
		t.Errorf("list --config-dir after the command: %v", res)
	}
}

func TestHelp(t *testing.T) {
	h := newHarness(t)
	res := h.run("", "help")
	if res.code != 0 {
		t.Fatalf("help: %v", res)
	}
	mustContain(t, "help", res.out, "list [--json]", "client add NAME --client-id ID", "client edit NAME",
		"connection add NAME --client CLIENT", "authorize NAME [--no-browser] [--timeout 5m]", "test NAME [--json]",
		"delete connection NAME", "delete client NAME [--cascade]", "version", "--config-dir DIR",
		"Exit codes:", "  0 ", "  1 ", "  2 ", "130", "standard input")

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"help", "list"}, []string{`"clients"`, `"client_id"`, `"auth_url"`, `"token_url"`, `"api_base_url"`,
			`"client_auth"`, `"pkce"`, `"redirect_port"`, `"callback_url"`, `"connections"`, `"status_text"`,
			`"user"`, `"full_name"`, `"email"`, `"last_authorized_at"`, `"last_tested_at"`, `"last_error"`}},
		{[]string{"help", "test"}, []string{`"connection"`, `"ok"`, `"status"`, `"error"`, `"message"`, `"detail"`,
			`"kind"`, `"tested_at"`, "rejected", "not_authorized", "Exit code 0"}},
		{[]string{"test", "--help"}, []string{"Usage: kantata-connect test NAME [--json]"}},
		{[]string{"test", "Some name", "-h"}, []string{"Usage: kantata-connect test NAME [--json]"}},
		{[]string{"client", "add", "X", "--client-id", "Y", "--help"}, []string{"client edit NAME", "--no-pkce",
			kantata.DefaultAuthURL, kantata.DefaultTokenURL, kantata.DefaultAPIBaseURL, strconv.Itoa(kantata.DefaultRedirectPort)}},
		{[]string{"help", "authorize"}, []string{"--no-browser", "--timeout DURATION", "Ctrl-C"}},
		{[]string{"help", "delete"}, []string{"--cascade"}},
		{[]string{"help", "connection"}, []string{"--client CLIENT_NAME"}},
		{[]string{"help", "version"}, []string{"version"}},
		{[]string{"help", "help"}, []string{"help [COMMAND]"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := h.run("", tc.args...)
			if res.code != 0 {
				t.Errorf("%v", res)
			}
			mustContain(t, strings.Join(tc.args, " "), res.out, tc.want...)
		})
	}

	if res := h.run("", "help", "nosuch"); res.code != 2 || !strings.Contains(res.errOut, "nosuch") {
		t.Errorf("help nosuch: %v; want exit 2 naming it", res)
	}
	if res := h.run(""); res.code != 2 || !strings.Contains(res.errOut, "Commands:") {
		t.Errorf("no command: %v; want exit 2 with the overview", res)
	}
}

func TestVersion(t *testing.T) {
	h := newHarness(t)
	if res := h.run("", "version"); res.code != 0 || res.out != "kantata-connect 9.8.7 (build 6)\n" {
		t.Errorf("version: %v", res)
	}
}

func TestUsageErrorsExit2AndChangeNothing(t *testing.T) {
	h := newHarness(t)
	const value = "value-that-must-not-echo"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"client"}, "client add NAME"},
		{[]string{"client", "remove", "X"}, "unknown client command"},
		{[]string{"client", "add", "X"}, "needs --client-id"},
		{[]string{"client", "add", "--client-id", "Y"}, "missing NAME"},
		{[]string{"client", "add", "X", "Y", "--client-id", "Z"}, "expected one NAME"},
		{[]string{"client", "add", "X", "--client-id", "Y", "--client-secret", value}, "never taken from the command line"},
		{[]string{"client", "add", "X", "--client-id", "Y", "--secret=" + value}, "never taken from the command line"},
		{[]string{"client", "add", "X", "--client-id", "Y", value}, "expected one NAME"},
		{[]string{"client", "add", "X", "--client-id", "Y", "--client-auth", "digest"}, "--client-auth: Send the client secret in the request body (body) or a basic-auth header (basic)"},
		{[]string{"client", "add", "X", "--client-id", "Y", "--redirect-port", "70000"}, "--redirect-port: The callback port must be a number"},
		{[]string{"client", "add", "X", "--client-id", "Y", "--auth-url", "ftp://x"}, "--auth-url: The authorization URL must start with https://"},
		// issue 19: a look-alike host, an endpoint's own OAuth parameter, an invisible client ID
		{[]string{"client", "add", "X", "--client-id", "Y", "--api-url", "https://api.mavenl\u0130nk.com"},
			"--api-url: The API base URL has “İ” (U+0130) in its host name, where only plain letters (a–z), digits, “-” and “.” may stand: browsers and Kantata Connect would go to api.xn--mavenlink-ckf.com."},
		{[]string{"client", "add", "X", "--client-id", "Y", "--token-url", "https://app.mavenl%C4%B0nk.com/oauth/token"}, "would go to app.xn--mavenlink-ckf.com"},
		{[]string{"client", "add", "X", "--client-id", "Y", "--auth-url", "https://app.mavenlink.com/oauth/authorize?redirect_uri=x"}, "--auth-url: The authorization URL has the OAuth parameter “redirect_uri”"},
		{[]string{"client", "add", "X", "--client-id", "Y\u202E"}, "--client-id: A client ID can't contain the invisible character U+202E (right-to-left override)."},
		{[]string{"client", "add", "X", "--client-id", "Y", "--pkce"}, "flag provided but not defined"},
		{[]string{"client", "edit", "X", "--pkce", "--no-pkce"}, "not both"},
		{[]string{"connection", "add", "C"}, "needs --client"},
		{[]string{"connection", "rename", "C"}, "connection add NAME"},
		{[]string{"authorize"}, "missing NAME"},
		{[]string{"authorize", "C", "--timeout", "-1s"}, "--timeout must be a positive duration"},
		{[]string{"authorize", "C", "--timeout", "soon"}, "invalid value"},
		{[]string{"test", "A", "B"}, "expected one NAME"},
		{[]string{"test", "C", "--verbose"}, "flag provided but not defined"},
		{[]string{"list", "X"}, "list takes no NAME"},
		{[]string{"delete", "thing", "X"}, "delete connection NAME"},
		{[]string{"delete", "connection", "X", "--cascade"}, "flag provided but not defined"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			res := h.run(value+"\n", tc.args...)
			if res.code != 2 || !strings.Contains(res.errOut, tc.want) || !strings.Contains(res.errOut, "kantata-connect help") {
				t.Errorf("%v; want exit 2 saying %q and where the help is", res, tc.want)
			}
			if strings.Contains(res.out+res.errOut, value) {
				t.Errorf("an output repeats a value given on the command line: %v", res)
			}
		})
	}
	if res := h.run("", "list", "--json"); res.out != "{\n  \"clients\": [],\n  \"connections\": []\n}\n" {
		t.Errorf("after usage errors the records are not empty: %v", res)
	}
}

func TestFirstRunListSaysWhatToDo(t *testing.T) {
	h := newHarness(t)
	res := h.run("", "list")
	if res.code != 0 || res.out != "No connections yet. Add a client with: kantata-connect client add NAME --client-id ID\n" || res.errOut != "" {
		t.Errorf("list on first run: %v", res)
	}
	var got map[string][]any
	res = h.run("", "list", "--json")
	if err := json.Unmarshal([]byte(res.out), &got); err != nil || got["clients"] == nil || got["connections"] == nil ||
		len(got["clients"])+len(got["connections"]) != 0 {
		t.Errorf("list --json on first run: %v (%v); want empty lists, not null", res, err)
	}
}

func TestClientAddReadsSecretFromStdin(t *testing.T) {
	h := newHarness(t)
	secret := "s3cr3t-" + testenv.RandomHex(t)
	h.secret(secret)
	res := h.run("  "+secret+"  \r\nsecond line ignored\n", "client", "add", "Acme app", "--client-id", "abc123",
		"--client-auth", "basic", "--no-pkce", "--redirect-port", "40001")
	if res.code != 0 {
		t.Fatalf("client add: %v", res)
	}
	mustContain(t, "client add", res.out, "Saved client “Acme app”", "http://127.0.0.1:40001/callback",
		`kantata-connect connection add NAME --client "Acme app"`)

	st := h.store()
	c, ok := st.ClientByName("acme APP")
	if !ok {
		t.Fatal("client not saved")
	}
	if got, err := st.ClientSecret(c.ID); err != nil || got != secret {
		t.Errorf("keychain holds %d characters (%v); want the first line without spaces and line end", len(got), err)
	}
	if c.ClientID != "abc123" || c.ClientAuth != store.ClientAuthBasic || c.PKCE || c.RedirectPort != 40001 ||
		c.AuthURL != kantata.DefaultAuthURL || c.TokenURL != kantata.DefaultTokenURL || c.APIBaseURL != kantata.DefaultAPIBaseURL {
		t.Errorf("saved client = %+v", c)
	}

	// Same name again (any case) is refused before the secret is read.
	if res := h.run("other\n", "client", "add", "ACME app", "--client-id", "z"); res.code != 2 || !strings.Contains(res.errOut, "already exists") {
		t.Errorf("duplicate client name: %v", res)
	}

	// No secret at all: a plain message, exit 2, nothing saved.
	for _, stdin := range []string{"", "\n", "   \n"} {
		res := h.run(stdin, "client", "add", "Other", "--client-id", "z")
		if res.code != 2 || !strings.Contains(res.errOut, "no client secret was given") {
			t.Errorf("client add with stdin %q: %v", stdin, res)
		}
	}
	if _, ok := h.store().ClientByName("Other"); ok {
		t.Error("a client without a secret was saved")
	}

	// A secret too long for the keychain: the keychain's plain message.
	res = h.run(strings.Repeat("x", store.MaxSecretBytes+1)+"\n", "client", "add", "Long", "--client-id", "z")
	if res.code != 2 || !strings.Contains(res.errOut, "too long") {
		t.Errorf("oversized secret: %v", res)
	}
}

func TestSecretPromptedWithoutEchoInTerminal(t *testing.T) {
	h := newHarness(t)
	secret := "typed-" + testenv.RandomHex(t)
	h.secret(secret)
	prompts := 0
	env := h.env("", &watched{}, &watched{})
	env.Stdin = failingReader{t}
	env.StdinIsTerminal = func() bool { return true }
	env.ReadPassword = func() (string, error) { prompts++; return secret, nil }

	res := h.runEnv(context.Background(), env, "client", "add", "Typed", "--client-id", "id1")
	if res.code != 0 || prompts != 1 || !strings.Contains(res.errOut, "Client secret (input hidden): ") {
		t.Fatalf("client add in a terminal: %v (prompts %d)", res, prompts)
	}
	st := h.store()
	c, _ := st.ClientByName("Typed")
	if got, _ := st.ClientSecret(c.ID); got != secret {
		t.Error("the typed secret was not saved")
	}

	env.Stdout, env.Stderr = &watched{}, &watched{}
	res = h.runEnv(context.Background(), env, "client", "edit", "Typed", "--client-id", "id2")
	if res.code != 0 || prompts != 2 || !strings.Contains(res.errOut, "Enter the client secret again") {
		t.Errorf("client edit in a terminal: %v (prompts %d)", res, prompts)
	}

	// A failing terminal read is a local problem.
	env.Stdout, env.Stderr = &watched{}, &watched{}
	env.ReadPassword = func() (string, error) { return "", errors.New("inappropriate ioctl for device") }
	res = h.runEnv(context.Background(), env, "client", "edit", "Typed", "--client-id", "id3")
	if res.code != 2 || !strings.Contains(res.errOut, "inappropriate ioctl") {
		t.Errorf("failing prompt: %v", res)
	}
}

type failingReader struct{ t *testing.T }

func (f failingReader) Read([]byte) (int, error) {
	f.t.Error("standard input was read although it is a terminal")
	return 0, io.EOF
}

// Every rule the store applies is checked before the secret is read: with
// nothing on standard input, a bad setting is reported, not the missing
// secret, and the message names the flag.
func TestClientRulesCheckedBeforeTheSecret(t *testing.T) {
	h := newHarness(t)
	h.addClient("Existing")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"client ID with a space", []string{"client", "add", "X", "--client-id", "abc def"}, "--client-id: A client ID has no spaces"},
		{"client ID too long", []string{"client", "add", "X", "--client-id", strings.Repeat("a", store.MaxClientIDRunes+1)}, "--client-id: A client ID is at most 200 characters"},
		{"auth URL with user info", []string{"client", "add", "X", "--client-id", "Y", "--auth-url", "https://u:p@app.mavenlink.com/oauth/authorize"}, "--auth-url: The authorization URL must not hold a user name or password"},
		{"API URL over plain http", []string{"client", "add", "X", "--client-id", "Y", "--api-url", "http://api.example.com"}, "--api-url: The API base URL must use https:// (http:// is only for 127.0.0.1)"},
		{"name taken", []string{"client", "add", "existing", "--client-id", "Y"}, "A client named “existing” already exists"},
		{"name with a line break", []string{"client", "add", "A\nB", "--client-id", "Y"}, "Names can't contain line breaks"},
		{"name with a right-to-left override", []string{"client", "add", "Prod\u202egpj.exe", "--client-id", "Y"}, "Names can't contain the invisible character U+202E (right-to-left override)."},
		{"name with a zero-width space", []string{"client", "add", "Acme\u200bApp", "--client-id", "Y"}, "Names can't contain the invisible character U+200B (zero-width space)."},
		{"edit to a name with a bidi isolate", []string{"client", "edit", "Existing", "--name", "Ex\u2066isting"}, "Names can't contain the invisible character U+2066 (left-to-right isolate)."},
		{"edit to a taken name", []string{"client", "edit", "Existing", "--name", " EXISTING "}, ""},
		{"edit with a bad client ID", []string{"client", "edit", "Existing", "--client-id", "a\tb"}, "--client-id: A client ID has no spaces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(a)
			}
			res := h.run("", args...)
			if tc.want == "" { // renaming to its own name in another case is fine, but needs the secret
				if res.code != 2 || !strings.Contains(res.errOut, "no client secret was given") {
					t.Errorf("%v", res)
				}
				return
			}
			if res.code != 2 || !strings.Contains(res.errOut, tc.want) {
				t.Errorf("%v\nwant exit 2 saying %q", res, tc.want)
			}
			if strings.Contains(res.errOut, "secret") {
				t.Errorf("asked about the secret before refusing the settings: %v", res)
			}
		})
	}
	if n := len(h.store().Clients()); n != 1 {
		t.Errorf("%d clients saved, want only the first", n)
	}
}

func TestClientEditNeedsTheSecretAgain(t *testing.T) {
	h := newHarness(t)
	_, _, port := h.addClient("Acme")

	res := h.run("", "client", "edit", "Acme", "--redirect-port", "40002")
	if res.code != 2 || !strings.Contains(res.errOut, "no client secret was given") {
		t.Errorf("edit without the secret: %v", res)
	}
	if c, _ := h.store().ClientByName("Acme"); c.RedirectPort != port {
		t.Errorf("an edit without the secret changed the client: port %d", c.RedirectPort)
	}

	newSecret := "new-" + testenv.RandomHex(t)
	h.secret(newSecret)
	res = h.run(newSecret+"\n", "client", "edit", "acme", "--name", "Acme renamed", "--redirect-port", "40002", "--no-pkce")
	if res.code != 0 || !strings.Contains(res.out, "Updated client “Acme renamed”") || !strings.Contains(res.out, "http://127.0.0.1:40002/callback") {
		t.Fatalf("client edit: %v", res)
	}
	st := h.store()
	c, ok := st.ClientByName("Acme renamed")
	if !ok || c.RedirectPort != 40002 || c.PKCE || c.AuthURL != h.kantata.AuthURL() {
		t.Fatalf("edited client = %+v (found %v); want renamed, port 40002, no PKCE, other settings kept", c, ok)
	}
	if got, _ := st.ClientSecret(c.ID); got != newSecret {
		t.Error("the new secret was not saved")
	}
	if res := h.run(newSecret+"\n", "client", "edit", "Acme renamed", "--pkce"); res.code != 0 {
		t.Errorf("edit --pkce: %v", res)
	} else if c, _ := h.store().ClientByName("Acme renamed"); !c.PKCE {
		t.Error("--pkce did not turn PKCE back on")
	}

	if res := h.run(newSecret+"\n", "client", "edit", "Nope"); res.code != 2 || !strings.Contains(res.errOut, "No client is named “Nope”") ||
		!strings.Contains(res.errOut, "Acme renamed") {
		t.Errorf("edit of an unknown client: %v", res)
	}
}

func TestConnectionsAndDelete(t *testing.T) {
	h := newHarness(t)
	if res := h.run("", "connection", "add", "Prod", "--client", "Nope"); res.code != 2 ||
		!strings.Contains(res.errOut, "There are no clients yet") {
		t.Errorf("connection add with no clients: %v", res)
	}
	h.addClient("Acme")
	res := h.run("", "connection", "add", "Prod", "--client", "acme")
	if res.code != 0 || !strings.Contains(res.out, "Saved connection “Prod” (client “Acme”)") ||
		!strings.Contains(res.out, "kantata-connect authorize Prod") {
		t.Fatalf("connection add: %v", res)
	}
	if res := h.run("", "connection", "add", "PROD", "--client", "Acme"); res.code != 2 || !strings.Contains(res.errOut, "already exists") {
		t.Errorf("duplicate connection name: %v", res)
	}
	if res := h.run("", "connection", "add", "Other", "--client", "Nope"); res.code != 2 || !strings.Contains(res.errOut, "Saved clients: Acme") {
		t.Errorf("connection add with an unknown client: %v", res)
	}
	if res := h.run("", "connection", "add", "Second", "--client", "Acme"); res.code != 0 {
		t.Fatalf("second connection: %v", res)
	}

	res = h.run("", "list")
	mustContain(t, "list", res.out, "CONNECTION", "Prod", "Second", "Not authorized yet", "never", "CLIENT ID", "Acme")

	// In use: refused, naming the connections, exit 2.
	res = h.run("", "delete", "client", "Acme")
	if res.code != 2 {
		t.Errorf("delete of a client in use: %v; want exit 2", res)
	}
	mustContain(t, "delete client in use", res.errOut, "“Prod”", "“Second”", "kantata-connect delete client Acme --cascade")

	if res := h.run("", "delete", "connection", "prod"); res.code != 0 || !strings.Contains(res.out, "Deleted connection “Prod”") {
		t.Errorf("delete connection: %v", res)
	}
	if res := h.run("", "delete", "connection", "Prod"); res.code != 2 || !strings.Contains(res.errOut, "No connection is named “Prod”") {
		t.Errorf("delete of a deleted connection: %v", res)
	}
	st := h.store()
	c, _ := st.ClientByName("Acme")
	res = h.run("", "delete", "client", "Acme", "--cascade")
	if res.code != 0 || !strings.Contains(res.out, "Deleted client “Acme”, its secret, and the connection Second with its tokens") {
		t.Errorf("delete client --cascade: %v", res)
	}
	if _, err := st.ClientSecret(c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the client's secret is still in the keychain (err %v)", err)
	}
	if res := h.run("", "list"); !strings.HasPrefix(res.out, "No connections yet. Add a client") {
		t.Errorf("list after deleting everything: %v", res)
	}
}

func TestTestUnknownAndNotAuthorized(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{{"test", "Nope"}, {"test", "Nope", "--json"}, {"authorize", "Nope"}, {"delete", "connection", "Nope"}} {
		res := h.run("", args...)
		if res.code != 2 || !strings.Contains(res.errOut, "No connection is named “Nope”") || res.out != "" {
			t.Errorf("%q: %v; want exit 2, a plain message and nothing on stdout", args, res)
		}
	}

	h.addClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")
	res := h.run("", "test", "Prod")
	if res.code != 1 {
		t.Errorf("test before authorize: %v; want exit 1", res)
	}
	mustContain(t, "test before authorize", res.errOut, "“Prod” is not authorized yet.\nRun: kantata-connect authorize Prod\nDetails: ")
	if strings.Contains(res.errOut, "Save & authorize") {
		t.Errorf("the command line speaks of the window's button: %s", res.errOut)
	}
	if h.kantata.MeRequests() != 0 {
		t.Error("a connection without a token was checked with Kantata")
	}

	res = h.run("", "test", "Prod", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(res.out), &got); err != nil || res.code != 1 {
		t.Fatalf("test --json: %v (%v)", res, err)
	}
	errObj, _ := got["error"].(map[string]any)
	if got["ok"] != false || got["user"] != nil || got["tested_at"] != nil || got["status"] != "never_authorized" ||
		errObj["kind"] != "not_authorized" || errObj["message"] != "“Prod” is not authorized yet." {
		t.Errorf("test --json before authorize = %v", got)
	}
}

// A failed check says what happened in the shared words, then on a line of
// its own the command that signs in, with the name as the shell needs it.
func TestFailedTestPrintsTheAuthorizeCommand(t *testing.T) {
	h := newHarness(t)
	h.addClient("Acme")
	h.run("", "connection", "add", "Prod EU", "--client", "Acme")
	res := h.run("", "test", "Prod EU")
	lines := strings.Split(res.errOut, "\n")
	if res.code != 1 || len(lines) < 3 || lines[0] != "“Prod EU” is not authorized yet." ||
		lines[1] != `Run: kantata-connect authorize "Prod EU"` || !strings.HasPrefix(lines[2], "Details: ") {
		t.Errorf("test of a connection never authorized: %v; want the message, the authorize command, the details", res)
	}
}

func TestCorruptRecordsNoticeShownOnce(t *testing.T) {
	h := newHarness(t)
	if err := os.WriteFile(filepath.Join(h.dir, "records.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := h.run("", "list")
	if res.code != 0 || strings.Count(res.errOut, "Note: ") != 1 || !strings.Contains(res.errOut, "couldn't use its file") ||
		!strings.Contains(res.errOut, ".corrupt-") {
		t.Errorf("list with a damaged records file: %v; want the notice once", res)
	}
	if !strings.Contains(res.out, "No connections yet") {
		t.Errorf("list after moving the damaged file aside: %v", res)
	}
	if res := h.run("", "list"); strings.Contains(res.errOut, "Note:") {
		t.Errorf("the notice came again once the file was moved aside: %v", res)
	}
}

func TestReadOnlyRecordsRefuseChanges(t *testing.T) {
	h := newHarness(t)
	newer := `{"schema_version": 99, "clients": [], "connections": []}`
	if err := os.WriteFile(filepath.Join(h.dir, "records.json"), []byte(newer), 0o600); err != nil {
		t.Fatal(err)
	}
	res := h.run("secret\n", "client", "add", "X", "--client-id", "Y")
	if res.code != 2 || !strings.Contains(res.errOut, "newer version") || !strings.Contains(res.errOut, "can't be changed") {
		t.Errorf("client add on read-only records: %v", res)
	}
	if res := h.run("", "list"); res.code != 0 || !strings.Contains(res.errOut, "newer version") {
		t.Errorf("list on read-only records: %v", res)
	}
	if b, _ := os.ReadFile(filepath.Join(h.dir, "records.json")); string(b) != newer {
		t.Error("the newer records file was changed")
	}
}

// A records file that can't be read (a folder in its place: the tests run as
// root) is reported and left alone, not moved aside as damaged.
func TestUnreadableRecordsLeftInPlace(t *testing.T) {
	h := newHarness(t)
	path := filepath.Join(h.dir, "records.json")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	res := h.run("", "list")
	if res.code != 0 || strings.Count(res.errOut, "Note: ") != 1 || !strings.Contains(res.errOut, "can't read") ||
		!strings.Contains(res.errOut, path) || !strings.Contains(res.errOut, "Nothing was changed or moved") {
		t.Errorf("list with an unreadable records file: %v; want the notice once", res)
	}
	res = h.run("secret\n", "client", "add", "X", "--client-id", "Y")
	if res.code != 2 || !strings.Contains(res.errOut, "can't read") || !strings.Contains(res.errOut, "can't be changed") {
		t.Errorf("client add with an unreadable records file: %v", res)
	}
	if fi, err := os.Lstat(path); err != nil || !fi.IsDir() {
		t.Errorf("the unreadable records file was replaced: %v", err)
	}
	if m, _ := filepath.Glob(path + ".corrupt-*"); len(m) != 0 {
		t.Errorf("the unreadable records file was moved aside: %v", m)
	}
}

func TestNoKeychainIsALocalProblem(t *testing.T) {
	h := newHarness(t)
	env := h.env("secret\n", &watched{}, &watched{})
	env.Keychain = nil
	res := h.runEnv(context.Background(), env, "client", "add", "X", "--client-id", "Y")
	if res.code != 2 || !strings.Contains(res.errOut, "keychain") {
		t.Errorf("client add without a keychain: %v", res)
	}
	if res := h.run("", "list"); !strings.Contains(res.out, "No connections yet") {
		t.Errorf("a client was saved without its secret: %v", res)
	}
}

func TestAuthorizePortInUseIsALocalProblem(t *testing.T) {
	h := newHarness(t)
	_, _, port := h.addClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")
	l, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	h.opener = func(string) error { t.Error("the browser was opened although the port is taken"); return nil }
	res := h.run("", "authorize", "Prod")
	if res.code != 2 {
		t.Errorf("authorize with the port taken: %v; want exit 2", res)
	}
	mustContain(t, "authorize with the port taken", res.errOut, strconv.Itoa(port), "in use",
		"kantata-connect client edit Acme --redirect-port N")
}

func TestAuthorizeTimesOut(t *testing.T) {
	h := newHarness(t)
	h.addClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")
	h.opener = func(string) error { t.Error("--no-browser opened the browser"); return nil }

	res := h.run("", "authorize", "Prod", "--no-browser", "--timeout", "1s")
	if res.code != 1 {
		t.Fatalf("authorize --timeout 1s: %v; want exit 1", res)
	}
	mustContain(t, "authorize timeout", res.out, "Open this address in your browser to sign in to Kantata:\n  "+h.kantata.AuthURL(),
		"Waiting for Kantata", "up to 1 second")
	mustContain(t, "authorize timeout", res.errOut, "No answer came from your browser within 1 second.",
		"/callback. If the browser never showed Kantata's sign-in page, check the internet connection or proxy.\nRun: kantata-connect authorize Prod\nDetails: ")
	if strings.Contains(res.errOut, "couldn't reach") {
		t.Errorf("the stand-in Kantata answers, yet the sign-in warns it can't be reached: %s", res.errOut)
	}
	if strings.Contains(res.errOut, "Save & authorize") {
		t.Errorf("the command line speaks of the window's button: %s", res.errOut)
	}
	res = h.run("", "list", "--json")
	var got struct {
		Connections []struct {
			Status    string  `json:"status"`
			LastError *string `json:"last_error"`
		} `json:"connections"`
	}
	if err := json.Unmarshal([]byte(res.out), &got); err != nil || len(got.Connections) != 1 ||
		got.Connections[0].Status != "failed" || got.Connections[0].LastError == nil ||
		!strings.HasPrefix(*got.Connections[0].LastError, "No answer came from your browser within 1 second.") ||
		strings.Contains(*got.Connections[0].LastError, "authorize") {
		t.Errorf("after the timeout: %v (%v); want failed with the reason, in words for any front", res, err)
	}
	res = h.run("", "list")
	if !strings.Contains(res.out, "Failed: No answer came from your browser within 1 second.\n") || strings.Contains(res.out, "Save & authorize") {
		t.Errorf("list after the timeout shows %q; want the failure's first sentence", res.out)
	}
}

func TestAuthorizeCanceledFreesThePort(t *testing.T) {
	h := newHarness(t)
	_, _, port := h.addClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")
	h.opener = func(string) error { return errors.New("xdg-open: exit status 3") }

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := h.start(ctx, "authorize", "Prod")
	r.out.waitFor(t, "Waiting for Kantata")
	mustContain(t, "authorize with a failing browser", r.errOut.String(), "Could not open your browser (xdg-open: exit status 3)",
		"The address above works in any browser")
	if u := r.signInURL(t); !strings.HasPrefix(u, h.kantata.AuthURL()+"?") {
		t.Errorf("printed address %q is not the stand-in's sign-in page", u)
	}
	cancel()
	res := r.wait(t)
	if res.code != 130 || !strings.Contains(res.errOut, "Sign-in canceled") {
		t.Errorf("canceled authorize: %v; want exit 130", res)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("the callback port is still held after cancel: %v", err)
	}
	l.Close()
	if c, _ := h.store().ConnectionByName("Prod"); c.Status != store.StatusNeverAuthorized {
		t.Errorf("cancel changed the connection: %q", c.Status)
	}
}

func TestJSONFieldsAreStable(t *testing.T) {
	// The documented names, exactly: scripts depend on them.
	h := newHarness(t)
	h.addClient("Acme")
	h.run("", "connection", "add", "Prod", "--client", "Acme")
	res := h.run("", "list", "--json")
	var got struct {
		Clients     []map[string]any `json:"clients"`
		Connections []map[string]any `json:"connections"`
	}
	if err := json.Unmarshal([]byte(res.out), &got); err != nil || len(got.Clients) != 1 || len(got.Connections) != 1 {
		t.Fatalf("list --json: %v (%v)", res, err)
	}
	wantClient := []string{"api_base_url", "auth_url", "callback", "callback_url", "client_auth", "client_id", "name", "pkce", "redirect_port", "token_url"}
	wantConn := []string{"authorized_with", "client", "last_authorized_at", "last_error", "last_error_detail", "last_tested_at", "name", "status", "status_text", "user"}
	if k := keys(got.Clients[0]); !reflect.DeepEqual(k, wantClient) {
		t.Errorf("client fields = %v; want %v", k, wantClient)
	}
	if k := keys(got.Connections[0]); !reflect.DeepEqual(k, wantConn) {
		t.Errorf("connection fields = %v; want %v", k, wantConn)
	}
	c := got.Clients[0]
	if c["name"] != "Acme" || c["pkce"] != true || c["client_auth"] != "body" || c["api_base_url"] != h.kantata.APIBaseURL() || c["callback"] != "loopback" ||
		c["callback_url"] != "http://127.0.0.1:"+strconv.Itoa(int(c["redirect_port"].(float64)))+"/callback" {
		t.Errorf("client = %v", c)
	}
	conn := got.Connections[0]
	if conn["client"] != "Acme" || conn["status"] != "never_authorized" || conn["status_text"] != "Not authorized yet" ||
		conn["user"] != nil || conn["last_tested_at"] != nil {
		t.Errorf("connection = %v", conn)
	}

	res = h.run("", "test", "Prod", "--json")
	var test map[string]any
	if err := json.Unmarshal([]byte(res.out), &test); err != nil {
		t.Fatal(err)
	}
	if k := keys(test); !reflect.DeepEqual(k, []string{"connection", "error", "ok", "projects_visible", "status", "status_text", "tested_at", "user"}) {
		t.Errorf("test fields = %v", k)
	}
	if e, _ := test["error"].(map[string]any); !reflect.DeepEqual(keys(e), []string{"detail", "kind", "message"}) {
		t.Errorf("test error fields = %v", keys(e))
	}
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	slices.Sort(k)
	return k
}

// When this computer can't reach the sign-in page's host at all, authorize
// says so at once, naming the host — a warning: the wait goes on, since a
// browser may get there through a proxy the app doesn't use.
func TestAuthorizeWarnsWhenKantataIsUnreachable(t *testing.T) {
	h := newHarness(t)
	closed := testenv.FreePort(t) // nothing listens there: the connection is refused
	h.addClient("Acme")
	if res := h.run("secret-"+testenv.RandomHex(t)+"\n", "client", "edit", "Acme", "--auth-url",
		"http://127.0.0.1:"+strconv.Itoa(closed)+"/oauth/authorize"); res.code != 0 {
		t.Fatalf("client edit: %v", res)
	}
	h.run("", "connection", "add", "Prod", "--client", "Acme")

	res := h.run("", "authorize", "Prod", "--no-browser", "--timeout", "2s")
	if res.code != 1 {
		t.Fatalf("authorize: %v; want it to wait until the timeout, exit 1", res)
	}
	mustContain(t, "authorize", res.errOut, "Warning: This computer couldn't reach 127.0.0.1:"+strconv.Itoa(closed)+
		": check the internet connection or proxy. If your browser shows Kantata anyway, carry on.",
		"No answer came from your browser within 2 seconds.")
	if strings.Index(res.errOut, "Warning:") > strings.Index(res.errOut, "No answer came") {
		t.Errorf("the warning came only after the timeout:\n%s", res.errOut)
	}
}

// delete all (what the Windows uninstaller runs when asked to remove the
// user's data) needs --yes, then deletes every connection and client with
// their secrets and tokens.
func TestDeleteAll(t *testing.T) {
	h := newHarness(t)
	h.addClient("Acme")
	h.addClient("Beta")
	for _, c := range []string{"Prod", "Stage"} {
		if res := h.run("", "connection", "add", c, "--client", "Acme"); res.code != 0 {
			t.Fatalf("connection add %s: %v", c, res)
		}
	}
	st := h.store()
	acme, _ := st.ClientByName("Acme")
	prod, _ := st.ConnectionByName("Prod")
	if err := st.SaveToken(prod.ID, store.Token{AccessToken: "access-" + testenv.RandomHex(t)}); err != nil {
		t.Fatal(err)
	}

	if res := h.run("", "delete", "all"); res.code != 2 || !strings.Contains(res.errOut, "--yes") {
		t.Errorf("delete all without --yes: %v; want exit 2 asking for --yes", res)
	}
	if got := len(h.store().Clients()); got != 2 {
		t.Fatalf("delete all without --yes deleted clients: %d left", got)
	}
	if res := h.run("", "delete", "all", "Acme", "--yes"); res.code != 2 {
		t.Errorf("delete all with a name: %v; want exit 2", res)
	}

	res := h.run("", "delete", "all", "--yes")
	if res.code != 0 || !strings.Contains(res.out, "Deleted 2 connections and 2 clients") {
		t.Fatalf("delete all --yes: %v", res)
	}
	st = h.store()
	if len(st.Clients()) != 0 || len(st.Connections()) != 0 {
		t.Errorf("left after delete all: %v, %v", st.Clients(), st.Connections())
	}
	for _, key := range []string{store.ClientSecretKey(acme.ID), store.AccessTokenKey(prod.ID)} {
		if _, err := h.kc.Get(key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("keychain still answers for %s after delete all: %v", key, err)
		}
	}
	if res := h.run("", "delete", "all", "--yes"); res.code != 0 || !strings.Contains(res.out, "Deleted 0 connections and 0 clients") {
		t.Errorf("delete all with nothing saved: %v", res)
	}
}
