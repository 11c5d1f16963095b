package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/oauth"
)

func TestReportAddsTheAuthorizeCommand(t *testing.T) {
	cases := []struct {
		name, conn string
		err        error
		want       string // the advice line, "" for none
	}{
		{"sign-in timed out", "Production", &oauth.Error{Kind: oauth.KindTimeout, Message: "No answer came."}, "Run: kantata-connect authorize Production"},
		{"name to quote", "Prod EU", &kantata.Error{Kind: kantata.KindRejected, Message: "Revoked."}, `Run: kantata-connect authorize "Prod EU"`},
		{"name unknown", "", &connect.NotAuthorizedError{Name: "X"}, "Run: kantata-connect authorize NAME"},
		{"setting to fix", "Production", &oauth.Error{Kind: oauth.KindInvalidClient, Message: "Wrong secret."}, ""},
		{"plain error", "Production", errors.New("disk on fire"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var errOut bytes.Buffer
			r := &runner{env: Env{Stderr: &errOut}}
			r.report(c.err, c.conn)
			lines := strings.Split(errOut.String(), "\n")
			msg, _ := connect.Explain(c.err)
			if lines[0] != msg {
				t.Errorf("first line %q; want the message %q", lines[0], msg)
			}
			hasRun := strings.Contains(errOut.String(), "Run:")
			switch {
			case c.want == "" && hasRun:
				t.Errorf("advice given though signing in is not next:\n%s", errOut.String())
			case c.want != "" && (len(lines) < 2 || lines[1] != c.want):
				t.Errorf("output:\n%s\nwant the second line %q", errOut.String(), c.want)
			}
		})
	}
}
