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

// The project count against the stand-in, one case per way its workspaces
// list answers: each count, and each failure with the Kind it maps to.
func TestFakeKantataProjectCount(t *testing.T) {
	for _, tc := range []struct {
		name     string
		setup    func(s *fakekantata.Server)
		want     int
		kind     kantata.Kind // "" when the count works
		requests int
	}{
		{"42 projects", func(s *fakekantata.Server) { s.SetProjectCount(42) }, 42, "", 1},
		{"no projects", func(s *fakekantata.Server) { s.SetProjectCount(0) }, 0, "", 1},
		{"one project", func(s *fakekantata.Server) { s.SetProjectCount(1) }, 1, "", 1},
		{"rate limited twice, then counted", func(s *fakekantata.Server) {
			s.SetWorkspacesMode(fakekantata.WorkspacesRateLimited)
			s.SetWorkspacesRateLimitCount(2)
		}, fakekantata.DefaultProjectCount, "", 3},
		{"always rate limited", func(s *fakekantata.Server) {
			s.SetWorkspacesMode(fakekantata.WorkspacesRateLimited)
			s.SetWorkspacesRateLimitCount(1000)
		}, 0, kantata.KindRateLimited, kantata.DefaultMaxRetries + 1},
		{"401", func(s *fakekantata.Server) { s.SetWorkspacesMode(fakekantata.WorkspacesUnauthorized) }, 0, kantata.KindRejected, 1},
		{"revoked token", func(s *fakekantata.Server) { s.RevokeAll() }, 0, kantata.KindRejected, 1},
		{"500", func(s *fakekantata.Server) { s.SetWorkspacesMode(fakekantata.WorkspacesServerError) }, 0, kantata.KindServerError, 1},
		{"garbage", func(s *fakekantata.Server) { s.SetWorkspacesMode(fakekantata.WorkspacesGarbage) }, 0, kantata.KindBadResponse, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fakekantata.New(t)
			token := issueToken(t, s)
			tc.setup(s)
			n, err := checker(s).ProjectCount(context.Background(), token)
			if tc.kind == "" {
				if err != nil || n != tc.want {
					t.Fatalf("ProjectCount = %d, %v; want %d", n, err, tc.want)
				}
			} else {
				wantKind(t, err, tc.kind, token)
				if n != 0 {
					t.Errorf("ProjectCount = %d with an error", n)
				}
				if !strings.Contains(err.Error(), "project count") || !strings.Contains(err.Error(), "/api/v1/workspaces.json") {
					t.Errorf("error %q does not name the project count and its request", err)
				}
			}
			if got := s.WorkspacesRequests(); got != tc.requests {
				t.Errorf("WorkspacesRequests = %d, want %d", got, tc.requests)
			}
			if q := s.LastWorkspacesQuery(); q.Get("per_page") != "1" {
				t.Errorf("asked with %v, want per_page=1", q)
			}
			if s.MeRequests() != 0 {
				t.Errorf("the count asked users/me %d times", s.MeRequests())
			}
		})
	}
}

// The count has the identity check's timeout.
func TestFakeKantataProjectCountSlow(t *testing.T) {
	s := fakekantata.New(t)
	token := issueToken(t, s)
	s.SetWorkspacesMode(fakekantata.WorkspacesSlow)
	s.SetSlowDelay(time.Minute) // only the checker's timeout ends the request
	c := checker(s)
	c.Timeout = 200 * time.Millisecond
	start := time.Now()
	_, err := c.ProjectCount(context.Background(), token)
	wantKind(t, err, kantata.KindTimeout, token)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the count took %s with a 200ms timeout", d)
	}
}
