package connect_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

// The fronts sort errors by these alone: each engine's kind lands in the
// one class it means, wrapped or not.
func TestClassify(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("sign in %q: %w", "Production", err) }
	for _, tc := range []struct {
		name                                  string
		err                                   error
		canceled, local, asked, port, refused bool
		notWaiting                            bool
		answer                                string
	}{
		{name: "nil", asked: true},
		{name: "sign-in canceled", err: wrap(&oauth.Error{Kind: oauth.KindCanceled}), canceled: true},
		{name: "test canceled", err: &kantata.Error{Kind: kantata.KindCanceled}, canceled: true, answer: "canceled"},
		{name: "context canceled", err: wrap(context.Canceled), canceled: true, local: true},
		{name: "port in use", err: wrap(&oauth.Error{Kind: oauth.KindPortInUse}), local: true, port: true},
		{name: "invalid config", err: &oauth.Error{Kind: oauth.KindInvalidConfig}, local: true},
		{name: "client refused", err: wrap(&oauth.Error{Kind: oauth.KindInvalidClient}), refused: true},
		{name: "not waiting", err: &oauth.Error{Kind: oauth.KindNotWaiting}, notWaiting: true},
		{name: "sign-in denied", err: &oauth.Error{Kind: oauth.KindDenied}},
		{name: "token rejected", err: wrap(&kantata.Error{Kind: kantata.KindRejected}), asked: true, answer: "rejected"},
		{name: "not authorized", err: &connect.NotAuthorizedError{Name: "X"}},
		{name: "keychain", err: wrap(&store.KeychainError{Op: "read", Err: errors.New("locked")}), local: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				what      string
				got, want bool
			}{
				{"Canceled", connect.Canceled(tc.err), tc.canceled},
				{"Local", connect.Local(tc.err), tc.local},
				{"Asked", connect.Asked(tc.err), tc.asked},
				{"PortInUse", connect.PortInUse(tc.err), tc.port},
				{"ClientRefused", connect.ClientRefused(tc.err), tc.refused},
				{"NotWaiting", connect.NotWaiting(tc.err), tc.notWaiting},
			} {
				if c.got != c.want {
					t.Errorf("%s(%v) = %v, want %v", c.what, tc.err, c.got, c.want)
				}
			}
			if got := connect.AnswerKind(tc.err); got != tc.answer {
				t.Errorf("AnswerKind(%v) = %q, want %q", tc.err, got, tc.answer)
			}
		})
	}
}
