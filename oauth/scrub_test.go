package oauth_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/oauth"
)

// assertNoPart fails if any 6 or more leading or trailing characters of a
// secret show in err's texts: what is left of a secret cut in two.
func assertNoPart(t testing.TB, err error, secrets ...string) {
	t.Helper()
	var texts []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		texts = append(texts, e.Error(), fmt.Sprintf("%+v", e))
	}
	var um interface {
		UserMessage() string
		TechnicalDetail() string
	}
	if errors.As(err, &um) {
		texts = append(texts, um.UserMessage(), um.TechnicalDetail())
	}
	for _, s := range secrets {
		for n := 6; n <= len(s); n++ {
			for _, part := range []string{s[:n], s[len(s)-n:]} {
				for _, text := range texts {
					if strings.Contains(text, part) {
						t.Errorf("%q, part of the secret %q, appears in %q", part, s, text)
						return
					}
				}
			}
		}
	}
}

// TestDetailScrubbedBeforeCut: a token endpoint that echoes the request in
// an HTML page, with a secret placed across the point where the detail's
// quote of the page is cut. The secret is scrubbed first, so no part of it
// survives the cut.
func TestDetailScrubbedBeforeCut(t *testing.T) {
	t.Parallel()
	const cut = 200 // the length of the page's quote in the detail
	for _, field := range []string{"client_secret", "code", "code_verifier"} {
		for _, before := range []int{6, 10, -1} { // characters of the secret before the cut; -1: all but one
			t.Run(fmt.Sprintf("%s, %d before the cut", field, before), func(t *testing.T) {
				t.Parallel()
				te := newTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
					secret := r.PostForm.Get(field)
					n := before
					if n < 0 {
						n = len(secret) - 1
					}
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprint(w, strings.Repeat("x", cut-n)+secret+" and more")
				})
				f := start(t, testConfig(t, te.URL), nil)
				callback(t, f, url.Values{"state": {stateOf(t, f)}, "code": {testCode}})
				_, err := wait(t, f)
				e := wantKind(t, err, oauth.KindBadResponse)
				if !strings.Contains(e.TechnicalDetail(), "xxxxxxxxxx") {
					t.Errorf("TechnicalDetail %q does not quote the page", e.TechnicalDetail())
				}
				form, _, _ := te.last(t)
				assertNoPart(t, err, form.Get(field))
			})
		}
	}
}

// TestCallbackErrorScrubbed: Kantata knows the client secret, and an
// error_description that echoes it, whole or across the cut, leaves no part
// of it in the error.
func TestCallbackErrorScrubbed(t *testing.T) {
	t.Parallel()
	const cut = 300 // the length error_description is cut to
	for name, desc := range map[string]string{
		"whole":          "the client secret " + testSecret + " is wrong",
		"across the cut": strings.Repeat("x", cut-8) + testSecret,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			te := newTokenEndpoint(t, okToken)
			f := start(t, testConfig(t, te.URL), nil)
			callback(t, f, url.Values{"state": {stateOf(t, f)}, "error": {"mystery"}, "error_description": {desc}})
			_, err := wait(t, f)
			wantKind(t, err, oauth.KindAuthorizationError)
			assertNoPart(t, err, testSecret)
		})
	}
}
