package kantata_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/kantata"
)

// These tests run the checker against the fosite-based stand-in Kantata, so
// tokens are real OAuth tokens and a revoked one really fails.

const (
	fakeClientID = "kc-test-client"
	fakeSecret   = "kc-test-secret-do-not-log"
	fakeRedirect = "http://127.0.0.1:38917/callback"
)

// issueToken gets a real access token from the stand-in (a code flow over
// plain HTTP), so a revoked one really fails.
func issueToken(t *testing.T, s *fakekantata.Server) string {
	t.Helper()
	s.AddClient(fakeClientID, fakeSecret, fakeRedirect)
	return s.IssueToken(t, fakeClientID, fakeSecret, fakeRedirect)
}

func checker(s *fakekantata.Server) kantata.Checker {
	return kantata.Checker{APIBaseURL: s.APIBaseURL(), Backoff: time.Millisecond, Timeout: 10 * time.Second}
}

// wantKind also checks that no text of the error holds the token.
func wantKind(t *testing.T, err error, kind kantata.Kind, token string) {
	t.Helper()
	if got := kantata.KindOf(err); got != kind {
		t.Fatalf("kind = %q, want %q (error: %v)", got, kind, err)
	}
	var ue interface {
		UserMessage() string
		TechnicalDetail() string
	}
	if !errors.As(err, &ue) {
		t.Fatalf("error %v has no UserMessage/TechnicalDetail", err)
	}
	for _, text := range []string{err.Error(), ue.UserMessage(), ue.TechnicalDetail(), fmt.Sprintf("%+v", err)} {
		if strings.Contains(text, token) {
			t.Fatalf("error text holds the token: %s", text)
		}
	}
}

func TestFakeKantataIdentityThenRevoked(t *testing.T) {
	s := fakekantata.New(t)
	s.SetUser("777", "Ann Example", "ann@example.com")
	token := issueToken(t, s)

	id, err := checker(s).Me(context.Background(), token)
	if err != nil {
		t.Fatalf("Me with a freshly issued token: %v", err)
	}
	if want := (kantata.Identity{UserID: "777", FullName: "Ann Example", Email: "ann@example.com"}); id != want {
		t.Fatalf("identity = %+v, want %+v", id, want)
	}

	s.RevokeAll()
	_, err = checker(s).Me(context.Background(), token)
	wantKind(t, err, kantata.KindRejected, token)
	if !kantata.IsRejected(err) {
		t.Fatal("IsRejected = false for a revoked token")
	}
}

func TestFakeKantataRejectsMadeUpToken(t *testing.T) {
	s := fakekantata.New(t)
	const madeUp = "made-up-token-0123456789"
	_, err := checker(s).Me(context.Background(), madeUp)
	wantKind(t, err, kantata.KindRejected, madeUp)
	if s.MeRequests() != 1 {
		t.Fatalf("MeRequests = %d, want 1 (a 401 is not retried)", s.MeRequests())
	}
}

func TestFakeKantataUnauthorizedMode(t *testing.T) {
	s := fakekantata.New(t)
	token := issueToken(t, s)
	s.SetMeMode(fakekantata.MeUnauthorized)
	_, err := checker(s).Me(context.Background(), token)
	wantKind(t, err, kantata.KindRejected, token)
}

func TestFakeKantataRateLimitedThenOK(t *testing.T) {
	s := fakekantata.New(t)
	token := issueToken(t, s)
	s.SetMeMode(fakekantata.MeRateLimited)
	s.SetRateLimitCount(2)
	id, err := checker(s).Me(context.Background(), token)
	if err != nil {
		t.Fatalf("Me after two 429s: %v", err)
	}
	if id.UserID != fakekantata.DefaultUserID {
		t.Fatalf("identity = %+v", id)
	}
	if s.MeRequests() != 3 {
		t.Fatalf("MeRequests = %d, want 3", s.MeRequests())
	}
}

func TestFakeKantataAlwaysRateLimited(t *testing.T) {
	s := fakekantata.New(t)
	token := issueToken(t, s)
	s.SetMeMode(fakekantata.MeRateLimited)
	s.SetRateLimitCount(1000)
	c := checker(s)
	c.MaxRetries = 3
	_, err := c.Me(context.Background(), token)
	wantKind(t, err, kantata.KindRateLimited, token)
	if s.MeRequests() != c.MaxRetries+1 {
		t.Fatalf("MeRequests = %d, want %d", s.MeRequests(), c.MaxRetries+1)
	}
}

func TestFakeKantataFailureModes(t *testing.T) {
	for name, tc := range map[string]struct {
		mode fakekantata.MeMode
		kind kantata.Kind
	}{
		"server error": {fakekantata.MeServerError, kantata.KindServerError},
		"bad json":     {fakekantata.MeBadJSON, kantata.KindBadResponse},
		"oversized":    {fakekantata.MeOversized, kantata.KindTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			s := fakekantata.New(t)
			token := issueToken(t, s) // MeOversized validates the token first
			s.SetMeMode(tc.mode)
			_, err := checker(s).Me(context.Background(), token)
			wantKind(t, err, tc.kind, token)
			if s.MeRequests() != 1 {
				t.Fatalf("MeRequests = %d, want 1", s.MeRequests())
			}
		})
	}
}

func TestFakeKantataSlow(t *testing.T) {
	s := fakekantata.New(t)
	token := issueToken(t, s)
	s.SetMeMode(fakekantata.MeSlow)
	s.SetSlowDelay(time.Minute) // only the checker's timeout ends the request
	c := checker(s)
	c.Timeout = 200 * time.Millisecond
	_, err := c.Me(context.Background(), token)
	wantKind(t, err, kantata.KindTimeout, token)
}
