package connect_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/internal/fakekantata"
	"github.com/kantata-connect/kantata-connect/internal/testenv"
	"github.com/kantata-connect/kantata-connect/kantata"
	"github.com/kantata-connect/kantata-connect/store"
)

// hangGuard bounds waits for something that should happen; no test asserts
// on it.
const hangGuard = 90 * time.Second

// addConnection saves a client registered at k (its API base apiURL, or k's
// when empty) and a connection using it. authorized gives the connection a
// real token from k, as a sign-in would have.
func addConnection(t *testing.T, st *store.Store, k *fakekantata.Server, name, apiURL string, authorized bool) store.Connection {
	t.Helper()
	c := store.Client{ClientSettings: store.DefaultClientSettings()}
	c.Name, c.ClientID = name+" client", "client-"+testenv.RandomHex(t)
	c.AuthURL, c.TokenURL, c.APIBaseURL = k.AuthURL(), k.TokenURL(), k.APIBaseURL()
	if apiURL != "" {
		c.APIBaseURL = apiURL
	}
	c.RedirectPort = testenv.FreePort(t)
	k.AddClient(c.ClientID, secret, c.RedirectURI())
	c, err := st.SaveClient(c.ID, c.ClientSettings, secret)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.DeleteClient(c.ID, true) })
	conn, err := st.SaveConnection("", name, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !authorized {
		return conn
	}
	tok := k.IssueToken(t, c.ClientID, secret, c.RedirectURI())
	if err := st.SaveToken(conn.ID, store.Token{AccessToken: tok}); err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	conn, err = st.RecordOutcome(conn.ID, func(c *store.Connection) {
		c.Status, c.LastAuthorizedAt = store.StatusAuthorized, &at
	})
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// closedURL is an API base nothing listens on.
func closedURL(t *testing.T) string {
	return fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t))
}

type progressCall struct {
	done, total int
	name        string
	ok          bool
}

// recorder keeps progress calls, and checks they never overlap.
type recorder struct {
	active atomic.Int32 // calls under way
	mu     sync.Mutex
	calls  []progressCall
	// overlap: a call began while another was under way.
	overlap bool
	// after runs at the end of each call, in the worker.
	after func(progressCall)
}

func (r *recorder) progress(done, total int, res connect.TestResult) {
	defer r.active.Add(-1)
	overlapping := r.active.Add(1) != 1
	runtime.Gosched() // give an unserialised caller the chance to overlap
	c := progressCall{done, total, res.Connection.Name, res.OK()}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.overlap = r.overlap || overlapping
	after := r.after
	r.mu.Unlock()
	if after != nil {
		after(c)
	}
}

func (r *recorder) snapshot() ([]progressCall, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls), r.overlap
}

func TestTestAllGoodRevokedUnreachableAndSkipped(t *testing.T) {
	st := testenv.Store(t)
	good, revoked := fakekantata.New(t), fakekantata.New(t)
	good.SetUser("101", "Ann Good", "ann@example.com")

	addConnection(t, st, good, "Alpha", "", true)
	addConnection(t, st, revoked, "Bravo", "", true)
	addConnection(t, st, good, "Charlie", closedURL(t), true)
	addConnection(t, st, good, "Delta", "", false)
	addConnection(t, st, good, "echo", "", true) // name order ignores case
	revoked.RevokeAll()
	meBefore := good.MeRequests()

	svc := connect.New(st, nil)
	rec := &recorder{}
	results := svc.TestAll(context.Background(), 0, rec.progress)

	var names []string
	for _, r := range results {
		names = append(names, r.Connection.Name)
	}
	if want := []string{"Alpha", "Bravo", "Charlie", "Delta", "echo"}; !slices.Equal(names, want) {
		t.Fatalf("results in order %q; want %q", names, want)
	}
	byName := map[string]connect.TestResult{}
	for _, r := range results {
		byName[r.Connection.Name] = r
	}

	for _, name := range []string{"Alpha", "echo"} {
		r := byName[name]
		if !r.OK() || r.Err != nil || r.Connection.Status != store.StatusAuthorized ||
			r.Connection.Identity == nil || r.Connection.Identity.FullName != "Ann Good" || r.Connection.LastTestedAt == nil {
			t.Errorf("%s: %+v; want a pass as Ann Good, with the test time", name, r)
		}
	}
	if r := byName["Bravo"]; r.OK() || !kantata.IsRejected(r.Err) || r.Connection.Status != store.StatusNeedsReauth {
		t.Errorf("Bravo (revoked): err %v status %q; want rejected, needs re-authorization", r.Err, r.Connection.Status)
	}
	if r := byName["Charlie"]; r.OK() || kantata.KindOf(r.Err) != kantata.KindNetwork ||
		r.Connection.Status != store.StatusFailed || r.Connection.LastError == "" {
		t.Errorf("Charlie (unreachable): err %v status %q; want a network failure kept with it", r.Err, r.Connection.Status)
	}
	if r := byName["Delta"]; !r.Skipped || r.OK() || r.Err != nil || r.Connection.Status != store.StatusNeverAuthorized {
		t.Errorf("Delta (never authorized): %+v; want skipped without error", r)
	}
	if got := good.MeRequests() - meBefore; got != 2 {
		t.Errorf("the good server was asked %d times; want 2 (Alpha and echo; Delta is skipped)", got)
	}

	// What was returned is what was recorded.
	for _, r := range results {
		saved, _ := st.Connection(r.Connection.ID)
		if saved.Status != r.Connection.Status || saved.LastError != r.Connection.LastError {
			t.Errorf("%s: returned status %q, recorded %q", r.Connection.Name, r.Connection.Status, saved.Status)
		}
	}

	calls, overlap := rec.snapshot()
	if overlap {
		t.Error("progress calls overlapped")
	}
	if len(calls) != 4 {
		t.Fatalf("progress was called %d times; want 4 (the tested ones): %+v", len(calls), calls)
	}
	seen := map[string]bool{}
	for i, c := range calls {
		if c.done != i+1 || c.total != 4 {
			t.Errorf("progress call %d: done %d of %d; want %d of 4", i, c.done, c.total, i+1)
		}
		if c.ok != byName[c.name].OK() {
			t.Errorf("progress for %s said ok=%v; the result says %v", c.name, c.ok, byName[c.name].OK())
		}
		seen[c.name] = true
	}
	if len(seen) != 4 || seen["Delta"] {
		t.Errorf("progress named %v; want each tested connection once", seen)
	}
}

// A server that never answers holds one worker; the others finish the rest.
// The slow connection comes first in name order, so a pool that waited for it
// would report it first.
func TestTestAllSlowServerDoesNotStallTheRest(t *testing.T) {
	st := testenv.Store(t)
	fast, slow := fakekantata.New(t), fakekantata.New(t)
	slow.SetMeMode(fakekantata.MeSlow)
	slow.SetSlowDelay(time.Hour) // only Close (or the check timeout) ends it

	addConnection(t, st, slow, "A slow", "", true)
	var fastNames []string
	for i := range 5 {
		name := fmt.Sprintf("Fast %d", i)
		addConnection(t, st, fast, name, "", true)
		fastNames = append(fastNames, name)
	}

	fastDone := make(chan struct{})
	var n int
	rec := &recorder{after: func(c progressCall) {
		if c.name != "A slow" {
			if n++; n == len(fastNames) {
				close(fastDone)
			}
		}
	}}
	results := make(chan []connect.TestResult, 1)
	go func() { results <- connect.New(st, nil).TestAll(context.Background(), 2, rec.progress) }()

	select {
	case <-fastDone:
	case <-time.After(hangGuard):
		t.Fatalf("the fast connections were not all reported within %v", hangGuard)
	}
	// Only now does the slow server give up.
	slow.Close()
	var got []connect.TestResult
	select {
	case got = <-results:
	case <-time.After(hangGuard):
		t.Fatalf("TestAll did not return within %v after the slow server closed", hangGuard)
	}

	calls, _ := rec.snapshot()
	if len(calls) != 6 || calls[5].name != "A slow" {
		t.Fatalf("progress order %+v; want the five fast ones before the slow one", calls)
	}
	for _, c := range calls[:5] {
		if !c.ok {
			t.Errorf("%s failed; want it to work", c.name)
		}
	}
	if got[0].Connection.Name != "A slow" || got[0].OK() || got[0].Connection.Status != store.StatusFailed {
		t.Errorf("slow connection: %+v; want a failure recorded", got[0])
	}
}

// notifying tells when the first request leaves, so the test can cancel
// while a check is under way.
type notifying struct {
	once sync.Once
	sent chan struct{}
}

func (n *notifying) RoundTrip(r *http.Request) (*http.Response, error) {
	n.once.Do(func() { close(n.sent) })
	return http.DefaultTransport.RoundTrip(r)
}

func TestTestAllCancelLeavesConnectionsAsTheyWere(t *testing.T) {
	st := testenv.Store(t)
	fast, slow := fakekantata.New(t), fakekantata.New(t)
	slow.SetMeMode(fakekantata.MeSlow)
	slow.SetSlowDelay(time.Hour)
	addConnection(t, st, slow, "A slow", "", true)
	addConnection(t, st, fast, "B fast", "", true)
	addConnection(t, st, fast, "C fast", "", true)
	before := st.Connections()

	svc := connect.New(st, nil)
	tr := &notifying{sent: make(chan struct{})}
	svc.HTTPClient = &http.Client{Transport: tr}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{}
	results := make(chan []connect.TestResult, 1)
	go func() { results <- svc.TestAll(ctx, 1, rec.progress) }()

	select {
	case <-tr.sent:
	case <-time.After(hangGuard):
		t.Fatalf("no check started within %v", hangGuard)
	}
	cancel()
	var got []connect.TestResult
	select {
	case got = <-results:
	case <-time.After(hangGuard):
		t.Fatalf("TestAll did not return within %v of the cancel", hangGuard)
	}

	for i, r := range got {
		if kantata.KindOf(r.Err) != kantata.KindCanceled || r.OK() {
			t.Errorf("%s: err %v; want canceled", r.Connection.Name, r.Err)
		}
		if msg, _ := connect.Explain(r.Err); msg == "" {
			t.Errorf("%s: canceled without a message", r.Connection.Name)
		}
		saved, _ := st.Connection(r.Connection.ID)
		if saved.Status != before[i].Status || saved.LastTestedAt != nil || saved.LastError != "" {
			t.Errorf("%s after cancel: %+v; want it as it was", saved.Name, saved)
		}
	}
	if fast.MeRequests() != 0 {
		t.Errorf("%d checks started after the cancel", fast.MeRequests())
	}
	if calls, _ := rec.snapshot(); len(calls) != 1 || calls[0].name != "A slow" {
		t.Errorf("progress calls %+v; want only the one that was running", calls)
	}
}

func TestTestAllNothingToTest(t *testing.T) {
	st := testenv.Store(t)
	svc := connect.New(st, nil)
	called := false
	if got := svc.TestAll(context.Background(), 0, func(int, int, connect.TestResult) { called = true }); len(got) != 0 || called {
		t.Errorf("no connections: %d results, progress called %v", len(got), called)
	}
	addConnection(t, st, fakekantata.New(t), "New", "", false)
	got := svc.TestAll(context.Background(), 3, nil)
	if len(got) != 1 || !got[0].Skipped {
		t.Errorf("only a never-authorized connection: %+v; want it skipped", got)
	}
}

// A token goes only to the endpoints it was issued with (issue 19): once
// its client's API URL changes, the connection needs a new sign-in, Test
// asks nobody and says so, and TestAll skips it with that reason.
func TestNeedsSignInAsksNobody(t *testing.T) {
	st := testenv.Store(t)
	k := fakekantata.New(t)
	other := fakekantata.NewAt(t, "127.0.0.2")
	svc := connect.New(st, nil)
	conn := addConnection(t, st, k, "Moved", "", true)
	client, _ := st.Client(conn.ClientRef)
	settings := client.ClientSettings
	settings.APIBaseURL = other.APIBaseURL()
	if _, err := st.SaveClient(client.ID, settings, secret); err != nil {
		t.Fatal(err)
	}

	_, err := svc.Test(context.Background(), conn.ID)
	var na *connect.NotAuthorizedError
	if !errors.As(err, &na) || !na.NeedsSignIn || connect.NextStepOf(err) != connect.NextSignInAgain {
		t.Fatalf("Test of a connection whose API URL changed: %v", err)
	}
	results := svc.TestAll(context.Background(), 0, nil)
	if len(results) != 1 || !results[0].Skipped || results[0].Err != nil || !errors.As(results[0].Why, &na) || !na.NeedsSignIn {
		t.Fatalf("TestAll = %+v", results)
	}
	if n := other.MeRequests() + k.MeRequests(); n != 0 {
		t.Errorf("%d requests carried the old token", n)
	}
}
