package cli

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/store"
)

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
	first, size := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(first)) + s[size:]
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
