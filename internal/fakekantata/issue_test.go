package fakekantata

import "testing"

// IssueToken gives a real token: users/me knows its user, and RevokeAll
// really revokes it. Nothing listens on the redirect URI.
func TestIssueToken(t *testing.T) {
	s := New(t)
	const redirect = "http://127.0.0.1:1/callback"
	s.AddClient(testClientID, testSecret, redirect)
	s.SetUser("42", "Ann Example", "ann@example.com")

	tok := s.IssueToken(t, testClientID, testSecret, redirect)
	wantMeUser(t, me(t, s, tok), "42", "Ann Example", "ann@example.com")
	if s.TokenRequests() != 1 {
		t.Errorf("TokenRequests = %d, want 1", s.TokenRequests())
	}
	if other := s.IssueToken(t, testClientID, testSecret, redirect); other == tok {
		t.Error("a second IssueToken returned the same token")
	}

	s.RevokeAll()
	wantUnauthorized(t, me(t, s, tok))
}
