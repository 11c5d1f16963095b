// Package cli is Kantata Connect's command line for support staff. It uses the
// same records, keychain and sign-in as the window (through package connect),
// so a connection set up in one works in the other.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"

	"golang.org/x/term"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/diagnose"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/safetext"
	"github.com/kantata-connect/kantata-connect/store"
)

// Prog is the command's name in messages and examples.
const Prog = "kantata-connect"

// Exit codes. Scripts rely on them: keep them stable.
const (
	ExitOK          = 0   // it works, or the change was made
	ExitCheckFailed = 1   // the check or sign-in failed: rejected, unreachable, denied, timed out
	ExitUsage       = 2   // usage or local problem: bad arguments, unknown name, no keychain, read-only records
	ExitInterrupted = 130 // canceled with Ctrl-C (128 + SIGINT, as shells report it)
)

// Env is what a run reads and writes; main passes the real ones, tests
// buffers and test doubles.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Keychain       store.Keychain // main passes store.NewSystemKeychain(appID)
	Opener         oauth.Opener   // main passes oauth.SystemOpener
	HTTPClient     *http.Client   // nil in production
	// StdinIsTerminal reports whether the secret should be prompted for;
	// nil checks Stdin when it is an *os.File.
	StdinIsTerminal func() bool
	// ReadPassword reads one line without echo; nil uses term.ReadPassword
	// on os.Stdin.
	ReadPassword func() (string, error)
	Version      string // e.g. "0.1.0 (build 1)"
	// RegisterLink registers the app's own link before a sign-in of that
	// kind (connect.Service.RegisterLink); main passes linkhandler.Register.
	RegisterLink func() (bool, error)
}

// Global holds the options that come before the command.
type Global struct {
	ConfigDir string
	// SoftwareRendering asks the window to draw without the graphics
	// driver's OpenGL (Mesa's software renderer); commands ignore it.
	SoftwareRendering bool
}

// ParseGlobal splits the global flags from the command. No command left
// (rest empty) means main opens the window. -h/--help and --version before a
// command become the help and version commands.
func ParseGlobal(args []string) (g Global, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case a == "--":
			return g, args[i+1:], nil
		case !strings.HasPrefix(a, "-") || a == "-":
			return g, args[i:], nil
		case strings.HasPrefix(a, "-psn_"):
			// macOS adds a process serial number when Finder starts an app.
			continue
		case name == "h" || name == "help":
			return g, append([]string{"help"}, args[i+1:]...), nil
		case name == "version":
			return g, []string{"version"}, nil
		case name == "software-rendering" && !hasValue:
			g.SoftwareRendering = true
		case name == "config-dir":
			if !hasValue {
				if i+1 >= len(args) {
					return g, nil, fmt.Errorf("--config-dir needs a folder: --config-dir DIR")
				}
				i++
				value = args[i]
			}
			if strings.TrimSpace(value) == "" {
				return g, nil, fmt.Errorf("--config-dir needs a folder: --config-dir DIR")
			}
			g.ConfigDir = value
		default:
			// Name only: never repeat a value, which could be a secret.
			return g, nil, fmt.Errorf("unknown option --%s before the command (run %q for usage)", name, Prog+" help")
		}
	}
	return g, nil, nil
}

// Dir resolves the records folder: g.ConfigDir, else store.DefaultDir()
// ($KANTATA_CONNECT_CONFIG_DIR, else the user's configuration folder).
func (g Global) Dir() (string, error) {
	if g.ConfigDir != "" {
		return g.ConfigDir, nil
	}
	return store.DefaultDir()
}

// Run runs one command (args is the rest from ParseGlobal) and returns the
// exit code. Ctrl-C cancels a waiting sign-in, check or prompt cleanly.
func Run(ctx context.Context, g Global, args []string, env Env) int {
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	// Names, Kantata's users and error text are made safe where they enter;
	// as a second guard (records written before that, or by hand), every
	// line printed passes through safetext too. Only export's file, which
	// is data rather than text for people, goes out as it is.
	fileOut := env.Stdout
	env.Stdout = terminal{env.Stdout, needsPlainPunctuation(env.Stdout)}
	env.Stderr = terminal{env.Stderr, needsPlainPunctuation(env.Stderr)}
	r := &runner{ctx: ctx, g: g, env: env, fileOut: fileOut}
	return r.run(args)
}

// terminal writes each line through safetext.Clean, keeping the line
// breaks: no escape sequence, bidi control or zero-width character reaches
// the terminal, and JSON stays JSON (encoding/json already writes C0
// controls as \u00XX; what is left is only ever dropped or replaced inside
// strings). Its words are this system's terminal's (forShell), and, where
// plain is set, its punctuation ASCII (plainPunctuation).
type terminal struct {
	w     io.Writer
	plain bool
}

func (t terminal) Write(p []byte) (int, error) {
	s := string(p)
	if safetext.Find(s) >= 0 {
		s = safetext.Lines(s)
	}
	s = forShell(s)
	if t.plain {
		s = plainPunctuation.Replace(s)
	}
	if _, err := io.WriteString(t.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}

type runner struct {
	ctx context.Context
	g   Global
	env Env
	// fileOut is standard output as given, for export's file.
	fileOut io.Writer
	// configDir is --config-dir given after the command; it wins over g.
	configDir string
}

func (r *runner) run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(r.env.Stderr, mainHelp)
		return ExitUsage
	}
	cmd, rest := args[0], args[1:]
	if wantsHelp(args) {
		return r.help(helpTopic(args))
	}
	switch cmd {
	case "help":
		return r.help(helpTopic(args))
	case "version":
		fmt.Fprintf(r.env.Stdout, "%s %s\n", Prog, r.version())
		return ExitOK
	case "list":
		return r.cmdList(rest)
	case "client", "clients":
		return r.cmdClient(rest)
	case "connection", "connections":
		return r.cmdConnection(rest)
	case "authorize":
		return r.cmdAuthorize(rest)
	case "test":
		return r.cmdTest(rest)
	case "delete":
		return r.cmdDelete(rest)
	case "diagnose":
		return r.cmdDiagnose(rest)
	case "export":
		return r.cmdExport(rest)
	case "import":
		return r.cmdImport(rest)
	}
	return r.usage("", "unknown command %q", cmd)
}

func (r *runner) version() string { return diagnose.Version(r.env.Version) }

// wantsHelp: -h or --help anywhere before a "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "--help", "-help":
			return true
		}
	}
	return false
}

// helpTopic is the command the help flag was given to (its first word).
func helpTopic(args []string) string {
	for i, a := range args {
		if strings.HasPrefix(a, "-") {
			return ""
		}
		if a != "help" || i > 0 {
			return a
		}
	}
	return ""
}

// usage reports a usage error and points at the topic's help.
func (r *runner) usage(topic, format string, a ...any) int {
	fmt.Fprintf(r.env.Stderr, "%s: %s\n", Prog, fmt.Sprintf(format, a...))
	see := Prog + " help"
	if topic != "" {
		see += " " + topic
	}
	fmt.Fprintf(r.env.Stderr, "Run '%s' for usage.\n", see)
	return ExitUsage
}

// openStore opens the records and shows their notice (a damaged file moved
// aside, or read-only) once.
func (r *runner) openStore() (*store.Store, bool) {
	dir := r.configDir
	if dir == "" {
		d, err := r.g.Dir()
		if err != nil {
			r.report(err, "")
			return nil, false
		}
		dir = d
	}
	st, err := store.Open(dir, r.env.Keychain)
	if err != nil {
		r.report(err, "")
		return nil, false
	}
	if n := st.Notice(); n != "" {
		fmt.Fprintf(r.env.Stderr, "Note: %s\n\n", n)
	}
	return st, true
}

// interruptible is r.ctx, also canceled by Ctrl-C. After the first Ctrl-C
// the default behaviour returns, so a second one ends the program at once.
func (r *runner) interruptible() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(r.ctx, os.Interrupt)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}

// report prints err in plain words, then the command to run when signing in
// is the next step, then the technical detail, and returns the exit code for
// it. connName, when known, goes into the command.
func (r *runner) report(err error, connName string) int {
	msg, detail := connect.Explain(err)
	fmt.Fprintln(r.env.Stderr, msg)
	var needsSecret *connect.SecretNeededError
	switch {
	case errors.As(err, &needsSecret):
		fmt.Fprintf(r.env.Stderr, "Run: %s client edit %s (it asks for the secret)\n", Prog, shellArg(needsSecret.Client))
	case connect.NextStepOf(err).SignIn():
		fmt.Fprintln(r.env.Stderr, "Run: "+authorizeCommand(connName))
	}
	if detail != "" && !strings.Contains(msg, detail) {
		fmt.Fprintln(r.env.Stderr, "Details: "+strings.ReplaceAll(detail, "\n", "\n         "))
	}
	return exitCode(err)
}

// exitCode maps an error to ExitCheckFailed when the check or sign-in itself
// failed, ExitInterrupted when it was canceled, else ExitUsage (a local
// problem: records, keychain, input, the callback port).
func exitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case connect.Canceled(err):
		return ExitInterrupted
	case connect.Local(err):
		return ExitUsage
	}
	return ExitCheckFailed
}

// authorizeCommand is the command that signs connName in; NAME when the
// connection is not known.
func authorizeCommand(connName string) string {
	if connName == "" {
		return Prog + " authorize NAME"
	}
	return Prog + " authorize " + shellArg(connName)
}

// shellArg quotes a name for a command line users can copy.
func shellArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ':' || r == '@' ||
			r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return `"` + strings.NewReplacer(`"`, `\"`, `$`, `\$`, "`", "\\`").Replace(s) + `"`
}

// stdinIsTerminal decides whether to prompt for the secret.
func (r *runner) stdinIsTerminal() bool {
	if r.env.StdinIsTerminal != nil {
		return r.env.StdinIsTerminal()
	}
	f, ok := r.env.Stdin.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
