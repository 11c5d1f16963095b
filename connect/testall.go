package connect

import (
	"context"
	"fmt"
	"sync"

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
