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
	ctx, stop := r.interruptible()
	defer stop()
	results := r.service(st).TestAll(ctx, connect.DefaultTestWorkers, nil)

	var sum testSummaryJSON
	code := ExitOK
	for _, res := range results {
		sum.Total++
		switch {
		case res.Skipped:
			sum.Skipped++
		case res.Err == nil:
			sum.Passed++
		default:
			sum.Failed++
			code = worseExit(code, exitCode(res.Err))
		}
	}

	if asJSON {
		out := testAllJSON{Results: []testAllItemJSON{}, Summary: sum}
		for _, res := range results {
			name := res.Connection.Name
			err := res.Err
			if res.Skipped {
				err = res.Why
			}
			out.Results = append(out.Results, testAllItemJSON{testJSON: toTestJSON(name, res.Connection, err), Skipped: res.Skipped})
		}
		writeJSON(r.env.Stdout, out)
		return code
	}

	w := r.env.Stdout
	if len(results) == 0 {
		fmt.Fprintf(w, "No connections yet. Add one with: %s connection add NAME --client CLIENT_NAME\n", Prog)
		return ExitOK
	}
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	var failed, skipped, signInAgain, noProjects, uncounted []string
	for _, res := range results {
		name := res.Connection.Name
		switch {
		case res.Skipped && res.Connection.Status == store.StatusNeedsReauth:
			signInAgain = append(signInAgain, shellArg(name))
			fmt.Fprintf(tw, "%s\tskipped\tneeds a new sign-in\n", name)
		case res.Skipped:
			skipped = append(skipped, shellArg(name))
			fmt.Fprintf(tw, "%s\tskipped\tnot authorized yet\n", name)
		case connect.Canceled(res.Err):
			fmt.Fprintf(tw, "%s\tcanceled\t\n", name)
		case res.Err != nil:
			failed = append(failed, name)
			msg, _ := connect.Explain(res.Err)
			fmt.Fprintf(tw, "%s\tfailed\t%s\n", name, firstSentence(msg))
		default:
			who := connect.IdentityText(res.Connection)
			if projects := connect.ProjectsBrief(res.Connection); projects != "" {
				who += " · " + projects // the reason a count failed is test NAME's to give
			}
			if res.Connection.Projects != nil && res.Connection.Projects.Visible == nil {
				uncounted = append(uncounted, name)
			}
			if connect.SeesNoProjects(res.Connection) {
				noProjects = append(noProjects, shellArg(name))
			}
			fmt.Fprintf(tw, "%s\tworks\t%s\n", name, who)
		}
	}
	_ = tw.Flush()
	fmt.Fprintln(w)

	if code == ExitInterrupted {
		fmt.Fprintln(r.env.Stderr, "Test canceled; the connections not tested were left as they were.")
		return code
	}
	tested := sum.Passed + sum.Failed
	switch {
	case tested == 0 && len(signInAgain) > 0:
		fmt.Fprintln(w, "No connection could be tested.")
	case tested == 0:
		fmt.Fprintln(w, "No connection has been authorized yet, so none was tested.")
	case tested == 1:
		fmt.Fprintf(w, "%d of 1 connection works.\n", sum.Passed)
	default:
		fmt.Fprintf(w, "%d of %d connections work.\n", sum.Passed, tested)
	}
	switch len(skipped) {
	case 0:
	case 1:
		fmt.Fprintf(w, "Not tested, never authorized: %s. Sign in with: %s authorize %s\n", skipped[0], Prog, skipped[0])
	default:
		fmt.Fprintf(w, "Not tested, never authorized: %s. Sign in with: %s authorize NAME\n", strings.Join(skipped, ", "), Prog)
	}
	switch len(signInAgain) {
	case 0:
	case 1:
		fmt.Fprintf(w, "Not tested, needs a new sign-in (its old one is sent nowhere): %s. Sign in with: %s authorize %s\n", signInAgain[0], Prog, signInAgain[0])
	default:
		fmt.Fprintf(w, "Not tested, need a new sign-in (their old ones are sent nowhere): %s. Sign in with: %s authorize NAME\n", strings.Join(signInAgain, ", "), Prog)
	}
	switch len(noProjects) {
	case 0:
	case 1:
		fmt.Fprintf(w, "Works but sees no projects in Kantata: %s. An integration using it will find nothing. "+
			"To sign in as another user: %s authorize %s\n", noProjects[0], Prog, noProjects[0])
	default:
		fmt.Fprintf(w, "Work but see no projects in Kantata: %s. An integration using them will find nothing. "+
			"To sign in as another user: %s\n", strings.Join(noProjects, ", "), authorizeCommand(""))
	}
	switch len(uncounted) {
	case 0:
	case 1:
		fmt.Fprintf(w, "Why the projects could not be counted: %s test %s\n", Prog, shellArg(uncounted[0]))
	default:
		fmt.Fprintf(w, "Why the projects could not be counted: %s test NAME\n", Prog)
	}
	if len(failed) == 1 {
		fmt.Fprintf(w, "For the details: %s test %s\n", Prog, shellArg(failed[0]))
	} else if len(failed) > 1 {
		fmt.Fprintf(w, "For the details: %s test NAME\n", Prog)
	}
	return code
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
