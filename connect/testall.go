package connect

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/store"
)

// DefaultTestWorkers is how many connections TestAll checks at once: enough
// that one slow server does not hold up the rest, few enough not to look
// like a burst to Kantata's rate limit.
const DefaultTestWorkers = 4

// TestResult is one connection's outcome in TestAll.
type TestResult struct {
	// Connection is the connection as recorded after its test (or as it was,
	// when it was skipped or the outcome could not be recorded).
	Connection store.Connection
	// Err is why the test failed; nil when it works or was skipped.
	Err error
	// Skipped: not tested, for the reason in Why (a *NotAuthorizedError):
	// never authorized, or needing a new sign-in. Err is nil.
	Skipped bool
	Why     error
}

// OK reports whether the connection was tested and works.
func (r TestResult) OK() bool { return !r.Skipped && r.Err == nil }

// TestAll tests every connection that is authorized or failed with Test, at most workers at a time
// (0 or less means DefaultTestWorkers), so one slow or unreachable server
// does not stall the rest. Each test records its outcome with its
// connection, as Test does.
//
// It returns one result per saved connection, in name order. Connections
// never authorized, or needing a new sign-in, are in it with Skipped set and
// the reason; they are not tested and not counted in progress's total.
//
// progress, when not nil, is called after each test finishes, with how many
// have finished and how many will be tested. It is called from worker
// goroutines, never two calls at once and with done counting up, so it may
// count without a lock of its own; it holds up the other reports while it
// runs, so it must return quickly (a window hands the update to its UI
// thread, e.g. with fyne.Do).
//
// A connection whose sign-in never succeeded (failed, with no token) is
// tested and fails with ErrNotAuthorized, which says what to do.
//
// Canceling ctx stops the tests that are running (their connections stay as
// they were) and starts no more: those not started get a kantata.Error of
// KindCanceled and no progress call.
func (s *Service) TestAll(ctx context.Context, workers int, progress func(done, total int, r TestResult)) []TestResult {
	conns := s.Store.Connections()
	results := make([]TestResult, len(conns))
	var todo []int
	for i, c := range conns {
		results[i].Connection = c
		if why := notTestable(c); why != nil {
			results[i].Skipped, results[i].Why = true, why
			continue
		}
		todo = append(todo, i)
	}
	if workers <= 0 {
		workers = DefaultTestWorkers
	}
	workers = min(workers, len(todo))

	jobs := make(chan int)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex // guards ran and done, and serialises progress calls
		ran  = make([]bool, len(conns))
		done int
	)
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				if ctx.Err() != nil {
					continue // canceled while queued: not started
				}
				r := s.testOne(ctx, results[i].Connection)
				mu.Lock()
				results[i], ran[i] = r, true
				done++
				if progress != nil {
					progress(done, len(todo), r)
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, i := range todo {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()

	for _, i := range todo {
		if !ran[i] {
			c := results[i].Connection
			results[i].Err = &kantata.Error{
				Kind:    kantata.KindCanceled,
				Message: "The connection test was canceled.",
				Detail:  fmt.Sprintf("test of %q not started: %v", c.Name, context.Cause(ctx)),
				Err:     ctx.Err(),
			}
		}
	}
	return results
}

// testOne tests c, keeping c when the outcome names no connection (it was
// deleted meanwhile).
func (s *Service) testOne(ctx context.Context, c store.Connection) TestResult {
	conn, err := s.Test(ctx, c.ID)
	if conn.ID == "" {
		conn = c
	}
	return TestResult{Connection: conn, Err: err}
}

// TestAllSummary is a Test all's outcome sorted by the one rule both
// fronts tell it by. Each list keeps the results' order (by name).
type TestAllSummary struct {
	Works []store.Connection // tested: works
	// Fails are the tests that failed, with why; a connection whose
	// sign-in never succeeded (ErrNotAuthorized: it has no token) too.
	Fails           []TestResult
	Canceled        []store.Connection // to be tested, canceled first: left as they were
	NeverAuthorized []store.Connection // skipped: never authorized
	SignInAgain     []store.Connection // skipped: needs a new sign-in
}

// SummarizeTestAll sorts TestAll's results.
func SummarizeTestAll(results []TestResult) TestAllSummary {
	var s TestAllSummary
	for _, r := range results {
		switch {
		case r.Skipped && r.Connection.Status == store.StatusNeedsReauth:
			s.SignInAgain = append(s.SignInAgain, r.Connection)
		case r.Skipped:
			s.NeverAuthorized = append(s.NeverAuthorized, r.Connection)
		case Canceled(r.Err):
			s.Canceled = append(s.Canceled, r.Connection)
		case r.Err != nil:
			s.Fails = append(s.Fails, r)
		default:
			s.Works = append(s.Works, r.Connection)
		}
	}
	return s
}

// Total is every connection of the run, tested or not.
func (s TestAllSummary) Total() int {
	return len(s.Works) + len(s.Fails) + len(s.Canceled) + len(s.NeverAuthorized) + len(s.SignInAgain)
}

// Skipped is how many were not tested: never authorized or needing a new
// sign-in.
func (s TestAllSummary) Skipped() int { return len(s.NeverAuthorized) + len(s.SignInAgain) }

// Tests is how many connections had a token to test: those that ran, and
// those canceled before they could. A connection whose sign-in never
// succeeded has none, so it is no test, though it is among Fails.
func (s TestAllSummary) Tests() int {
	n := len(s.Works) + len(s.Canceled)
	for _, f := range s.Fails {
		if !errors.Is(f.Err, ErrNotAuthorized) {
			n++
		}
	}
	return n
}

// NoProjects are the working connections whose user sees no projects: an
// integration using them would find nothing.
func (s TestAllSummary) NoProjects() []store.Connection {
	return filter(s.Works, SeesNoProjects)
}

// Uncounted are the working connections whose projects could not be
// counted.
func (s TestAllSummary) Uncounted() []store.Connection {
	return filter(s.Works, func(c store.Connection) bool { p := Projects(c); return p.Counted && !p.Known })
}

func filter(conns []store.Connection, keep func(store.Connection) bool) []store.Connection {
	var out []store.Connection
	for _, c := range conns {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// Standing is how saved connections stand with Kantata by what they record,
// counted by the same rule as a Test all: what a front shows after one and
// keeps up to date as later sign-ins, tests and deletes change the records.
type Standing struct {
	// Works and Fails: Kantata was asked about them (by a test, or a
	// sign-in's check of its user), and they work or not.
	Works, Fails int
	// NotTested: authorized, but Kantata was never asked about them.
	NotTested int
	// NotAuthorized: never signed in, so there is nothing to test; not a
	// failure.
	NotAuthorized int
	// NoProjects: among Works, those whose user sees no projects.
	NoProjects int
	// First and Last are when Works and Fails were asked about, in local
	// time; zero when none was.
	First, Last time.Time
}

// EverAuthorized is the rule for what can be tested: a connection that was
// authorized once has a token to test, whatever its status says now (a
// failed re-authorization leaves the token that works). One never
// authorized has none, not even after a failed first sign-in.
func EverAuthorized(c store.Connection) bool { return c.LastAuthorizedAt != nil }

// StandingOf counts conns. Their own LastTestedAt is the one source of
// "when", as diagnostics and the command line's list read it.
func StandingOf(conns []store.Connection) Standing {
	var s Standing
	for _, c := range conns {
		switch {
		case !EverAuthorized(c):
			s.NotAuthorized++
			continue
		case c.LastTestedAt == nil:
			s.NotTested++
			continue
		case c.Status == store.StatusAuthorized:
			s.Works++
			if SeesNoProjects(c) {
				s.NoProjects++
			}
		default:
			s.Fails++
		}
		at := c.LastTestedAt.Local()
		if s.First.IsZero() || at.Before(s.First) {
			s.First = at
		}
		if at.After(s.Last) {
			s.Last = at
		}
	}
	return s
}
