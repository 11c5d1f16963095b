package connect

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/handover"
	"github.com/kantata-connect/kantata-connect/safetext"
	"github.com/kantata-connect/kantata-connect/store"
)

// userFacing is what the typed errors of oauth, kantata, store and this
// package offer: words for the user, and the detail for support staff.
type userFacing interface {
	UserMessage() string
	TechnicalDetail() string
}

// Explain splits err into the plain-language message to show and the
// technical detail to put one click away. Neither holds a secret: the typed
// errors never carry one, and wrapping only adds names. Both are safe to
// show, line by line (safetext.Lines): text from servers is made safe where
// it is parsed, and this catches what an error quotes from elsewhere (a Go
// network error naming a certificate, say) before it is shown or kept.
func Explain(err error) (message, detail string) {
	if err == nil {
		return "", ""
	}
	var u userFacing
	if errors.As(err, &u) {
		// The outer text adds which connection or client; the inner detail
		// adds only what the wrapping does not already say (its kind and
		// status, say), not the same HTTP 401 a second time.
		detail = err.Error()
		if extra := notYetSaid(u.TechnicalDetail(), detail); extra != "" {
			detail += "\n" + extra
		}
		return safetext.Lines(u.UserMessage()), safetext.Lines(detail)
	}
	return safetext.Lines("Something went wrong: " + err.Error()), safetext.Lines(err.Error())
}

// notYetSaid is inner without its longest ending that said already holds
// (when that ending is long enough to be more than a coincidence), and
// without the separator left before it: "" when said holds all of inner.
func notYetSaid(inner, said string) string {
	const minShared = 12
	if strings.Contains(said, inner) {
		return ""
	}
	for i := 1; i+minShared <= len(inner); i++ {
		if utf8.RuneStart(inner[i]) && strings.Contains(said, inner[i:]) {
			return strings.TrimRight(inner[:i], ":; ")
		}
	}
	return inner
}

// SignInSteps says what to do in the browser while a sign-in waits. Kantata
// skips its Authorize page for a user who authorized the app before, so the
// click is asked for only if it comes.
func SignInSteps(showsCode bool) string {
	if showsCode {
		return "Sign in to Kantata in your browser; if Kantata asks, click Authorize. Kantata then shows " +
			"“Authorization code:” and a code: copy the code and paste it here."
	}
	return "Sign in to Kantata in your browser; if Kantata asks whether to authorize Kantata Connect, click " +
		"Authorize. Then come back here."
}

// AppLinkSteps says what to do in the browser while a sign-in waits for the
// app's own link: the browser asks before it hands an address to a program.
const AppLinkSteps = "Sign in to Kantata in your browser; if Kantata asks whether to authorize Kantata Connect, click " +
	"Authorize. Your browser may then ask “Open Kantata Connect?” (or “Open xdg-open?”): allow it, and the " +
	"sign-in finishes here."

// LinkRegisteredNote tells the user the app's own link was registered with
// this computer just now (connect.LinkRegistration).
const LinkRegisteredNote = "Kantata Connect registered its own link (" + handover.RedirectURI + ") on this computer, " +
	"so your browser can bring Kantata's answer back to it."

// LinkNotRegistered says the link could not be registered, and what works
// instead.
func LinkNotRegistered(err error) string {
	return "Kantata Connect could not register its own link (" + handover.RedirectURI + ") on this computer (" +
		err.Error() + "), so your browser may not bring Kantata's answer back. If the sign-in does not finish, " +
		"choose another callback kind for this client."
}

// PersonalTokenNote marks a connection authorized with a personal token.
const PersonalTokenNote = "personal token"

// StatusText is a connection's status as a person reads it; a connection
// authorized with a personal token says so.
func StatusText(c store.Connection) string {
	switch c.Status {
	case store.StatusAuthorized:
		text := "Authorized"
		if c.Identity != nil && c.Identity.FullName != "" {
			text += " as " + c.Identity.FullName
		}
		if c.AuthorizedWith == store.AuthorizedWithPersonalToken {
			text += " (" + PersonalTokenNote + ")"
		}
		return text
	case store.StatusNeedsReauth:
		return "Needs re-authorization"
	case store.StatusFailed:
		if c.LastError != "" {
			return "Failed: " + c.LastError
		}
		return "Failed"
	default:
		return "Not authorized yet"
	}
}

// IdentityText names the Kantata user a connection works as, or "".
func IdentityText(c store.Connection) string {
	if c.Identity == nil {
		return ""
	}
	switch {
	case c.Identity.FullName != "" && c.Identity.Email != "":
		return fmt.Sprintf("%s <%s>", c.Identity.FullName, c.Identity.Email)
	case c.Identity.FullName != "":
		return c.Identity.FullName
	}
	return c.Identity.Email
}

// NoProjectsWarning is what to say when a connection works but its user sees
// no projects in Kantata.
const NoProjectsWarning = "This user sees no projects in Kantata: an integration using this connection will " +
	"find nothing. Authorize as a user with access to the projects you need."

// ProjectCount is what the last count of an authorized connection's
// projects found, as data for each front's words.
type ProjectCount struct {
	// Counted: the connection is authorized and its projects were counted
	// (or a count was tried). Otherwise nothing is known: an older count
	// says nothing of what it reaches now.
	Counted bool
	// Known: the count succeeded, and Visible is how many projects its
	// user sees. Otherwise Why may say why it failed.
	Known   bool
	Visible int
	Why     string
}

// Projects is what the last count of c's projects found.
func Projects(c store.Connection) ProjectCount {
	if c.Status != store.StatusAuthorized || c.Projects == nil {
		return ProjectCount{}
	}
	n, ok := ProjectsVisible(c)
	return ProjectCount{Counted: true, Known: ok, Visible: n, Why: c.Projects.Error}
}

// ProjectsNoun counts projects in words: "no projects", "1 project",
// "42 projects".
func ProjectsNoun(n int) string {
	if n == 0 {
		return "no projects"
	}
	return safetext.Count(n, "project")
}

// ProjectsText says how many projects an authorized connection's user sees,
// to follow its user: "sees 42 projects", "sees 1 project", "sees no
// projects", or "couldn't count projects: " and why (which ends with its
// own full stop). It is "" when nothing is known (ProjectCount.Counted).
func ProjectsText(c store.Connection) string {
	brief := ProjectsBrief(c)
	if p := Projects(c); p.Counted && !p.Known && p.Why != "" {
		return brief + ": " + p.Why
	}
	return brief
}

// ProjectsBrief is ProjectsText without the reason a count failed, for a
// row of a list: "sees 42 projects", "couldn't count projects".
func ProjectsBrief(c store.Connection) string {
	switch p := Projects(c); {
	case !p.Counted:
		return ""
	case !p.Known:
		return "couldn't count projects"
	default:
		return "sees " + ProjectsNoun(p.Visible)
	}
}

// ProjectsVisible is how many projects the connection's user saw when last
// counted; ok is false when they were never counted or the count failed.
func ProjectsVisible(c store.Connection) (n int, ok bool) {
	if c.Projects == nil || c.Projects.Visible == nil {
		return 0, false
	}
	return *c.Projects.Visible, true
}

// SeesNoProjects reports whether an authorized connection's user was
// counted and sees no projects: the case for NoProjectsWarning.
func SeesNoProjects(c store.Connection) bool {
	n, ok := ProjectsVisible(c)
	return ok && n == 0 && c.Status == store.StatusAuthorized
}
