package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"
)

func (r *runner) service(st *store.Store) *connect.Service {
	svc := connect.New(st, nil)
	svc.HTTPClient = r.env.HTTPClient
	svc.RegisterLink = r.env.RegisterLink
	return svc
}

func (r *runner) cmdAuthorize(args []string) int {
	fs := r.newFlags("authorize")
	noBrowser := fs.Bool("no-browser", false, "only print the sign-in address; open no browser")
	timeout := fs.Duration("timeout", 0, fmt.Sprintf("how long to wait for the browser (default %s; %s when Kantata shows a code)",
		oauth.HumanDuration(oauth.DefaultTimeout), oauth.HumanDuration(oauth.DefaultCodeTimeout)))
	hintAfter := fs.Duration("hint-after", connect.DefaultHintAfter, "when to print the callback URL to register while waiting")
	withToken := fs.Bool("with-token", false, "authorize with the token Kantata's application page shows (Show your OAuth Token), read from standard input or a hidden prompt, instead of signing in")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return r.usage("authorize", "%v", err)
	}
	name, err := oneName(pos)
	if err != nil {
		return r.usage("authorize", "authorize: %v", err)
	}
	timeoutSet := false
	fs.Visit(func(f *flag.Flag) { timeoutSet = timeoutSet || f.Name == "timeout" })
	if *timeout < 0 || timeoutSet && *timeout == 0 {
		return r.usage("authorize", "--timeout must be a positive duration such as 90s or 5m")
	}
	if *hintAfter <= 0 {
		return r.usage("authorize", "--hint-after must be a positive duration such as 20s or 1m")
	}
	st, conn, code := r.openConnection(name)
	if code != ExitOK {
		return code
	}
	if st.ReadOnly() {
		// The sign-in's outcome could not be kept with the connection.
		return r.report(fmt.Errorf("authorize %q: %w", conn.Name, store.ErrReadOnly), conn.Name)
	}
	if *withToken {
		return r.authorizeWithToken(st, conn)
	}

	out, errOut := r.env.Stdout, r.env.Stderr
	svc := r.service(st)
	shown := false
	showURL := func(u string) {
		if !shown {
			shown = true
			fmt.Fprintf(out, "Open this address in your browser to sign in to Kantata:\n  %s\n\n", u)
		}
	}
	open := r.env.Opener
	if !*noBrowser && open != nil {
		// The address goes on screen before the browser starts, so it is
		// there to copy however long the browser takes.
		svc.Opener = func(u string) error {
			showURL(u)
			return open(u)
		}
	}

	ctx, stop := r.interruptible()
	defer stop()
	a, err := svc.StartAuthorize(ctx, conn.ID, connect.AuthorizeOptions{NoBrowser: *noBrowser || open == nil, Timeout: *timeout, HintAfter: *hintAfter})
	if err != nil {
		code := r.report(err, conn.Name)
		r.hint(st, conn, err)
		return code
	}
	showURL(a.URL())
	switch {
	case *noBrowser:
	case open == nil:
		fmt.Fprintln(errOut, "No browser can be opened from here; the address above works in any browser.")
	case a.OpenError() != nil:
		fmt.Fprintf(errOut, "Could not open your browser (%v).\nThe address above works in any browser: copy it there.\n", a.OpenError())
	default:
		fmt.Fprintln(out, "Your browser is open.")
	}
	r.tellAppLink(a)
	if a.WaitsForAppLink() {
		fmt.Fprintln(out, connect.AppLinkSteps)
	} else {
		fmt.Fprintln(out, connect.SignInSteps(a.ShowsCode()))
	}
	left := oauth.HumanDuration(time.Until(a.Deadline()).Round(time.Second))
	terminal := r.stdinIsTerminal()
	if a.ShowsCode() {
		fmt.Fprintf(out, "Waiting for the code (up to %s, until %s; Kantata's codes last about 10 minutes; press Ctrl-C to cancel).\n",
			left, a.Deadline().Local().Format("15:04:05"))
		if terminal {
			fmt.Fprint(errOut, codePrompt)
		}
	} else if a.WaitsForAppLink() {
		fmt.Fprintf(out, "Waiting for Kantata's answer through the app's own link, %s (up to %s, until %s; press Ctrl-C to cancel)...\n",
			a.RedirectURI(), left, a.Deadline().Local().Format("15:04:05"))
	} else {
		fmt.Fprintf(out, "Waiting for Kantata to send your browser back to %s (up to %s, until %s; press Ctrl-C to cancel)...\n",
			a.RedirectURI(), left, a.Deadline().Local().Format("15:04:05"))
		if terminal {
			fmt.Fprintln(errOut, pastePrompt)
		}
	}

	done, err := r.waitOrPaste(ctx, a, terminal)
	switch {
	case err == nil:
	case connect.Canceled(err):
		fmt.Fprintln(errOut, "Sign-in canceled; the connection was not changed.")
		return ExitInterrupted
	default:
		code := r.report(err, conn.Name)
		r.hint(st, conn, err)
		return code
	}
	conn = done
	if who := connect.IdentityText(conn); who != "" {
		fmt.Fprintf(out, "Authorized as %s\n", who)
		r.printProjects(conn)
		return ExitOK
	}
	// Signed in, but Kantata could not say who as: the sign-in stands.
	fmt.Fprintln(out, "Authorized.")
	if conn.LastError != "" {
		fmt.Fprintln(errOut, conn.LastError)
		fmt.Fprintf(errOut, "Check it later with: %s test %s\n", Prog, shellArg(conn.Name))
	}
	return ExitOK
}

// authorizeWithToken is authorize --with-token: the token Kantata's
// application page shows, read like a secret (never from the arguments),
// checked with Kantata, then kept.
func (r *runner) authorizeWithToken(st *store.Store, conn store.Connection) int {
	ctx, stop := r.interruptible()
	defer stop()
	if r.stdinIsTerminal() {
		fmt.Fprintln(r.env.Stderr, "Paste the token Kantata's application page shows (Show your OAuth Token) for this client's application.")
	}
	token, err := r.readHiddenLine(ctx, tokenInput)
	if err != nil {
		if connect.Canceled(err) {
			fmt.Fprintln(r.env.Stderr, "Canceled; the connection was not changed.")
			return ExitInterrupted
		}
		if errors.Is(err, errNoToken) {
			return r.usage("authorize", "%v", err)
		}
		return r.report(err, conn.Name)
	}
	done, err := r.service(st).AuthorizeWithToken(ctx, conn.ID, token)
	if err != nil {
		if connect.Canceled(err) {
			fmt.Fprintln(r.env.Stderr, "Canceled; the connection was not changed.")
			return ExitInterrupted
		}
		return r.report(err, conn.Name)
	}
	fmt.Fprintf(r.env.Stdout, "Authorized as %s with a %s.\n", connect.IdentityText(done), connect.PersonalTokenNote)
	r.printProjects(done)
	return ExitOK
}

// hint adds the command that fixes a setting the shared message can only name.
func (r *runner) hint(st *store.Store, conn store.Connection, err error) {
	client, ok := st.Client(conn.ClientRef)
	if !ok {
		return
	}
	switch {
	case connect.PortInUse(err):
		fmt.Fprintf(r.env.Stderr, "To use another port: %s client edit %s --redirect-port N (then register the new callback URL in Kantata)\n",
			Prog, shellArg(client.Name))
	case connect.ClientRefused(err):
		fmt.Fprintf(r.env.Stderr, "To enter the client ID or secret again: %s client edit %s --client-id ID\n", Prog, shellArg(client.Name))
	case errors.Is(err, store.ErrNotFound): // the secret, read before any sign-in
		fmt.Fprintf(r.env.Stderr, "To enter the client secret again: %s client edit %s\n", Prog, shellArg(client.Name))
	}
}

func (r *runner) cmdTest(args []string) int {
	fs := r.newFlags("test")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	all := fs.Bool("all", false, "test every authorized connection")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return r.usage("test", "%v", err)
	}
	if *all {
		if len(pos) > 0 {
			return r.usage("test", "test --all takes no NAME")
		}
		return r.testAll(*asJSON)
	}
	name, err := oneName(pos)
	if err != nil {
		return r.usage("test", "test: %v", err)
	}
	st, found, code := r.openConnection(name)
	if code != ExitOK {
		return code
	}

	ctx, stop := r.interruptible()
	defer stop()
	conn, err := r.service(st).Test(ctx, found.ID)
	if conn.ID == "" {
		conn = found // the outcome could not be recorded; report what was there
	}

	if *asJSON {
		writeJSON(r.env.Stdout, toTestJSON(found.Name, conn, err))
		return exitCode(err)
	}

	if err != nil {
		if connect.Canceled(err) {
			fmt.Fprintln(r.env.Stderr, "Test canceled.")
			return ExitInterrupted
		}
		return r.report(err, found.Name)
	}
	who := connect.IdentityText(conn)
	if conn.Identity != nil && conn.Identity.UserID != "" {
		who += " (Kantata user ID " + conn.Identity.UserID + ")"
	}
	fmt.Fprintf(r.env.Stdout, "“%s” works: authorized as %s\n", conn.Name, who)
	r.printProjects(conn)
	return ExitOK
}

// printProjects says on a line of its own how many projects the connection's
// user sees, and on stderr what to do when that is none, or why they could
// not be counted.
func (r *runner) printProjects(conn store.Connection) {
	text := connect.ProjectsText(conn)
	if text == "" {
		return
	}
	fmt.Fprintln(r.env.Stdout, sentence(text))
	switch {
	case connect.SeesNoProjects(conn):
		fmt.Fprintln(r.env.Stderr, connect.NoProjectsWarning)
		fmt.Fprintln(r.env.Stderr, "To sign in as another user: "+authorizeCommand(conn.Name))
	case conn.Projects.ErrorDetail != "":
		fmt.Fprintln(r.env.Stderr, "Details: "+strings.ReplaceAll(conn.Projects.ErrorDetail, "\n", "\n         "))
	}
}

// sentence makes s a sentence: a capital letter first, a full stop last.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// toTestJSON is one test's outcome for test --json (and test --all --json).
func toTestJSON(name string, conn store.Connection, err error) testJSON {
	res := testJSON{
		Connection: name,
		OK:         err == nil,
		Status:     string(conn.Status),
		StatusText: connect.StatusText(conn),
	}
	if err == nil {
		res.User = toUserJSON(conn.Identity)
		if n, ok := connect.ProjectsVisible(conn); ok {
			res.ProjectsVisible = &n
		}
	} else {
		msg, detail := connect.Explain(err)
		res.Error = &errorJSON{Message: msg, Detail: detail, Kind: errorKind(err)}
	}
	if connect.Asked(err) {
		res.TestedAt = utc(conn.LastTestedAt) // Kantata was asked
	}
	return res
}

// errorKind names what failed for test --json; the values are documented.
func errorKind(err error) string {
	if k := connect.AnswerKind(err); k != "" {
		return k
	}
	var kc *store.KeychainError
	switch {
	case errors.Is(err, connect.ErrNotAuthorized):
		return "not_authorized"
	case errors.As(err, &kc):
		return "keychain"
	case errors.Is(err, store.ErrReadOnly):
		return "read_only"
	case connect.Canceled(err):
		return "canceled"
	}
	return "other"
}

// tellAppLink says what registering the app's own link did, and why the
// link can't bring this sign-in's answer, if it can't.
func (r *runner) tellAppLink(a *connect.Authorization) {
	if !a.WaitsForAppLink() {
		return
	}
	switch reg := a.LinkRegistration(); {
	case reg.Err != nil:
		fmt.Fprintf(r.env.Stderr, "Warning: %s\n", connect.LinkNotRegistered(reg.Err))
	case reg.Registered:
		fmt.Fprintln(r.env.Stdout, connect.LinkRegisteredNote)
	}
	if err := a.AppLinkProblem(); err != nil {
		msg, _ := connect.Explain(err)
		fmt.Fprintf(r.env.Stderr, "Warning: %s\n", msg)
	}
}
