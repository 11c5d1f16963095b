package connect_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/frontwords"
	"github.com/kantata-connect/kantata-connect/kantata"
)

// The messages of the engine packages name no front: no window button, no
// command. oauth, kantata and store check their own; these are this
// package's.
func TestMessagesNameNoFront(t *testing.T) {
	errs := map[string]error{
		"not authorized": &connect.NotAuthorizedError{Name: "Production"},
	}
	texts := map[string]string{"no projects warning": connect.NoProjectsWarning}
	for name, err := range errs {
		texts[name], _ = connect.Explain(err)
	}
	for name, msg := range texts {
		t.Run(name, func(t *testing.T) {
			if msg == "" || strings.HasPrefix(msg, "Something went wrong") {
				t.Fatalf("no user message: %q", msg)
			}
			frontwords.Check(t, "message", msg)
		})
	}
}

// Explain's detail says each thing once: the wrapped error's text, then
// only what its technical detail adds (kind and status), not the same
// HTTP 401 again.
func TestExplainDetailSaysEachThingOnce(t *testing.T) {
	rejected := &kantata.Error{Kind: kantata.KindRejected, Status: 401, Message: "Kantata no longer accepts it.",
		Detail: "GET /api/v1/users/me.json: HTTP 401 (oauth: Invalid OAuth 2 Request)"}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"a 401 wrapped with the connection's name", fmt.Errorf("test %q: %w", "Prod", rejected),
			"test \"Prod\": kantata identity check: rejected: GET /api/v1/users/me.json: HTTP 401 (oauth: Invalid OAuth 2 Request)\n" +
				"kind=rejected status=401"},
		{"nothing shared: both kept", &kantata.Error{Kind: kantata.KindRejected, Message: "m"},
			"kantata identity check: rejected\nkind=rejected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, detail := connect.Explain(tc.err)
			if detail != tc.want {
				t.Errorf("detail:\n%s\nwant:\n%s", detail, tc.want)
			}
			if n := strings.Count(detail, "HTTP 401"); n > 1 {
				t.Errorf("the detail says HTTP 401 %d times", n)
			}
		})
	}
}
