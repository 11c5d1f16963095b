package gui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// The shared messages say what happened; errorView adds the window's way
// to sign in, from the error's kind, and nothing when signing in is not next.
func TestErrorViewAddsTheWindowsAdvice(t *testing.T) {
	test.NewTempApp(t)
	cases := []struct {
		name   string
		err    error
		advice string // "" for none
	}{
		{"sign-in timed out", fmt.Errorf("sign in: %w", &oauth.Error{Kind: oauth.KindTimeout, Message: "No answer came from your browser within 5 minutes."}),
			"Click Save & authorize to try again."},
		{"code refused", &oauth.Error{Kind: oauth.KindInvalidGrant, Message: "Kantata did not accept the sign-in code."},
			"Click Save & authorize to sign in again."},
		{"token revoked", &kantata.Error{Kind: kantata.KindRejected, Message: "Kantata no longer accepts this connection's authorization."},
			"Click Save & authorize to sign in again."},
		{"never authorized", &connect.NotAuthorizedError{Name: "Production"},
			"Click Save & authorize to sign in with Kantata first."},
		{"wrong client secret", &oauth.Error{Kind: oauth.KindInvalidClient, Message: "Kantata did not accept the client ID or client secret."}, ""},
		{"Kantata unreachable in a test", &kantata.Error{Kind: kantata.KindNetwork, Message: "Could not reach Kantata."}, ""},
		{"keychain locked", &store.KeychainError{Op: "get", Key: "k", Kind: store.ErrKeychainLocked}, ""},
		{"plain error", errors.New("disk on fire"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plain, _ := connect.Explain(c.err)
			_, msg := errorView(c.err)
			want := plain
			if c.advice != "" {
				want += " " + c.advice
			}
			if msg != want {
				t.Errorf("errorView message = %q; want %q", msg, want)
			}
			if c.advice == "" && strings.Contains(msg, "Save & authorize") {
				t.Errorf("%q names Save & authorize though signing in is not the next step", msg)
			}
		})
	}
}
