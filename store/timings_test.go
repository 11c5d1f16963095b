package store

import (
	"strings"
	"testing"
	"time"
)

// Timings survive the records file and a fresh Open, are deep copies, and a
// rename through SaveConnection keeps them.
func TestConnectionTimingsRoundTrip(t *testing.T) {
	kc := newMemKeychain()
	dir := t.TempDir()
	s, err := Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	cl := addClient(t, s, "Acme", "acme-secret")
	conn := addConnection(t, s, "Production", cl.ID)
	if conn.LastSignInTimings != nil || conn.LastTestTimings != nil {
		t.Fatalf("a new connection has timings: %+v", conn)
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	signIn := SignInTimings{At: at, BrowserWait: 4200 * time.Millisecond, TokenExchange: 130 * time.Millisecond, IdentityCheck: 85 * time.Microsecond}
	test := TestTimings{At: at.Add(time.Hour), IdentityCheck: 91 * time.Millisecond}
	updated, err := s.RecordOutcome(conn.ID, func(c *Connection) {
		c.LastSignInTimings = &signIn
		c.LastTestTimings = &test
	})
	if err != nil {
		t.Fatal(err)
	}
	updated.LastSignInTimings.BrowserWait = time.Nanosecond // must not reach the store's copy
	data := string(readFile(t, s.Path()))
	for _, want := range []string{`"last_sign_in_timings"`, `"browser_wait_ns": 4200000000`, `"last_test_timings"`} {
		if !strings.Contains(data, want) {
			t.Errorf("records file lacks %s:\n%s", want, data)
		}
	}

	if _, err := s.SaveConnection(conn.ID, "Production EU", cl.ID); err != nil {
		t.Fatal(err)
	}
	again, err := Open(dir, kc)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := again.Connection(conn.ID)
	if got.LastSignInTimings == nil || *got.LastSignInTimings != signIn {
		t.Errorf("sign-in timings after rename and reopen = %+v; want %+v", got.LastSignInTimings, signIn)
	}
	if got.LastTestTimings == nil || *got.LastTestTimings != test {
		t.Errorf("test timings after rename and reopen = %+v; want %+v", got.LastTestTimings, test)
	}
}
