package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/store"
)

// The JSON shapes below are a documented interface (see help list and help
// test): add fields if needed, never rename or remove one.

type listJSON struct {
	Clients     []clientJSON     `json:"clients"`
	Connections []connectionJSON `json:"connections"`
}

// clientJSON is a client's settings, as records and setup files have them,
// and the callback URL they make.
type clientJSON struct {
	store.ClientSettings
	CallbackURL string `json:"callback_url"`
}

type userJSON struct {
	ID       string `json:"id"`
	FullName string `json:"full_name"`
	Email    string `json:"email"`
}

type connectionJSON struct {
	Name             string     `json:"name"`
	Client           string     `json:"client"`
	Status           string     `json:"status"`
	StatusText       string     `json:"status_text"`
	User             *userJSON  `json:"user"`
	LastAuthorizedAt *time.Time `json:"last_authorized_at"`
	LastTestedAt     *time.Time `json:"last_tested_at"`
	LastError        *string    `json:"last_error"`
	LastErrorDetail  *string    `json:"last_error_detail"`
	// AuthorizedWith is "personal_token" for a connection authorized
	// with the token Kantata's application page shows; null otherwise.
	AuthorizedWith *string `json:"authorized_with"`
}

type testJSON struct {
	Connection string    `json:"connection"`
	OK         bool      `json:"ok"`
	Status     string    `json:"status"`
	StatusText string    `json:"status_text"`
	User       *userJSON `json:"user"`
	// ProjectsVisible is how many projects the user sees, as this test
	// counted them; null when it could not count them or the test failed.
	ProjectsVisible *int       `json:"projects_visible"`
	Error           *errorJSON `json:"error"`
	TestedAt        *time.Time `json:"tested_at"`
}

type errorJSON struct {
	Message string `json:"message"`
	Detail  string `json:"detail"`
	Kind    string `json:"kind"`
}

func toClientJSON(c store.Client) clientJSON {
	return clientJSON{ClientSettings: c.ClientSettings, CallbackURL: c.RedirectURI()}
}

func toUserJSON(id *store.Identity) *userJSON {
	if id == nil {
		return nil
	}
	return &userJSON{ID: id.UserID, FullName: id.FullName, Email: id.Email}
}

func toConnectionJSON(c store.Connection, clientName string) connectionJSON {
	return connectionJSON{
		Name: c.Name, Client: clientName,
		Status: string(c.Status), StatusText: connect.StatusText(c),
		User:             toUserJSON(c.Identity),
		LastAuthorizedAt: utc(c.LastAuthorizedAt),
		LastTestedAt:     utc(c.LastTestedAt),
		LastError:        nonEmpty(c.LastError),
		LastErrorDetail:  nonEmpty(c.LastErrorDetail),
		AuthorizedWith:   nonEmpty(c.AuthorizedWith),
	}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "&" stays "&" for people reading it
	_ = enc.Encode(v)
}

func (r *runner) cmdList(args []string) int {
	fs := r.newFlags("list")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return r.usage("list", "%v", err)
	}
	if len(pos) > 0 {
		return r.usage("list", "list takes no NAME")
	}
	st, ok := r.openStore()
	if !ok {
		return ExitUsage
	}
	clients, conns := st.Clients(), st.Connections()
	clientName := func(ref string) string {
		if c, ok := st.Client(ref); ok {
			return c.Name
		}
		return ""
	}

	if *asJSON {
		out := listJSON{Clients: []clientJSON{}, Connections: []connectionJSON{}}
		for _, c := range clients {
			out.Clients = append(out.Clients, toClientJSON(c))
		}
		for _, c := range conns {
			out.Connections = append(out.Connections, toConnectionJSON(c, clientName(c.ClientRef)))
		}
		writeJSON(r.env.Stdout, out)
		return ExitOK
	}

	w := r.env.Stdout
	if len(clients) == 0 && len(conns) == 0 {
		fmt.Fprintf(w, "No connections yet. Add a client with: %s client add NAME --client-id ID\n", Prog)
		return ExitOK
	}
	if len(conns) == 0 {
		fmt.Fprintf(w, "No connections yet. Add one with: %s connection add NAME --client CLIENT_NAME\n", Prog)
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
		fmt.Fprintln(tw, "CONNECTION\tCLIENT\tLAST TESTED\tSTATUS")
		for _, c := range conns {
			client := clientName(c.ClientRef)
			if client == "" {
				client = "(missing)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, client, when(c.LastTestedAt), shortStatus(c))
		}
		_ = tw.Flush()
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "CLIENT\tCLIENT ID\tCALLBACK URL\tAUTHORIZATION URL")
	var departing []store.Client
	for _, c := range clients {
		name := c.Name
		if c.SecretNeeded {
			name += " (secret needed)"
		}
		if c.Departures().Any() {
			name += " (!)"
			departing = append(departing, c)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, c.ClientID, c.RedirectURI(), c.AuthURL)
	}
	_ = tw.Flush()
	if len(departing) > 0 {
		fmt.Fprintln(w)
	}
	for _, c := range departing {
		fmt.Fprintf(w, "(!) “%s” %s.\n", c.Name, c.Departures())
	}
	return ExitOK
}

// shortStatus keeps a table row short: a failure's first sentence only
// (list --json and test have the whole text).
func shortStatus(c store.Connection) string {
	if c.Status == store.StatusFailed && c.LastError != "" {
		first, _, _ := strings.Cut(c.LastError, ". ")
		return "Failed: " + strings.TrimSuffix(first, ".") + "."
	}
	return connect.StatusText(c)
}

// when is a time for people, in their time zone.
func when(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04")
}
