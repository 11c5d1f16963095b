package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/store"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// clientFlags are the settings client add and client edit take, as given.
type clientFlags struct {
	settings     store.ClientSettings
	noPKCE, pkce bool
	set          map[string]bool
}

// settingFlags names the flag that sets each client setting, so the rule
// set's verdict on a field is reported against what the user typed.
var settingFlags = map[store.Field]string{
	store.FieldClientID:     "client-id",
	store.FieldAuthURL:      "auth-url",
	store.FieldTokenURL:     "token-url",
	store.FieldAPIBaseURL:   "api-url",
	store.FieldRedirectPort: "redirect-port",
	store.FieldClientAuth:   "client-auth",
	store.FieldCallback:     "callback",
}

func (r *runner) clientFlagSet(sub string, f *clientFlags) *flag.FlagSet {
	fs := r.newFlags("client " + sub)
	c := &f.settings
	fs.StringVar(&c.ClientID, "client-id", "", "the client ID Kantata shows for your application")
	fs.StringVar(&c.AuthURL, "auth-url", "", "the authorization URL (default Kantata's)")
	fs.StringVar(&c.TokenURL, "token-url", "", "the access token URL (default Kantata's)")
	fs.StringVar(&c.APIBaseURL, "api-url", "", "the API base URL (default Kantata's)")
	fs.IntVar(&c.RedirectPort, "redirect-port", 0, fmt.Sprintf("the callback port on 127.0.0.1 (default %d)", store.DefaultClientSettings().RedirectPort))
	fs.StringVar(&c.ClientAuth, "client-auth", "", "how the secret is sent: body or basic")
	fs.StringVar(&c.Callback, "callback", "", "how Kantata's answer comes back: loopback (to this app, the default), code (Kantata shows a code to paste) or app-link (through the app's own link)")
	fs.BoolVar(&f.noPKCE, "no-pkce", false, "sign in without PKCE")
	if sub == "edit" {
		fs.BoolVar(&f.pkce, "pkce", false, "sign in with PKCE again")
		fs.StringVar(&c.Name, "name", "", "a new name for the client")
	}
	return fs
}

// apply copies the flags that were given onto c.
func (f *clientFlags) apply(c *store.ClientSettings) {
	given := f.settings
	for flagName, set := range map[string]func(){
		"client-id":     func() { c.ClientID = given.ClientID },
		"auth-url":      func() { c.AuthURL = given.AuthURL },
		"token-url":     func() { c.TokenURL = given.TokenURL },
		"api-url":       func() { c.APIBaseURL = given.APIBaseURL },
		"redirect-port": func() { c.RedirectPort = given.RedirectPort },
		"client-auth":   func() { c.ClientAuth = given.ClientAuth },
		"callback":      func() { c.Callback = given.Callback },
		"no-pkce":       func() { c.PKCE = !f.noPKCE },
		"pkce":          func() { c.PKCE = f.pkce },
		"name":          func() { c.Name = given.Name },
	} {
		if f.set[flagName] {
			set()
		}
	}
}

// refuse reports a setting the rule set refused, naming the flag that gave
// it; a name's problem speaks for itself.
func (r *runner) refuse(err error) int {
	var v *store.ValidationError
	if errors.As(err, &v) {
		if flagName, ok := settingFlags[v.Field]; ok {
			return r.usage("client", "--%s: %s", flagName, v.Message)
		}
	}
	return r.report(err, "")
}

func (r *runner) cmdClient(args []string) int {
	sub, name, f, code := r.clientArgs(args)
	if code != ExitOK {
		return code
	}
	st, ok := r.openStore()
	if !ok {
		return ExitUsage
	}
	var id string
	c := store.DefaultClientSettings()
	c.Name = name
	if sub == "edit" {
		saved, ok := st.ClientByName(name)
		if !ok {
			return r.unknownClient(st, name)
		}
		id, c = saved.ID, saved.ClientSettings
	}
	f.apply(&c)
	// Every rule is checked before the secret is asked for, so nobody types
	// a secret for a typo in a flag.
	if _, err := st.CheckClient(id, c); err != nil {
		return r.refuse(err)
	}
	if st.ReadOnly() {
		return r.report(fmt.Errorf("save client %q: %w", c.Name, store.ErrReadOnly), "")
	}
	before := map[string]store.Status{}
	for _, conn := range st.Connections() {
		before[conn.ID] = conn.Status
	}
	secret, code := r.clientSecret(sub == "edit")
	if code != ExitOK {
		return code
	}
	saved, err := st.SaveClient(id, c, secret)
	if err != nil {
		return r.report(err, "")
	}
	r.clientSaved(st, sub, saved, before)
	return ExitOK
}

// clientArgs reads client add/edit's subcommand, NAME and flags.
func (r *runner) clientArgs(args []string) (sub, name string, f *clientFlags, code int) {
	if len(args) == 0 {
		return "", "", nil, r.usage("client", "say what to do: client add NAME ... or client edit NAME ...")
	}
	sub = args[0]
	if sub != "add" && sub != "edit" {
		return "", "", nil, r.usage("client", "unknown client command %q (use add or edit)", sub)
	}
	f = &clientFlags{set: map[string]bool{}}
	fs := r.clientFlagSet(sub, f)
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return "", "", nil, r.usage("client", "%v", err)
	}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if name, err = oneName(pos); err != nil {
		return "", "", nil, r.usage("client", "client %s: %v", sub, err)
	}
	if sub == "add" && !f.set["client-id"] {
		return "", "", nil, r.usage("client", "client add needs --client-id ID (the client ID Kantata shows for your application)")
	}
	if f.set["pkce"] && f.set["no-pkce"] {
		return "", "", nil, r.usage("client", "give --pkce or --no-pkce, not both")
	}
	return sub, name, f, ExitOK
}

// clientSecret reads the client secret; editing, it says first why it is
// needed again.
func (r *runner) clientSecret(editing bool) (string, int) {
	ctx, stop := r.interruptible()
	defer stop()
	if editing && r.stdinIsTerminal() {
		fmt.Fprintln(r.env.Stderr, "Enter the client secret again: it is never shown, so every change needs it.")
	}
	secret, err := r.readSecret(ctx)
	switch {
	case err == nil:
		return secret, ExitOK
	case connect.Canceled(err):
		fmt.Fprintln(r.env.Stderr, "Canceled; nothing was saved.")
		return "", ExitInterrupted
	case errors.Is(err, errNoSecret):
		return "", r.usage("client", "%v", err)
	}
	return "", r.report(err, "")
}

// clientSaved says what was saved, what to register in Kantata, which
// connections now need a new sign-in (before: their states until now), and
// what to do next.
func (r *runner) clientSaved(st *store.Store, sub string, saved store.Client, before map[string]store.Status) {
	w := r.env.Stdout
	verb := "Saved"
	if sub == "edit" {
		verb = "Updated"
	}
	fmt.Fprintf(w, "%s client “%s” (client ID %s). Its secret is in the system keychain.\n", verb, saved.Name, saved.ClientID)
	fmt.Fprintf(w, "Callback URL to register in Kantata: %s\n", saved.RedirectURI())
	fmt.Fprintf(w, "To let any callback kind work, register all three, one per line:\n  %s\n",
		strings.Join(oauth.AllCallbackURIs(saved.RedirectPort), "\n  "))
	if dep := saved.Departures(); dep.Any() {
		fmt.Fprintf(w, "Note: this client %s. Its secret, sign-in codes and tokens go there.\n", dep)
	}
	var again []string
	for _, conn := range st.Connections() {
		if conn.ClientRef == saved.ID && conn.Status == store.StatusNeedsReauth && before[conn.ID] != store.StatusNeedsReauth {
			again = append(again, conn.Name)
		}
	}
	switch {
	case len(again) > 0:
		fmt.Fprintf(w, "These connections need to be authorized again: %s\n", strings.Join(again, ", "))
		fmt.Fprintln(w, "Their sign-ins under the old settings were deleted from the keychain: a token goes only where it was issued.")
		fmt.Fprintf(w, "Next: %s authorize %s\n", Prog, shellArg(again[0]))
	case sub == "add":
		fmt.Fprintf(w, "Next: %s connection add NAME --client %s\n", Prog, shellArg(saved.Name))
	}
}

func (r *runner) cmdConnection(args []string) int {
	if len(args) == 0 || args[0] != "add" {
		return r.usage("connection", "say what to do: connection add NAME --client CLIENT_NAME")
	}
	fs := r.newFlags("connection add")
	clientName := fs.String("client", "", "the name of the OAuth 2.0 client the connection uses")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return r.usage("connection", "%v", err)
	}
	name, err := oneName(pos)
	if err != nil {
		return r.usage("connection", "connection add: %v", err)
	}
	if strings.TrimSpace(*clientName) == "" {
		return r.usage("connection", "connection add needs --client CLIENT_NAME (see the clients with: %s list)", Prog)
	}
	st, ok := r.openStore()
	if !ok {
		return ExitUsage
	}
	client, ok := st.ClientByName(*clientName)
	if !ok {
		return r.unknownClient(st, *clientName)
	}
	conn, err := st.SaveConnection("", name, client.ID)
	if err != nil {
		return r.report(err, "")
	}
	fmt.Fprintf(r.env.Stdout, "Saved connection “%s” (client “%s”). It is not authorized yet.\n", conn.Name, client.Name)
	fmt.Fprintf(r.env.Stdout, "Next: %s authorize %s\n", Prog, shellArg(conn.Name))
	return ExitOK
}

func (r *runner) cmdDelete(args []string) int {
	if len(args) > 0 && args[0] == "all" {
		return r.cmdDeleteAll(args[1:])
	}
	if len(args) == 0 || (args[0] != "connection" && args[0] != "client") {
		return r.usage("delete", "say what to delete: delete connection NAME, delete client NAME or delete all --yes")
	}
	kind := args[0]
	fs := r.newFlags("delete " + kind)
	var cascade bool
	if kind == "client" {
		fs.BoolVar(&cascade, "cascade", false, "also delete the connections that use the client")
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return r.usage("delete", "%v", err)
	}
	name, err := oneName(pos)
	if err != nil {
		return r.usage("delete", "delete %s: %v", kind, err)
	}
	st, ok := r.openStore()
	if !ok {
		return ExitUsage
	}
	w := r.env.Stdout

	if kind == "connection" {
		conn, ok := st.ConnectionByName(name)
		if !ok {
			return r.unknownConnection(st, name)
		}
		if err := st.DeleteConnection(conn.ID); err != nil {
			return r.report(err, conn.Name)
		}
		fmt.Fprintf(w, "Deleted connection “%s” and its tokens.\n", conn.Name)
		return ExitOK
	}

	client, ok := st.ClientByName(name)
	if !ok {
		return r.unknownClient(st, name)
	}
	var users []string
	for _, c := range st.Connections() {
		if c.ClientRef == client.ID {
			users = append(users, c.Name)
		}
	}
	if err := st.DeleteClient(client.ID, cascade); err != nil {
		code := r.report(err, "")
		var inUse *store.InUseError
		if errors.As(err, &inUse) {
			fmt.Fprintf(r.env.Stderr, "To delete them together: %s delete client %s --cascade\n", Prog, shellArg(client.Name))
		}
		return code
	}
	switch len(users) {
	case 0:
		fmt.Fprintf(w, "Deleted client “%s” and its secret.\n", client.Name)
	case 1:
		fmt.Fprintf(w, "Deleted client “%s”, its secret, and the connection %s with its tokens.\n", client.Name, users[0])
	default:
		fmt.Fprintf(w, "Deleted client “%s”, its secret, and the connections %s with their tokens.\n", client.Name, strings.Join(users, ", "))
	}
	return ExitOK
}

// openConnection opens the records and finds the connection called name; a
// code other than ExitOK is what the command exits with (the reason is said).
func (r *runner) openConnection(name string) (*store.Store, store.Connection, int) {
	st, ok := r.openStore()
	if !ok {
		return nil, store.Connection{}, ExitUsage
	}
	conn, ok := st.ConnectionByName(name)
	if !ok {
		return st, conn, r.unknownConnection(st, name)
	}
	return st, conn, ExitOK
}

func (r *runner) unknownConnection(st *store.Store, name string) int {
	var names []string
	for _, c := range st.Connections() {
		names = append(names, c.Name)
	}
	return r.unknown("connection", name, names)
}

func (r *runner) unknownClient(st *store.Store, name string) int {
	var names []string
	for _, c := range st.Clients() {
		names = append(names, c.Name)
	}
	return r.unknown("client", name, names)
}

func (r *runner) unknown(kind, name string, names []string) int {
	fmt.Fprintf(r.env.Stderr, "No %s is named “%s”.\n", kind, strings.TrimSpace(name))
	switch {
	case len(names) == 0 && kind == "client":
		fmt.Fprintf(r.env.Stderr, "There are no clients yet. Add one with: %s client add NAME --client-id ID\n", Prog)
	case len(names) == 0:
		fmt.Fprintf(r.env.Stderr, "There are no connections yet. Add one with: %s connection add NAME --client CLIENT_NAME\n", Prog)
	case len(names) <= 10:
		fmt.Fprintf(r.env.Stderr, "Saved %ss: %s\n", kind, strings.Join(names, ", "))
	default:
		fmt.Fprintf(r.env.Stderr, "See them all with: %s list\n", Prog)
	}
	return ExitUsage
}

// cmdDeleteAll deletes every connection and client with their tokens and
// secrets: what the Windows uninstaller runs when the user asks it to remove
// their data. --yes is required, so a slip of the keyboard deletes nothing.
func (r *runner) cmdDeleteAll(args []string) int {
	fs := r.newFlags("delete all")
	var yes bool
	fs.BoolVar(&yes, "yes", false, "really delete every connection and client")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return r.usage("delete", "%v", err)
	}
	if len(pos) > 0 {
		return r.usage("delete", "delete all takes no name")
	}
	if !yes {
		return r.usage("delete", "delete all deletes every connection and client with their secrets and tokens; add --yes to do it")
	}
	st, ok := r.openStore()
	if !ok {
		return ExitUsage
	}
	clients, conns := len(st.Clients()), len(st.Connections())
	for _, c := range st.Connections() {
		if err := st.DeleteConnection(c.ID); err != nil {
			return r.report(err, c.Name)
		}
	}
	for _, c := range st.Clients() {
		if err := st.DeleteClient(c.ID, true); err != nil {
			return r.report(err, "")
		}
	}
	fmt.Fprintf(r.env.Stdout, "Deleted %s and %s, with their secrets and tokens.\n",
		safetext.Count(conns, "connection"), safetext.Count(clients, "client"))
	return ExitOK
}
