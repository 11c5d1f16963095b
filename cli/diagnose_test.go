package cli_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
)

// TestDiagnose: the report of a connection signed in with a real browser,
// printed whole on standard output, with no part of a secret or token; an
// unknown name is exit 2.
func TestDiagnose(t *testing.T) {
	testenv.Chromium(t)
	b := browsertest.New(t)
	h := newHarness(t)
	h.opener = b.Opener((*browsertest.Browser).Authorize)
	h.kantata.SetIssueRefreshToken(true)
	clientID, secret, port := h.addClient("Acme app")
	h.run("", "connection", "add", "Production", "--client", "Acme app")

	res := h.run("", "diagnose", "production")
	if res.code != 0 {
		t.Fatalf("diagnose before sign-in: %v", res)
	}
	mustContain(t, "diagnose before sign-in", res.out, "Status:                  Not authorized yet (never_authorized)",
		"Last sign-in:            none recorded")

	if res := h.run("", "authorize", "Production"); res.code != 0 {
		t.Fatalf("authorize: %v", res)
	}
	secrets := []string{secret}
	if form, _ := h.kantata.LastTokenRequest(); form != nil {
		secrets = append(secrets, form.Get("code"), form.Get("code_verifier"))
	}
	st := h.store()
	conn, _ := st.ConnectionByName("Production")
	tok, err := st.Token(conn.ID)
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("tokens after authorize: %v (refresh token present: %v)", err, tok.RefreshToken != "")
	}
	secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
	for _, s := range secrets {
		h.secret(s)
	}
	if res := h.run("", "test", "Production"); res.code != 0 {
		t.Fatalf("test: %v", res)
	}

	res = h.run("", "diagnose", "Production")
	if res.code != 0 || res.errOut != "" {
		t.Fatalf("diagnose: %v", res)
	}
	mustContain(t, "diagnose", res.out,
		"Kantata Connect diagnostics\n",
		"Version:                 9.8.7 (build 6)",
		"Client secret read:      ok in ",
		"OAuth 2.0 client “Acme app”",
		"Client ID:               "+clientID,
		"Callback URL:            http://127.0.0.1:"+strconv.Itoa(port)+"/callback",
		"Status:                  Authorized as Jane Doe (authorized)",
		"Kantata user:            Jane Doe <jane@example.com> (user ID 12345)",
		"    Browser wait:          ", "    Token exchange:        ", "    Identity check:        ",
	)
	if strings.Contains(res.out, "not reached") {
		t.Errorf("a complete sign-in has a step not reached:\n%s", res.out)
	}
	for n, s := range secrets {
		for i := 0; i+8 <= len(s); i++ {
			if strings.Contains(res.out, s[i:i+8]) {
				t.Fatalf("the report shows part of secret %d", n)
			}
		}
	}

	res = h.run("", "diagnose", "Nope")
	if res.code != 2 || res.out != "" || !strings.Contains(res.errOut, "No connection is named “Nope”") {
		t.Errorf("diagnose of an unknown name: %v; want exit 2 naming it", res)
	}
	if res := h.run("", "diagnose"); res.code != 2 || !strings.Contains(res.errOut, "missing NAME") {
		t.Errorf("diagnose without a name: %v; want exit 2", res)
	}
	if res := h.run("", "help", "diagnose"); res.code != 0 || !strings.Contains(res.out, "Usage: kantata-connect diagnose NAME") {
		t.Errorf("help diagnose: %v", res)
	}
	if res := h.run("", "help"); !strings.Contains(res.out, "diagnose NAME") {
		t.Errorf("the overview does not list diagnose:\n%s", res.out)
	}
}
