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

func TestNextStepOf(t *testing.T) {
	sign := func(k oauth.Kind, code string) error { return &oauth.Error{Kind: k, Code: code} }
	check := func(k kantata.Kind) error { return &kantata.Error{Kind: k} }
	cases := []struct {
		name string
		err  error
		want connect.NextStep
	}{
		{"no error", nil, connect.NextNone},

		// A sign-in that did not complete: start it again.
		{"oauth canceled", sign(oauth.KindCanceled, ""), connect.NextRetrySignIn},
		{"oauth timeout", sign(oauth.KindTimeout, ""), connect.NextRetrySignIn},
		{"oauth denied", sign(oauth.KindDenied, "access_denied"), connect.NextRetrySignIn},
		{"oauth authorization server_error", sign(oauth.KindAuthorizationError, "server_error"), connect.NextRetrySignIn},
		{"oauth authorization temporarily_unavailable", sign(oauth.KindAuthorizationError, "temporarily_unavailable"), connect.NextRetrySignIn},
		{"oauth callback without a code", sign(oauth.KindAuthorizationError, ""), connect.NextRetrySignIn},
		{"oauth token endpoint 5xx", sign(oauth.KindServerError, ""), connect.NextRetrySignIn},
		{"oauth network", sign(oauth.KindNetwork, ""), connect.NextRetrySignIn},
		{"oauth exchange timeout", sign(oauth.KindExchangeTimeout, ""), connect.NextRetrySignIn},
		// The code was refused: sign in again for a new one.
		{"oauth invalid_grant", sign(oauth.KindInvalidGrant, "invalid_grant"), connect.NextSignInAgain},
		// A setting is wrong: the message names it; signing in first fails the same way.
		{"oauth invalid config", sign(oauth.KindInvalidConfig, ""), connect.NextNone},
		{"oauth port in use", sign(oauth.KindPortInUse, ""), connect.NextNone},
		{"oauth already waiting", sign(oauth.KindAlreadyWaiting, ""), connect.NextNone},
		{"oauth authorization invalid_scope", sign(oauth.KindAuthorizationError, "invalid_scope"), connect.NextNone},
		{"oauth authorization unauthorized_client", sign(oauth.KindAuthorizationError, "unauthorized_client"), connect.NextNone},
		{"oauth authorization invalid_request", sign(oauth.KindAuthorizationError, "invalid_request"), connect.NextNone},
		{"oauth authorization unknown code", sign(oauth.KindAuthorizationError, "mystery"), connect.NextNone},
		{"oauth invalid_client", sign(oauth.KindInvalidClient, "invalid_client"), connect.NextNone},
		{"oauth redirect mismatch", sign(oauth.KindRedirectMismatch, "redirect_uri_mismatch"), connect.NextNone},
		{"oauth bad response", sign(oauth.KindBadResponse, ""), connect.NextNone},
		{"oauth other token error", sign(oauth.KindTokenError, "unsupported_grant_type"), connect.NextNone},
		{"oauth token endpoint redirected", sign(oauth.KindRedirected, ""), connect.NextNone},

		// Kantata refused the token: sign in again. Anything else: test again or wait.
		{"kantata rejected", check(kantata.KindRejected), connect.NextSignInAgain},
		{"kantata rate limited", check(kantata.KindRateLimited), connect.NextNone},
		{"kantata server error", check(kantata.KindServerError), connect.NextNone},
		{"kantata network", check(kantata.KindNetwork), connect.NextNone},
		{"kantata timeout", check(kantata.KindTimeout), connect.NextNone},
		{"kantata bad response", check(kantata.KindBadResponse), connect.NextNone},
		{"kantata too large", check(kantata.KindTooLarge), connect.NextNone},
		{"kantata canceled", check(kantata.KindCanceled), connect.NextNone},
		{"kantata invalid input", check(kantata.KindInvalidInput), connect.NextNone},
		{"kantata API redirected", check(kantata.KindRedirected), connect.NextNone},

		{"not authorized yet", &connect.NotAuthorizedError{Name: "Production"}, connect.NextSignInFirst},

		// Found through the wrapping the operations add.
		{"wrapped sign-in", fmt.Errorf("start sign-in for %q: %w", "Production", sign(oauth.KindTimeout, "")), connect.NextRetrySignIn},
		{"joined with a record failure", errors.Join(fmt.Errorf("test %q: %w", "Production", check(kantata.KindRejected)),
			fmt.Errorf("record the outcome: %w", store.ErrReadOnly)), connect.NextSignInAgain},
		{"rejected right after a sign-in", fmt.Errorf("signed in, but: %w", check(kantata.KindRejected)), connect.NextSignInAgain},

		// Local problems: the message says what to fix.
		{"keychain", &store.KeychainError{Op: "get", Key: "k", Kind: store.ErrKeychainLocked}, connect.NextNone},
		{"secret gone", &store.KeychainError{Op: "get", Key: "k", Kind: store.ErrNotFound}, connect.NextNone},
		{"records read-only", store.ErrReadOnly, connect.NextNone},
		{"connection gone", &store.NotFoundError{Kind: "connection", ID: "x"}, connect.NextNone},
		{"context canceled", context.Canceled, connect.NextNone},
		{"plain error", errors.New("disk on fire"), connect.NextNone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := connect.NextStepOf(c.err)
			if got != c.want {
				t.Errorf("NextStepOf(%v) = %v; want %v", c.err, got, c.want)
			}
			if got.SignIn() != (c.want != connect.NextNone) {
				t.Errorf("%v.SignIn() = %v", got, got.SignIn())
			}
		})
	}
}
