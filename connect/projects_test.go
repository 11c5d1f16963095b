package connect_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/browsertest"
	"github.com/kantata-connect/kantata-connect/internal/connecttest"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/store"
)

// authorized gives the fixture's connection a real token from the stand-in,
// as a sign-in would have, and returns the service with short 429 waits.
func authorized(t *testing.T, f *connecttest.Fixture) *connect.Service {
	t.Helper()
	c := mustClient(t, f)
	tok := f.Kantata.IssueToken(t, c.ClientID, secret, c.RedirectURI())
	if err := f.Store.SaveToken(f.Conn.ID, store.Token{AccessToken: tok}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Store.RecordOutcome(f.Conn.ID, func(c *store.Connection) { c.Status = store.StatusAuthorized }); err != nil {
		t.Fatal(err)
	}
	f.Svc.Backoff = time.Millisecond
	return f.Svc
}

// Test counts the projects after the identity check, one case per answer of
// the stand-in's workspaces list. A count that fails never fails the test:
// the connection stays authorized as its user, with the reason kept.
func TestTestCountsProjects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(k *fakekantata.Server)
		visible int    // when counted
		failed  string // when not: the words, after "couldn't count projects: "
		kind    kantata.Kind
		text    string // ProjectsText, when counted
	}{
		{"42 projects", func(k *fakekantata.Server) { k.SetProjectCount(42) }, 42, "", "", "sees 42 projects"},
		{"one project", func(k *fakekantata.Server) { k.SetProjectCount(1) }, 1, "", "", "sees 1 project"},
		{"no projects", func(k *fakekantata.Server) { k.SetProjectCount(0) }, 0, "", "", "sees no projects"},
		{"429 once, then counted", func(k *fakekantata.Server) {
			k.SetWorkspacesMode(fakekantata.WorkspacesRateLimited)
			k.SetWorkspacesRateLimitCount(1)
		}, fakekantata.DefaultProjectCount, "", "", "sees 42 projects"},
		{"always 429", func(k *fakekantata.Server) {
			k.SetWorkspacesMode(fakekantata.WorkspacesRateLimited)
			k.SetWorkspacesRateLimitCount(1000)
		}, 0, "Kantata is rate limiting requests", kantata.KindRateLimited, ""},
		{"401", func(k *fakekantata.Server) { k.SetWorkspacesMode(fakekantata.WorkspacesUnauthorized) },
			0, "Kantata refused to list the projects", kantata.KindRejected, ""},
		{"500", func(k *fakekantata.Server) { k.SetWorkspacesMode(fakekantata.WorkspacesServerError) },
			0, "Kantata had a problem on its side", kantata.KindServerError, ""},
		{"garbage", func(k *fakekantata.Server) { k.SetWorkspacesMode(fakekantata.WorkspacesGarbage) },
			0, "Kantata's answer was not the list of projects this app expected", kantata.KindBadResponse, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			svc := authorized(t, f)
			tc.setup(f.Kantata)
			before := time.Now()

			conn, err := svc.Test(context.Background(), f.Conn.ID)

			if err != nil {
				t.Fatalf("Test: %v; a count never fails the test", err)
			}
			if conn.Status != store.StatusAuthorized || conn.Identity == nil || conn.Identity.FullName != fakekantata.DefaultFullName || conn.LastError != "" {
				t.Fatalf("status %q identity %+v last error %q; want authorized as the user, no error", conn.Status, conn.Identity, conn.LastError)
			}
			p := conn.Projects
			if p == nil || p.At.Before(before.Add(-time.Second)) || p.Took <= 0 {
				t.Fatalf("projects = %+v; want a count taken now, with its time", p)
			}
			n, counted := connect.ProjectsVisible(conn)
			if tc.failed == "" {
				if !counted || n != tc.visible || p.Error != "" {
					t.Fatalf("projects = %d (counted %v, error %q); want %d", n, counted, p.Error, tc.visible)
				}
				if got, brief := connect.ProjectsText(conn), connect.ProjectsBrief(conn); got != tc.text || brief != tc.text {
					t.Errorf("ProjectsText = %q, ProjectsBrief = %q, want %q", got, brief, tc.text)
				}
				if connect.SeesNoProjects(conn) != (tc.visible == 0) {
					t.Errorf("SeesNoProjects = %v with %d projects", connect.SeesNoProjects(conn), tc.visible)
				}
			} else {
				if counted || !strings.HasPrefix(p.Error, tc.failed) {
					t.Fatalf("projects = %+v; want no count and the words %q", p, tc.failed)
				}
				if !strings.Contains(p.ErrorDetail, "kind="+string(tc.kind)) || !strings.Contains(p.ErrorDetail, "/api/v1/workspaces.json") {
					t.Errorf("ErrorDetail %q lacks the kind %s or the request", p.ErrorDetail, tc.kind)
				}
				if got := connect.ProjectsText(conn); !strings.HasPrefix(got, "couldn't count projects: "+tc.failed) {
					t.Errorf("ProjectsText = %q, want couldn't count projects with the reason", got)
				}
				if got := connect.ProjectsBrief(conn); got != "couldn't count projects" {
					t.Errorf("ProjectsBrief = %q, want it without the reason", got)
				}
				if connect.SeesNoProjects(conn) {
					t.Error("SeesNoProjects for a count that failed")
				}
			}
			saved, _ := f.Store.Connection(f.Conn.ID)
			if sn, sok := connect.ProjectsVisible(saved); sok != counted || sn != n || saved.Projects.Error != p.Error {
				t.Errorf("the records hold %+v, not the outcome %+v", saved.Projects, p)
			}
		})
	}
}

// When the identity check fails there is nothing to count for: the
// workspaces list is not asked, and the last count stays with its time.
func TestFailedIdentityKeepsLastCount(t *testing.T) {
	f := newFixture(t, nil)
	svc := authorized(t, f)
	first, err := svc.Test(context.Background(), f.Conn.ID)
	if err != nil || first.Projects == nil {
		t.Fatalf("first test: %v, projects %+v", err, first.Projects)
	}
	asked := f.Kantata.WorkspacesRequests()
	f.Kantata.SetMeMode(fakekantata.MeServerError)

	conn, err := svc.Test(context.Background(), f.Conn.ID)
	if kantata.KindOf(err) != kantata.KindServerError || conn.Status != store.StatusFailed {
		t.Fatalf("err %v status %q; want the server error to fail the test", err, conn.Status)
	}
	if n := f.Kantata.WorkspacesRequests() - asked; n != 0 {
		t.Errorf("the workspaces list was asked %d times after users/me failed", n)
	}
	if conn.Projects == nil || !conn.Projects.At.Equal(first.Projects.At) {
		t.Errorf("projects = %+v; want the last count, %+v", conn.Projects, first.Projects)
	}
	if got := connect.ProjectsText(conn); got != "" {
		t.Errorf("ProjectsText of a failed connection = %q; an older count says nothing of it now", got)
	}
}

// Canceling a test while it counts leaves the connection as it was, as
// canceling the identity check does.
func TestCancelDuringCountLeavesConnection(t *testing.T) {
	f := newFixture(t, nil)
	svc := authorized(t, f)
	before, _ := f.Store.Connection(f.Conn.ID)
	f.Kantata.SetWorkspacesMode(fakekantata.WorkspacesSlow)
	f.Kantata.SetSlowDelay(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		deadline := time.Now().Add(hangGuard)
		for f.Kantata.WorkspacesRequests() == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()

	_, err := svc.Test(ctx, f.Conn.ID)

	if kantata.KindOf(err) != kantata.KindCanceled {
		t.Fatalf("err = %v; want canceled", err)
	}
	after, _ := f.Store.Connection(f.Conn.ID)
	if after.Projects != nil || after.Identity != nil || after.LastTestedAt != nil || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("the connection changed: %+v", after)
	}
}

// A sign-in counts the projects of the user it signed in as, and replaces a
// count from an earlier sign-in; when it cannot say who the user is, the
// earlier count (maybe another user's) is dropped.
func TestAuthorizeCountsProjects(t *testing.T) {
	testenv.Chromium(t)
	f := newFixture(t, browsertest.New(t))
	ctx := context.Background()
	authorize := func() store.Connection {
		t.Helper()
		conn, err := f.Svc.Authorize(ctx, f.Conn.ID, connect.AuthorizeOptions{Timeout: time.Minute}, nil)
		if err != nil {
			t.Fatalf("Authorize: %v", err)
		}
		return conn
	}

	t.Run("signed in as a user with projects", func(t *testing.T) {
		f.Kantata.SetProjectCount(42)
		conn := authorize()
		if got := connect.ProjectsText(conn); got != "sees 42 projects" || conn.Projects.At.IsZero() {
			t.Errorf("ProjectsText = %q (at %v), want sees 42 projects", got, conn.Projects.At)
		}
	})
	t.Run("signed in again as a user with none", func(t *testing.T) {
		f.Kantata.SetUser("900", "Nora None", "nora@example.com")
		f.Kantata.SetProjectCount(0)
		conn := authorize()
		if !connect.SeesNoProjects(conn) || conn.Identity.FullName != "Nora None" {
			t.Errorf("identity %+v projects %+v; want Nora, who sees none", conn.Identity, conn.Projects)
		}
	})
	t.Run("signed in, but the user unknown", func(t *testing.T) {
		f.Kantata.SetMeMode(fakekantata.MeServerError)
		asked := f.Kantata.WorkspacesRequests()
		conn := authorize()
		if conn.Status != store.StatusAuthorized || conn.Projects != nil {
			t.Errorf("status %q projects %+v; want authorized with the earlier count dropped", conn.Status, conn.Projects)
		}
		if n := f.Kantata.WorkspacesRequests() - asked; n != 0 {
			t.Errorf("counted %d times for an unknown user", n)
		}
	})
	t.Run("signed in, the count failing", func(t *testing.T) {
		f.Kantata.SetMeMode(fakekantata.MeOK)
		f.Kantata.SetWorkspacesMode(fakekantata.WorkspacesServerError)
		conn := authorize()
		if conn.Status != store.StatusAuthorized || conn.LastError != "" ||
			!strings.HasPrefix(connect.ProjectsText(conn), "couldn't count projects: Kantata had a problem") {
			t.Errorf("status %q last error %q projects %q; want authorized, the count's reason kept apart",
				conn.Status, conn.LastError, connect.ProjectsText(conn))
		}
	})
}

// Test all counts each connection's projects: every result carries its own.
func TestTestAllCountsProjectsPerConnection(t *testing.T) {
	st := testenv.Store(t)
	many, none, failing := fakekantata.New(t), fakekantata.New(t), fakekantata.New(t)
	many.SetProjectCount(42)
	none.SetProjectCount(0)
	failing.SetWorkspacesMode(fakekantata.WorkspacesServerError)
	addConnection(t, st, many, "Alpha", "", true)
	addConnection(t, st, none, "Bravo", "", true)
	addConnection(t, st, failing, "Charlie", "", true)

	results := connect.New(st, nil).TestAll(context.Background(), 0, nil)

	want := map[string]string{
		"Alpha":   "sees 42 projects",
		"Bravo":   "sees no projects",
		"Charlie": "couldn't count projects: Kantata had a problem on its side",
	}
	if len(results) != len(want) {
		t.Fatalf("%d results, want %d", len(results), len(want))
	}
	for _, r := range results {
		t.Run(r.Connection.Name, func(t *testing.T) {
			if !r.OK() {
				t.Fatalf("the test failed: %v", r.Err)
			}
			if got := connect.ProjectsText(r.Connection); !strings.HasPrefix(got, want[r.Connection.Name]) {
				t.Errorf("ProjectsText = %q, want %q", got, want[r.Connection.Name])
			}
		})
	}
}
