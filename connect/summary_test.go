package connect_test

import (
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/store"
)

// One rule sorts a Test all's results for both fronts; the project counts
// come back as data.
func TestSummarizeTestAll(t *testing.T) {
	n := func(v int) *int { return &v }
	works := func(name string, p *store.ProjectCount) connect.TestResult {
		return connect.TestResult{Connection: store.Connection{Name: name, Status: store.StatusAuthorized, Projects: p}}
	}
	results := []connect.TestResult{
		works("A", &store.ProjectCount{Visible: n(42)}),
		works("B", &store.ProjectCount{Visible: n(0)}),
		works("C", &store.ProjectCount{Error: "Kantata had a problem."}),
		works("D", nil),
		{Connection: store.Connection{Name: "E", Status: store.StatusFailed}, Err: &kantata.Error{Kind: kantata.KindRejected}},
		{Connection: store.Connection{Name: "F", Status: store.StatusFailed}, Err: &connect.NotAuthorizedError{Name: "F"}},
		{Connection: store.Connection{Name: "G", Status: store.StatusAuthorized}, Err: &kantata.Error{Kind: kantata.KindCanceled}},
		{Connection: store.Connection{Name: "H", Status: store.StatusNeverAuthorized}, Skipped: true},
		{Connection: store.Connection{Name: "I", Status: store.StatusNeedsReauth}, Skipped: true},
	}
	sum := connect.SummarizeTestAll(results)
	names := func(conns []store.Connection) string {
		s := ""
		for _, c := range conns {
			s += c.Name
		}
		return s
	}
	fails := ""
	for _, f := range sum.Fails {
		fails += f.Connection.Name
	}
	for _, tc := range []struct{ what, got, want string }{
		{"Works", names(sum.Works), "ABCD"},
		{"Fails", fails, "EF"},
		{"Canceled", names(sum.Canceled), "G"},
		{"NeverAuthorized", names(sum.NeverAuthorized), "H"},
		{"SignInAgain", names(sum.SignInAgain), "I"},
		{"NoProjects", names(sum.NoProjects()), "B"},
		{"Uncounted", names(sum.Uncounted()), "C"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("%s = %q, want %q", tc.what, tc.got, tc.want)
			}
		})
	}
	t.Run("counts", func(t *testing.T) {
		// F has no token: among Fails, but no test.
		if sum.Total() != 9 || sum.Skipped() != 2 || sum.Tests() != 6 {
			t.Errorf("Total %d, Skipped %d, Tests %d; want 9, 2, 6", sum.Total(), sum.Skipped(), sum.Tests())
		}
	})
	t.Run("projects as data", func(t *testing.T) {
		for _, tc := range []struct {
			r    connect.TestResult
			want connect.ProjectCount
		}{
			{results[0], connect.ProjectCount{Counted: true, Known: true, Visible: 42}},
			{results[2], connect.ProjectCount{Counted: true, Why: "Kantata had a problem."}},
			{results[3], connect.ProjectCount{}},
		} {
			if got := connect.Projects(tc.r.Connection); got != tc.want {
				t.Errorf("Projects(%s) = %+v, want %+v", tc.r.Connection.Name, got, tc.want)
			}
		}
	})
}

// StandingOf counts by the records alone: a connection never signed in is
// no failure, one Kantata was never asked about is not tested, and "when"
// is each connection's own LastTestedAt.
func TestStandingOf(t *testing.T) {
	at := func(hh, mm int) *time.Time {
		t := time.Date(2026, 12, 2, hh, mm, 0, 0, time.Local)
		return &t
	}
	none := 0
	conns := []store.Connection{
		{Name: "A", Status: store.StatusAuthorized, LastAuthorizedAt: at(9, 0), LastTestedAt: at(16, 15)},
		{Name: "B", Status: store.StatusAuthorized, LastAuthorizedAt: at(9, 0), LastTestedAt: at(16, 16),
			Projects: &store.ProjectCount{Visible: &none}},
		{Name: "C", Status: store.StatusNeedsReauth, LastAuthorizedAt: at(9, 0), LastTestedAt: at(16, 10)},
		{Name: "D", Status: store.StatusAuthorized, LastAuthorizedAt: at(9, 0)},
		{Name: "E", Status: store.StatusFailed},
		{Name: "F"},
	}
	got := connect.StandingOf(conns)
	want := connect.Standing{Works: 2, Fails: 1, NotTested: 1, NotAuthorized: 2, NoProjects: 1, First: *at(16, 10), Last: *at(16, 16)}
	if got != want {
		t.Errorf("StandingOf = %+v\nwant         %+v", got, want)
	}
}
