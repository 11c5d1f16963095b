package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/store"
)

// testAllJSON is test --all --json; a documented interface like testJSON.
type testAllJSON struct {
	Results []testAllItemJSON `json:"results"`
	Summary testSummaryJSON   `json:"summary"`
}

// testAllItemJSON is test --json's object plus whether it was skipped.
type testAllItemJSON struct {
	testJSON
	Skipped bool `json:"skipped"`
}

type testSummaryJSON struct {
	Total   int `json:"total"`   // every saved connection
	Passed  int `json:"passed"`  // tested, works
	Failed  int `json:"failed"`  // tested (or canceled), does not work
	Skipped int `json:"skipped"` // never authorized, or needing a new sign-in: not tested
}

// testAll is test --all: every authorized connection, a few at a time.
func (r *runner) testAll(asJSON bool) int {
	st, ok := r.openStore()
	if !ok {
		return ExitUsage
	}
	if !asJSON {
		r.announceTests(st)
	}
	ctx, stop := r.interruptible()
	defer stop()
	results := r.service(st).TestAll(ctx, connect.DefaultTestWorkers, nil)
	sum := connect.SummarizeTestAll(results)
	code := ExitOK
	for _, f := range sum.Fails {
		code = worseExit(code, exitCode(f.Err))
	}
	if len(sum.Canceled) > 0 {
		code = worseExit(code, ExitInterrupted)
	}
	if asJSON {
		writeJSON(r.env.Stdout, testAllJSONOf(results, sum))
		return code
	}
	if len(results) == 0 {
		fmt.Fprintf(r.env.Stdout, "No connections yet. Add one with: %s connection add NAME --client CLIENT_NAME\n", Prog)
		return ExitOK
	}
	r.printTestRows(results)
	if code == ExitInterrupted {
		fmt.Fprintln(r.env.Stderr, "Test canceled; the connections not tested were left as they were.")
		return code
	}
	r.printTestAllSummary(sum)
	return code
}

// announceTests says how many connections will be tested, when several.
func (r *runner) announceTests(st *store.Store) {
	n := 0
	for _, c := range st.Connections() {
		if c.Status != store.StatusNeverAuthorized && c.Status != store.StatusNeedsReauth {
			n++
		}
	}
	if n > 1 {
		fmt.Fprintf(r.env.Stderr, "Testing %d connections...\n", n)
	}
}

// testAllJSONOf is test --all --json's document.
func testAllJSONOf(results []connect.TestResult, sum connect.TestAllSummary) testAllJSON {
	out := testAllJSON{Results: []testAllItemJSON{}, Summary: testSummaryJSON{
		Total: sum.Total(), Passed: len(sum.Works), Failed: len(sum.Fails) + len(sum.Canceled), Skipped: sum.Skipped()}}
	for _, res := range results {
		err := res.Err
		if res.Skipped {
			err = res.Why
		}
		out.Results = append(out.Results, testAllItemJSON{testJSON: toTestJSON(res.Connection.Name, res.Connection, err), Skipped: res.Skipped})
	}
	return out
}

// printTestRows prints a table row per connection: its name, what came of
// its test, and the user and project count or the reason.
func (r *runner) printTestRows(results []connect.TestResult) {
	tw := tabwriter.NewWriter(r.env.Stdout, 0, 0, 3, ' ', 0)
	for _, res := range results {
		name := res.Connection.Name
		switch {
		case res.Skipped && res.Connection.Status == store.StatusNeedsReauth:
			fmt.Fprintf(tw, "%s\tskipped\tneeds a new sign-in\n", name)
		case res.Skipped:
			fmt.Fprintf(tw, "%s\tskipped\tnot authorized yet\n", name)
		case connect.Canceled(res.Err):
			fmt.Fprintf(tw, "%s\tcanceled\t\n", name)
		case res.Err != nil:
			msg, _ := connect.Explain(res.Err)
			fmt.Fprintf(tw, "%s\tfailed\t%s\n", name, firstSentence(msg))
		default:
			who := connect.IdentityText(res.Connection)
			if projects := connect.ProjectsBrief(res.Connection); projects != "" {
				who += " · " + projects // the reason a count failed is test NAME's to give
			}
			fmt.Fprintf(tw, "%s\tworks\t%s\n", name, who)
		}
	}
	_ = tw.Flush()
	fmt.Fprintln(r.env.Stdout)
}

// printTestAllSummary says how many work, then what to do about the rest.
func (r *runner) printTestAllSummary(sum connect.TestAllSummary) {
	w := r.env.Stdout
	tested := len(sum.Works) + len(sum.Fails)
	switch {
	case tested == 0 && len(sum.SignInAgain) > 0:
		fmt.Fprintln(w, "No connection could be tested.")
	case tested == 0:
		fmt.Fprintln(w, "No connection has been authorized yet, so none was tested.")
	case tested == 1:
		fmt.Fprintf(w, "%d of 1 connection works.\n", len(sum.Works))
	default:
		fmt.Fprintf(w, "%d of %d connections work.\n", len(sum.Works), tested)
	}
	if names := shellArgs(sum.NeverAuthorized); len(names) > 0 {
		fmt.Fprintf(w, "Not tested, never authorized: %s. Sign in with: %s\n", strings.Join(names, ", "), authorizeFor(names))
	}
	switch names := shellArgs(sum.SignInAgain); len(names) {
	case 0:
	case 1:
		fmt.Fprintf(w, "Not tested, needs a new sign-in (its old one is sent nowhere): %s. Sign in with: %s\n", names[0], authorizeFor(names))
	default:
		fmt.Fprintf(w, "Not tested, need a new sign-in (their old ones are sent nowhere): %s. Sign in with: %s\n", strings.Join(names, ", "), authorizeFor(names))
	}
	switch names := shellArgs(sum.NoProjects()); len(names) {
	case 0:
	case 1:
		fmt.Fprintf(w, "Works but sees no projects in Kantata: %s. An integration using it will find nothing. "+
			"To sign in as another user: %s\n", names[0], authorizeFor(names))
	default:
		fmt.Fprintf(w, "Work but see no projects in Kantata: %s. An integration using them will find nothing. "+
			"To sign in as another user: %s\n", strings.Join(names, ", "), authorizeFor(names))
	}
	if names := shellArgs(sum.Uncounted()); len(names) > 0 {
		fmt.Fprintf(w, "Why the projects could not be counted: %s\n", testFor(names))
	}
	var failed []string
	for _, f := range sum.Fails {
		failed = append(failed, shellArg(f.Connection.Name))
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "For the details: %s\n", testFor(failed))
	}
}

// shellArgs are the connections' names, quoted for a command line.
func shellArgs(conns []store.Connection) []string {
	var names []string
	for _, c := range conns {
		names = append(names, shellArg(c.Name))
	}
	return names
}

// authorizeFor is the command that signs in the one connection named, or
// any of several.
func authorizeFor(names []string) string {
	if len(names) == 1 {
		return Prog + " authorize " + names[0]
	}
	return Prog + " authorize NAME"
}

// testFor is the command that tests the one connection named, or any of
// several.
func testFor(names []string) string {
	if len(names) == 1 {
		return Prog + " test " + names[0]
	}
	return Prog + " test NAME"
}

// worseExit keeps the exit code that matters most when several tests fail:
// a cancel, then a local problem (fix that first), then a failed check.
func worseExit(a, b int) int {
	rank := func(c int) int {
		switch c {
		case ExitInterrupted:
			return 3
		case ExitUsage:
			return 2
		case ExitCheckFailed:
			return 1
		}
		return 0
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// firstSentence keeps a table row short; test NAME has the whole text.
func firstSentence(msg string) string {
	first, _, _ := strings.Cut(msg, ". ")
	return strings.TrimSuffix(first, ".") + "."
}
