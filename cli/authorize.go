package cli

import (
	"errors"
	"flag"
	"fmt"
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

// authorizeOptions are authorize's flags.
type authorizeOptions struct {
	name      string
	noBrowser bool
	timeout   time.Duration
	hintAfter time.Duration
	withToken bool
}

func (r *runner) cmdAuthorize(args []string) int {
	o, code := r.authorizeFlags(args)
	if code != ExitOK {
		return code
	}
	st, conn, code := r.openConnection(o.name)
	if code != ExitOK {
		return code
	}
	if st.ReadOnly() {
		// The sign-in's outcome could not be kept with the connection.
		return r.report(fmt.Errorf("authorize %q: %w", conn.Name, store.ErrReadOnly), conn.Name)
	}
	if o.withToken {
		return r.authorizeWithToken(st, conn)
	}
	return r.signIn(st, conn, o)
}

// authorizeFlags reads authorize's flags and its one NAME.
func (r *runner) authorizeFlags(args []string) (authorizeOptions, int) {
	var o authorizeOptions
	fs := r.newFlags("authorize")
	fs.BoolVar(&o.noBrowser, "no-browser", false, "only print the sign-in address; open no browser")
	fs.DurationVar(&o.timeout, "timeout", 0, fmt.Sprintf("how long to wait for the browser (default %s; %s when Kantata shows a code)",
		oauth.HumanDuration(oauth.DefaultTimeout), oauth.HumanDuration(oauth.DefaultCodeTimeout)))
	fs.DurationVar(&o.hintAfter, "hint-after", connect.DefaultHintAfter, "when to print the callback URL to register while waiting")
	fs.BoolVar(&o.withToken, "with-token", false, "authorize with the token Kantata's application page shows (Show your OAuth Token), read from standard input or a hidden prompt, instead of signing in")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return o, r.usage("authorize", "%v", err)
	}
	if o.name, err = oneName(pos); err != nil {
		return o, r.usage("authorize", "authorize: %v", err)
	}
	timeoutSet := false
	fs.Visit(func(f *flag.Flag) { timeoutSet = timeoutSet || f.Name == "timeout" })
	if o.timeout < 0 || timeoutSet && o.timeout == 0 {
		return o, r.usage("authorize", "--timeout must be a positive duration such as 90s or 5m")
	}
	if o.hintAfter <= 0 {
		return o, r.usage("authorize", "--hint-after must be a positive duration such as 20s or 1m")
	}
	return o, ExitOK
}

// signIn runs a sign-in in the browser: it shows the address, opens the
// browser, says what to do there, and waits for Kantata's answer (or a
// pasted one).
func (r *runner) signIn(st *store.Store, conn store.Connection, o authorizeOptions) int {
	svc := r.service(st)
	shown := false
	showURL := func(u string) {
		if !shown {
			shown = true
			fmt.Fprintf(r.env.Stdout, "Open this address in your browser to sign in to Kantata:\n  %s\n\n", u)
		}
	}
	open := r.env.Opener
	if !o.noBrowser && open != nil {
		// The address goes on screen before the browser starts, so it is
		// there to copy however long the browser takes.
		svc.Opener = func(u string) error {
			showURL(u)
			return open(u)
		}
	}
	ctx, stop := r.interruptible()
	defer stop()
	a, err := svc.StartAuthorize(ctx, conn.ID, connect.AuthorizeOptions{NoBrowser: o.noBrowser || open == nil, Timeout: o.timeout, HintAfter: o.hintAfter})
	if err != nil {
		code := r.report(err, conn.Name)
		r.hint(st, conn, err)
		return code
	}
	showURL(a.URL())
	r.tellBrowser(a, o.noBrowser, open == nil)
	r.tellAppLink(a)
	terminal := r.stdinIsTerminal()
	r.tellWaiting(a, terminal)
	done, err := r.waitOrPaste(ctx, a, terminal)
	switch {
	case err == nil:
	case connect.Canceled(err):
		fmt.Fprintln(r.env.Stderr, "Sign-in canceled; the connection was not changed.")
		return ExitInterrupted
	default:
		code := r.report(err, conn.Name)
		r.hint(st, conn, err)
		return code
	}
	return r.signedIn(done)
}

// tellBrowser says whether the browser opened: noBrowser, none was to be
// opened (--no-browser); cannot, none can be from here.
func (r *runner) tellBrowser(a *connect.Authorization, noBrowser, cannot bool) {
	switch {
	case noBrowser:
	case cannot:
		fmt.Fprintln(r.env.Stderr, "No browser can be opened from here; the address above works in any browser.")
	case a.OpenError() != nil:
		fmt.Fprintf(r.env.Stderr, "Could not open your browser (%v).\nThe address above works in any browser: copy it there.\n", a.OpenError())
	default:
		fmt.Fprintln(r.env.Stdout, "Your browser is open.")
	}
}

// tellWaiting says what to do in the browser, what the sign-in waits for
// and until when, and (at a terminal) what may be pasted meanwhile.
func (r *runner) tellWaiting(a *connect.Authorization, terminal bool) {
	out := r.env.Stdout
	if a.WaitsForAppLink() {
		fmt.Fprintln(out, connect.AppLinkSteps)
	} else {
		fmt.Fprintln(out, connect.SignInSteps(a.ShowsCode()))
	}
	left := oauth.HumanDuration(time.Until(a.Deadline()).Round(time.Second))
	until := a.Deadline().Local().Format("15:04:05")
	switch {
	case a.ShowsCode():
		fmt.Fprintf(out, "Waiting for the code (up to %s, until %s; Kantata's codes last about 10 minutes; press Ctrl-C to cancel).\n",
			left, until)
		if terminal {
			fmt.Fprint(r.env.Stderr, codePrompt)
		}
	case a.WaitsForAppLink():
		fmt.Fprintf(out, "Waiting for Kantata's answer through the app's own link, %s (up to %s, until %s; press Ctrl-C to cancel)...\n",
			a.RedirectURI(), left, until)
	default:
		fmt.Fprintf(out, "Waiting for Kantata to send your browser back to %s (up to %s, until %s; press Ctrl-C to cancel)...\n",
			a.RedirectURI(), left, until)
		if terminal {
			fmt.Fprintln(r.env.Stderr, pastePrompt)
		}
	}
}

// signedIn says who the connection now works as and what it sees.
func (r *runner) signedIn(conn store.Connection) int {
	if who := connect.IdentityText(conn); who != "" {
		fmt.Fprintf(r.env.Stdout, "Authorized as %s\n", who)
		r.printProjects(conn)
		return ExitOK
	}
	// Signed in, but Kantata could not say who as: the sign-in stands.
	fmt.Fprintln(r.env.Stdout, "Authorized.")
	if conn.LastError != "" {
		fmt.Fprintln(r.env.Stderr, conn.LastError)
		fmt.Fprintf(r.env.Stderr, "Check it later with: %s test %s\n", Prog, shellArg(conn.Name))
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
