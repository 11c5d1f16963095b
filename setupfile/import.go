package setupfile

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/store"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// MaxImportTries bounds how often Import asks for one name or one secret, so
// a decider that keeps answering wrongly (a script, a stuck dialog) ends.
const MaxImportTries = 5

// ImportDecider makes the choices an import needs from the user. Import calls
// it from its own goroutine, one question at a time, and all questions come
// before any change: an error from it (the user canceled) leaves the records
// and keychain untouched.
type ImportDecider interface {
	// Secret asks for a client's secret. skip leaves the client and its
	// connections out; an empty secret imports them all the same, the
	// client marked as needing its secret before a sign-in.
	Secret(req SecretRequest) (secret string, skip bool, err error)
	// Clash asks what to do about a name that can't be used: give a new
	// name, skip, or (a client whose settings match the saved one) use the
	// saved client. Import never overwrites a saved record.
	Clash(c NameClash) (ClashAnswer, error)
	// Endpoints asks whether to keep a client whose settings send its
	// secret, codes or tokens to hosts that are not Kantata's, or that turn
	// PKCE off. Every such client is asked about first, before any secret;
	// false skips it and its connections.
	Endpoints(req EndpointsRequest) (accept bool, err error)
}

// EndpointsRequest shows one client whose settings depart from Kantata's.
type EndpointsRequest struct {
	Index      int                  // the client's position in the file, from 0
	Client     store.ClientSettings // its settings as the file has them
	Departures store.Departures     // what departs, with the hosts
}

// SecretRequest asks for one client's secret.
type SecretRequest struct {
	Index    int                  // the client's position in the file, from 0
	FileName string               // its name in the file
	Client   store.ClientSettings // its settings; Name is the name it will be saved under
	Problem  string               // why the last answer was refused ("" the first time), in plain words
	Attempt  int                  // 1 the first time
}

// NameClash asks for another name.
type NameClash struct {
	Kind       string // "client" or "connection"
	Index      int    // its position in the file's clients or connections, from 0
	FileName   string // its name in the file
	Name       string // the name that can't be used: FileName, or the last new name tried
	Problem    string // why, in plain words: "A client named “X” already exists."
	Suggestion string // a free name, such as "X (2)"
	Attempt    int    // 1 the first time
	// SameSettings: a client whose settings (all but the name) are the
	// saved client's of that name, so the file's connections can use the
	// saved one, with no secret to enter.
	SameSettings bool
}

// ClashAnswer is what to do about a name in use: try Name, Skip, or (when
// NameClash.SameSettings) UseExisting.
type ClashAnswer struct {
	Name        string
	Skip        bool
	UseExisting bool
}

// ErrImportCanceled is what a decider returns when the user cancels.
var ErrImportCanceled error = &importCanceled{}

type importCanceled struct{}

func (*importCanceled) Error() string       { return "import canceled" }
func (*importCanceled) UserMessage() string { return "The import was canceled. Nothing was changed." }
func (*importCanceled) TechnicalDetail() string {
	return "import canceled by the user before any change"
}

// ImportReport says what an import did. Names are as saved; lines are plain
// words, in file order.
type ImportReport struct {
	ClientsAdded     []string
	ConnectionsAdded []string
	Renamed          []string // "client “X” as “X (2)”"
	Skipped          []string // "client “X”: the name is already in use"
	UsedExisting     []string // saved clients the file's connections now use
	SecretNeeded     []string // clients added without a secret
}

// Empty reports whether nothing was added: no client, no connection.
func (r ImportReport) Empty() bool { return len(r.ClientsAdded)+len(r.ConnectionsAdded) == 0 }

// String is the report as lines a person reads.
func (r ImportReport) String() string {
	var b strings.Builder
	if r.Empty() {
		b.WriteString("Nothing was imported.\n")
	} else {
		fmt.Fprintf(&b, "Imported %s and %s.\n", safetext.Count(len(r.ClientsAdded), "client"), safetext.Count(len(r.ConnectionsAdded), "connection"))
	}
	for _, n := range r.ClientsAdded {
		fmt.Fprintf(&b, "  client “%s”\n", n)
	}
	for _, n := range r.ConnectionsAdded {
		fmt.Fprintf(&b, "  connection “%s”\n", n)
	}
	if len(r.UsedExisting) > 0 {
		b.WriteString("Used the saved client of the same name and settings (no secret needed):\n")
		for _, n := range r.UsedExisting {
			fmt.Fprintf(&b, "  client “%s”\n", n)
		}
	}
	if len(r.SecretNeeded) > 0 {
		b.WriteString("Imported without a secret (enter it before signing in):\n")
		for _, n := range r.SecretNeeded {
			fmt.Fprintf(&b, "  client “%s”\n", n)
		}
	}
	if len(r.Renamed) > 0 {
		b.WriteString("Renamed:\n")
		for _, s := range r.Renamed {
			b.WriteString("  " + s + "\n")
		}
	}
	if len(r.Skipped) > 0 {
		b.WriteString("Skipped:\n")
		for _, s := range r.Skipped {
			b.WriteString("  " + s + "\n")
		}
	}
	if len(r.ConnectionsAdded) > 0 {
		b.WriteString("Imported connections are not authorized yet: authorize each one to sign in with Kantata on this computer.\n")
	}
	return b.String()
}

type plannedClient struct {
	file     store.ClientSettings
	name     string
	secret   string // "" with !skip and existing == "": saved awaiting its secret
	skip     bool
	existing string // Client.ID of the saved client to use instead
	id       string // Client.ID once saved (or existing)
}

type plannedConnection struct {
	file   ExportConnection
	name   string
	client *plannedClient
	skip   bool
}

// Import adds e's clients and connections to the records, asking d for each
// client's secret and about every name already in use. It never overwrites:
// a clash is renamed or skipped. A skipped client's connections are skipped
// too; a renamed client keeps its connections. Imported connections start
// never authorized (tokens don't travel).
//
// Everything is checked and asked first, then applied. An invalid e, a
// read-only store or an error from d (user canceled) changes nothing. Should
// saving fail half-way (disk full, keychain gone), Import stops; the report
// lists what was added before, and err says why.
func Import(ctx context.Context, st *store.Store, e Export, d ImportDecider) (ImportReport, error) {
	var rep ImportReport
	if d == nil {
		return rep, errors.New("import: no decider")
	}
	e, err := e.normalized()
	if err != nil {
		return rep, err
	}
	if err := st.Reload(); err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	if st.ReadOnly() {
		return rep, fmt.Errorf("import: %w", store.ErrReadOnly)
	}
	clients, conns, err := planImport(ctx, st, e, d, &rep)
	if err != nil {
		return ImportReport{}, err
	}
	if err := ctx.Err(); err != nil {
		return ImportReport{}, fmt.Errorf("import: %w", err)
	}
	return applyImport(st, clients, conns, rep)
}

// planImport asks every question and returns what to save. Skips and renames
// go into rep as they are decided.
func planImport(ctx context.Context, st *store.Store, e Export, d ImportDecider, rep *ImportReport) ([]*plannedClient, []*plannedConnection, error) {
	p := &importPlan{ctx: ctx, st: st, d: d, rep: rep, byFileName: map[string]*plannedClient{}}
	// Where secrets would go is settled first, before a secret is typed.
	refused, err := p.askEndpoints(e.Clients)
	if err != nil {
		return nil, nil, err
	}
	if err := p.planClients(e.Clients, refused); err != nil {
		return nil, nil, err
	}
	if err := p.planConnections(e.Connections); err != nil {
		return nil, nil, err
	}
	return p.clients, p.conns, nil
}

// importPlan is what planImport has decided so far.
type importPlan struct {
	ctx        context.Context
	st         *store.Store
	d          ImportDecider
	rep        *ImportReport
	clients    []*plannedClient
	byFileName map[string]*plannedClient // store.NameKey of the file's name → its plan
	conns      []*plannedConnection
}

// askEndpoints asks about every client whose settings depart from Kantata's
// and returns the positions of those the user refused.
func (p *importPlan) askEndpoints(clients []store.ClientSettings) (map[int]bool, error) {
	refused := map[int]bool{}
	for i, c := range clients {
		dep := c.Departures()
		if !dep.Any() {
			continue
		}
		accept, err := p.d.Endpoints(EndpointsRequest{Index: i, Client: c, Departures: dep})
		if err != nil {
			return nil, fmt.Errorf("import: client “%s”: %w", c.Name, err)
		}
		if !accept {
			refused[i] = true
			p.rep.Skipped = append(p.rep.Skipped, fmt.Sprintf("client “%s”: its settings were not accepted (%s)", c.Name, dep))
		}
	}
	return refused, nil
}

// planClients decides each client's name and secret, or that it is skipped.
func (p *importPlan) planClients(clients []store.ClientSettings, refused map[int]bool) error {
	inFile := map[string]bool{}
	for _, c := range clients {
		inFile[store.NameKey(c.Name)] = true
	}
	for i, c := range clients {
		if err := p.ctx.Err(); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		planned := &plannedClient{file: c}
		p.clients = append(p.clients, planned)
		p.byFileName[store.NameKey(c.Name)] = planned
		if refused[i] {
			planned.skip = true
			continue
		}
		if err := p.planClient(i, planned, inFile); err != nil {
			return err
		}
	}
	return nil
}

// planClient asks for the client's name when its own is taken, then for its
// secret unless a saved client of the same settings serves instead.
func (p *importPlan) planClient(i int, planned *plannedClient, inFile map[string]bool) error {
	c := planned.file
	name, existing, ok, err := askName(p.d, "client", i, c.Name, p.clientTaken, inFile, p.sameSaved(c))
	if err != nil {
		return err
	}
	if !ok {
		planned.skip = true
		p.rep.Skipped = append(p.rep.Skipped, fmt.Sprintf("client “%s”: the name is already in use", c.Name))
		return nil
	}
	planned.name = name
	if existing != "" {
		if saved, ok := p.st.Client(existing); ok {
			planned.name = saved.Name
		}
		planned.existing = existing
		p.rep.UsedExisting = append(p.rep.UsedExisting, planned.name)
		return nil
	}
	asked := c
	asked.Name = name
	secret, skip, why, err := askSecret(p.d, i, c.Name, asked)
	if err != nil {
		return err
	}
	if skip {
		planned.skip = true
		reason := "it was skipped at its secret"
		if why != "" {
			reason = "its secret could not be used: " + why
		}
		p.rep.Skipped = append(p.rep.Skipped, fmt.Sprintf("client “%s”: %s", c.Name, reason))
		return nil
	}
	planned.secret = secret
	if name != c.Name {
		p.rep.Renamed = append(p.rep.Renamed, fmt.Sprintf("client “%s” as “%s”", c.Name, name))
	}
	return nil
}

// clientTaken reports whether a saved client, or one planned so far, has
// the name.
func (p *importPlan) clientTaken(name string) bool {
	if _, ok := p.st.ClientByName(name); ok {
		return true
	}
	for _, planned := range p.clients {
		if !planned.skip && planned.existing == "" && store.SameName(planned.name, name) {
			return true
		}
	}
	return false
}

// sameSaved: a saved client of that name with the file client's settings
// can serve the file's connections as it is.
func (p *importPlan) sameSaved(c store.ClientSettings) func(name string) string {
	return func(name string) string {
		saved, ok := p.st.ClientByName(name)
		if ok && store.SameSettings(saved.ClientSettings, c) {
			return saved.ID
		}
		return ""
	}
}

// planConnections decides each connection's name, or that it is skipped
// (its client was).
func (p *importPlan) planConnections(conns []ExportConnection) error {
	inFile := map[string]bool{}
	for _, c := range conns {
		inFile[store.NameKey(c.Name)] = true
	}
	for i, c := range conns {
		if err := p.ctx.Err(); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		planned := &plannedConnection{file: c, client: p.byFileName[store.NameKey(c.Client)]}
		p.conns = append(p.conns, planned)
		if planned.client.skip {
			planned.skip = true
			p.rep.Skipped = append(p.rep.Skipped, fmt.Sprintf("connection “%s”: its client “%s” was skipped", c.Name, c.Client))
			continue
		}
		name, _, ok, err := askName(p.d, "connection", i, c.Name, p.connectionTaken, inFile, nil)
		if err != nil {
			return err
		}
		if !ok {
			planned.skip = true
			p.rep.Skipped = append(p.rep.Skipped, fmt.Sprintf("connection “%s”: the name is already in use", c.Name))
			continue
		}
		planned.name = name
		if name != c.Name {
			p.rep.Renamed = append(p.rep.Renamed, fmt.Sprintf("connection “%s” as “%s”", c.Name, name))
		}
	}
	return nil
}

// connectionTaken reports whether a saved connection, or one planned so
// far, has the name.
func (p *importPlan) connectionTaken(name string) bool {
	if _, ok := p.st.ConnectionByName(name); ok {
		return true
	}
	for _, planned := range p.conns {
		if !planned.skip && store.SameName(planned.name, name) {
			return true
		}
	}
	return false
}

// askName returns fileName when it is free, else asks d until it gets a free,
// valid name (ok) or a skip, at most MaxImportTries times. For a client,
// sameSaved gives the ID of a saved client of that name whose settings match
// (or ""): d may then choose to use it, returned as existing.
func askName(d ImportDecider, kind string, index int, fileName string, taken func(string) bool, inFile map[string]bool,
	sameSaved func(name string) string) (name, existing string, ok bool, err error) {
	name = fileName
	if !taken(name) {
		return name, "", true, nil
	}
	problem := clashWords(kind, name)
	for attempt := 1; attempt <= MaxImportTries; attempt++ {
		same := ""
		if sameSaved != nil {
			same = sameSaved(name)
		}
		a, err := d.Clash(NameClash{
			Kind: kind, Index: index, FileName: fileName, Name: name, Problem: problem,
			Suggestion:   suggestName(fileName, func(n string) bool { return taken(n) || inFile[store.NameKey(n)] }),
			Attempt:      attempt,
			SameSettings: same != "",
		})
		if err != nil {
			return "", "", false, fmt.Errorf("import: %s “%s”: %w", kind, fileName, err)
		}
		switch {
		case a.Skip:
			return "", "", false, nil
		case a.UseExisting && same != "":
			return name, same, true, nil
		case a.UseExisting: // not offered: nothing to use
			return "", "", false, nil
		}
		n, verr := store.NormalizeName(a.Name)
		switch {
		case verr != nil:
			name, problem = a.Name, userWords(verr)
		case taken(n):
			name, problem = n, clashWords(kind, n)
		default:
			return n, "", true, nil
		}
	}
	return "", "", false, nil
}

func clashWords(kind, name string) string {
	return fmt.Sprintf("A %s named “%s” already exists.", kind, name)
}

// askSecret returns the secret ("" when none was given: the client is saved
// awaiting it), or skip and why the last one given was refused ("" when the
// user chose to skip).
func askSecret(d ImportDecider, index int, fileName string, c store.ClientSettings) (secret string, skip bool, refused string, err error) {
	for attempt := 1; attempt <= MaxImportTries; attempt++ {
		s, skip, err := d.Secret(SecretRequest{Index: index, FileName: fileName, Client: c, Problem: refused, Attempt: attempt})
		if err != nil {
			return "", false, "", fmt.Errorf("import: client “%s”: %w", fileName, err)
		}
		s = store.NormalizeSecret(s)
		switch {
		case skip:
			return "", true, refused, nil
		case s == "":
			return "", false, "", nil
		}
		if err := store.CheckSecret(s); err != nil {
			refused = userWords(err)
			continue
		}
		return s, false, "", nil
	}
	return "", true, refused, nil
}

func userWords(err error) string {
	var u interface{ UserMessage() string }
	if errors.As(err, &u) {
		return u.UserMessage()
	}
	return err.Error()
}

var numbered = regexp.MustCompile(`^(.*\S) \((\d{1,6})\)$`)

// suggestName is a free name like "X (2)", "X (3)"; a name that already ends
// in a number counts on from it. It stays within the name length limit.
func suggestName(name string, taken func(string) bool) string {
	base, n := name, 2
	if m := numbered.FindStringSubmatch(name); m != nil {
		base = m[1]
		if k, err := strconv.Atoi(m[2]); err == nil {
			n = k + 1
		}
	}
	for ; ; n++ {
		suffix := fmt.Sprintf(" (%d)", n)
		b := base
		for utf8.RuneCountInString(b)+len(suffix) > store.MaxNameRunes {
			_, size := utf8.DecodeLastRuneInString(b)
			b = b[:len(b)-size]
		}
		candidate := strings.TrimSpace(b) + suffix
		if !taken(candidate) {
			return candidate
		}
	}
}

// applyImport saves what was planned, clients first.
func applyImport(st *store.Store, clients []*plannedClient, conns []*plannedConnection, rep ImportReport) (ImportReport, error) {
	for _, p := range clients {
		if p.skip {
			continue
		}
		if p.existing != "" {
			if _, ok := st.Client(p.existing); !ok {
				p.skip = true
				rep.Skipped = append(rep.Skipped, fmt.Sprintf("client “%s”: the saved client “%s” was deleted elsewhere meanwhile", p.file.Name, p.name))
				continue
			}
			p.id = p.existing
			continue
		}
		c := p.file
		c.Name = p.name
		var saved store.Client
		var err error
		if p.secret == "" {
			saved, err = st.AddClientAwaitingSecret(c)
		} else {
			saved, err = st.SaveClient("", c, p.secret)
		}
		if nameTakenMeanwhile(err) {
			p.skip = true
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("client “%s”: a client named “%s” was saved elsewhere meanwhile", p.file.Name, p.name))
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("import client %q: %w", p.name, err)
		}
		p.id = saved.ID
		rep.ClientsAdded = append(rep.ClientsAdded, saved.Name)
		if saved.SecretNeeded {
			rep.SecretNeeded = append(rep.SecretNeeded, saved.Name)
		}
	}
	for _, p := range conns {
		if p.skip {
			continue
		}
		if p.client.skip {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("connection “%s”: its client “%s” was skipped", p.file.Name, p.file.Client))
			continue
		}
		saved, err := st.SaveConnection("", p.name, p.client.id)
		if nameTakenMeanwhile(err) {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("connection “%s”: a connection named “%s” was saved elsewhere meanwhile", p.file.Name, p.name))
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("import connection %q: %w", p.name, err)
		}
		rep.ConnectionsAdded = append(rep.ConnectionsAdded, saved.Name)
	}
	return rep, nil
}

// nameTakenMeanwhile: another window saved the name between the questions
// and the save. Skipping it keeps the promise never to overwrite.
func nameTakenMeanwhile(err error) bool {
	var v *store.ValidationError
	return errors.As(err, &v) && v.Field == "name"
}
