package connect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/store"
)

// Setups that travel: clients and connections written to a JSON file on one
// machine and read back on another. The file never holds a secret or a token
// (they stay in the keychain they were typed into): import asks for each
// client's secret again, and imported connections must be authorized again.

const (
	// ExportFormat marks a file as ours, so a foreign JSON file is told apart
	// from a damaged export.
	ExportFormat = "kantata-connect-export"
	// ExportVersion is the file version this build writes and the newest it
	// reads. Adding, renaming or removing a field means a new version: the
	// reader refuses fields it does not know.
	ExportVersion = 1
	// MaxExportBytes bounds what ReadExport reads. An export of a few hundred
	// clients is well under it; anything larger is not ours.
	MaxExportBytes = 1 << 20
)

// Export is the content of an export file.
type Export struct {
	Format      string             `json:"format"`  // ExportFormat
	Version     int                `json:"version"` // ExportVersion
	ExportedAt  time.Time          `json:"exported_at"`
	Clients     []ExportClient     `json:"clients"`
	Connections []ExportConnection `json:"connections"`
}

// ExportClient is a client's settings. There is deliberately no field for
// its secret.
type ExportClient struct {
	Name         string `json:"name"`
	ClientID     string `json:"client_id"`
	AuthURL      string `json:"auth_url"`
	TokenURL     string `json:"token_url"`
	APIBaseURL   string `json:"api_base_url"`
	ClientAuth   string `json:"client_auth"` // store.ClientAuthBody or store.ClientAuthBasic
	PKCE         bool   `json:"pkce"`
	RedirectPort int    `json:"redirect_port"`
}

// RedirectURI is the callback URL the client uses, to show next to its
// secret prompt: it must be registered in Kantata.
func (c ExportClient) RedirectURI() string { return c.storeClient().RedirectURI() }

func (c ExportClient) storeClient() store.Client {
	return store.Client{
		Name: c.Name, ClientID: c.ClientID,
		AuthURL: c.AuthURL, TokenURL: c.TokenURL, APIBaseURL: c.APIBaseURL,
		ClientAuth: c.ClientAuth, PKCE: c.PKCE, RedirectPort: c.RedirectPort,
	}
}

// ExportConnection is a connection: its name and its client's name. Its
// status, identity and tokens belong to the machine it was authorized on.
type ExportConnection struct {
	Name   string `json:"name"`
	Client string `json:"client"` // an ExportClient's Name in the same file
}

// Export returns the loaded clients and connections, sorted by name. Call
// Store.Reload first to include other windows' latest changes.
func (s *Service) Export() Export {
	e := Export{
		Format:      ExportFormat,
		Version:     ExportVersion,
		ExportedAt:  s.now().UTC().Truncate(time.Second),
		Clients:     []ExportClient{},
		Connections: []ExportConnection{},
	}
	names := map[string]string{} // Client.ID → name
	for _, c := range s.Store.Clients() {
		names[c.ID] = c.Name
		e.Clients = append(e.Clients, ExportClient{
			Name: c.Name, ClientID: c.ClientID,
			AuthURL: c.AuthURL, TokenURL: c.TokenURL, APIBaseURL: c.APIBaseURL,
			ClientAuth: c.ClientAuth, PKCE: c.PKCE, RedirectPort: c.RedirectPort,
		})
	}
	for _, c := range s.Store.Connections() {
		if client, ok := names[c.ClientRef]; ok {
			e.Connections = append(e.Connections, ExportConnection{Name: c.Name, Client: client})
		}
	}
	return e
}

// WriteExport writes e as indented JSON, for people who open the file.
func WriteExport(w io.Writer, e Export) error {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the export: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write the export: %w", err)
	}
	return nil
}

// FileProblem says why an import file was refused.
type FileProblem string

const (
	ProblemNotExport FileProblem = "not_export" // not JSON, or JSON of something else
	ProblemNewer     FileProblem = "newer"      // a version this build does not know
	ProblemDamaged   FileProblem = "damaged"    // ours, but broken or edited into something invalid
	ProblemTooLarge  FileProblem = "too_large"  // over MaxExportBytes
)

// ImportFileError is a file ReadExport (or Import) refused. Nothing was
// imported from it.
type ImportFileError struct {
	Problem FileProblem
	Reason  string // ProblemDamaged: what is wrong, in plain words
	Detail  string // technical detail; never a secret (the file holds none)
}

func (e *ImportFileError) Error() string {
	msg := "import file refused: " + string(e.Problem)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

func (e *ImportFileError) UserMessage() string {
	switch e.Problem {
	case ProblemNewer:
		return "This file was made by a newer version of Kantata Connect. Update Kantata Connect, then import it again. Nothing was imported."
	case ProblemDamaged:
		return "This Kantata Connect export is damaged: " + e.Reason + ". Nothing was imported. Export it again from the other computer."
	case ProblemTooLarge:
		return fmt.Sprintf("This file is too large to be a Kantata Connect export (they are at most %d KiB). Nothing was imported.", MaxExportBytes>>10)
	}
	return "This file is not a Kantata Connect export. Choose a file made with Export. Nothing was imported."
}

func (e *ImportFileError) TechnicalDetail() string { return e.Error() }

func damaged(reason, detail string, a ...any) *ImportFileError {
	return &ImportFileError{Problem: ProblemDamaged, Reason: reason, Detail: fmt.Sprintf(detail, a...)}
}

// The wire form, with pointers so a missing field is told apart from an
// empty one: every field but exported_at is required.
type wireExport struct {
	Format      *string           `json:"format"`
	Version     *int              `json:"version"`
	ExportedAt  *time.Time        `json:"exported_at"`
	Clients     *[]wireClient     `json:"clients"`
	Connections *[]wireConnection `json:"connections"`
}

type wireClient struct {
	Name         *string `json:"name"`
	ClientID     *string `json:"client_id"`
	AuthURL      *string `json:"auth_url"`
	TokenURL     *string `json:"token_url"`
	APIBaseURL   *string `json:"api_base_url"`
	ClientAuth   *string `json:"client_auth"`
	PKCE         *bool   `json:"pkce"`
	RedirectPort *int    `json:"redirect_port"`
}

type wireConnection struct {
	Name   *string `json:"name"`
	Client *string `json:"client"`
}

// ReadExport reads and checks an export file: at most MaxExportBytes, our
// format, a version this build knows, no unknown or missing fields, every
// value valid as the app would save it, unique names, and every connection's
// client in the file. Anything else is an *ImportFileError. The Export it
// returns is normalized (names and URLs trimmed, connections naming their
// client exactly as the file's client list does).
func ReadExport(r io.Reader) (Export, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxExportBytes+1))
	if err != nil {
		return Export{}, fmt.Errorf("read the import file: %w", err)
	}
	if len(data) > MaxExportBytes {
		return Export{}, &ImportFileError{Problem: ProblemTooLarge, Detail: fmt.Sprintf("larger than %d bytes", MaxExportBytes)}
	}
	// Windows editors may add a byte order mark when the file is saved.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))

	// First only what says whose file this is and which version.
	var head map[string]json.RawMessage
	if err := json.Unmarshal(data, &head); err != nil {
		if bytes.Contains(data, []byte(ExportFormat)) {
			return Export{}, damaged("it is incomplete or is no longer valid JSON", "%v", err)
		}
		return Export{}, &ImportFileError{Problem: ProblemNotExport, Detail: "not a JSON object: " + err.Error()}
	}
	var format string
	if raw, ok := head["format"]; !ok || json.Unmarshal(raw, &format) != nil || format != ExportFormat {
		return Export{}, &ImportFileError{Problem: ProblemNotExport, Detail: fmt.Sprintf("format is %s, want %q", clip(string(head["format"])), ExportFormat)}
	}
	var version int
	if raw, ok := head["version"]; !ok || json.Unmarshal(raw, &version) != nil {
		return Export{}, damaged("its version number is missing or not a number", "version is %s", clip(string(head["version"])))
	}
	if version > ExportVersion {
		return Export{}, &ImportFileError{Problem: ProblemNewer, Detail: fmt.Sprintf("file version %d, this build reads up to %d", version, ExportVersion)}
	}
	if version < 1 {
		return Export{}, damaged("its version number is not valid", "version %d", version)
	}

	var w wireExport
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Export{}, damaged(decodeReason(err), "%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Export{}, damaged("it has extra text after the end of the export", "data after the JSON object")
	}
	e, err := w.export()
	if err != nil {
		return Export{}, err
	}
	return e.normalized()
}

func decodeReason(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field != "" {
			return fmt.Sprintf("the value of “%s” has the wrong type", typeErr.Field)
		}
		return "a value has the wrong type"
	}
	if strings.Contains(err.Error(), "unknown field") {
		return "it has a field this version of Kantata Connect does not know"
	}
	return "it is incomplete or is no longer valid JSON"
}

// export checks that every required field is present.
func (w wireExport) export() (Export, error) {
	missing := func(what string) error {
		return damaged(what+" is missing", "missing field: %s", what)
	}
	if w.Format == nil || w.Version == nil { // ReadExport checked them; be safe
		return Export{}, missing("the format or version")
	}
	if w.Clients == nil {
		return Export{}, missing("the list of clients")
	}
	if w.Connections == nil {
		return Export{}, missing("the list of connections")
	}
	e := Export{Format: *w.Format, Version: *w.Version}
	if w.ExportedAt != nil {
		e.ExportedAt = *w.ExportedAt
	}
	for i, c := range *w.Clients {
		label := fmt.Sprintf("client %d", i+1)
		if c.Name != nil {
			label += " (“" + clipName(*c.Name) + "”)"
		}
		for _, f := range []struct {
			name string
			set  bool
		}{
			{"name", c.Name != nil}, {"client_id", c.ClientID != nil}, {"auth_url", c.AuthURL != nil},
			{"token_url", c.TokenURL != nil}, {"api_base_url", c.APIBaseURL != nil},
			{"client_auth", c.ClientAuth != nil}, {"pkce", c.PKCE != nil}, {"redirect_port", c.RedirectPort != nil},
		} {
			if !f.set {
				return Export{}, damaged(fmt.Sprintf("%s has no %s", label, fieldWords[f.name]), "clients[%d]: missing field %s", i, f.name)
			}
		}
		e.Clients = append(e.Clients, ExportClient{
			Name: *c.Name, ClientID: *c.ClientID, AuthURL: *c.AuthURL, TokenURL: *c.TokenURL,
			APIBaseURL: *c.APIBaseURL, ClientAuth: *c.ClientAuth, PKCE: *c.PKCE, RedirectPort: *c.RedirectPort,
		})
	}
	for i, c := range *w.Connections {
		if c.Name == nil {
			return Export{}, damaged(fmt.Sprintf("connection %d has no name", i+1), "connections[%d]: missing field name", i)
		}
		if c.Client == nil {
			return Export{}, damaged(fmt.Sprintf("connection %d (“%s”) names no client", i+1, clipName(*c.Name)), "connections[%d]: missing field client", i)
		}
		e.Connections = append(e.Connections, ExportConnection{Name: *c.Name, Client: *c.Client})
	}
	return e, nil
}

// fieldWords names the fields as the client dialog does.
var fieldWords = map[string]string{
	"name":          "name",
	"client_id":     "client ID",
	"auth_url":      "authorization URL",
	"token_url":     "access token URL",
	"api_base_url":  "API base URL",
	"client_auth":   "client authentication setting",
	"pkce":          "PKCE setting",
	"redirect_port": "callback port",
}

// normalized checks e as ReadExport does and returns it with names and
// values trimmed. Import runs it too, for an Export built in code.
func (e Export) normalized() (Export, error) {
	if e.Format != ExportFormat {
		return Export{}, &ImportFileError{Problem: ProblemNotExport, Detail: fmt.Sprintf("format is %q, want %q", clip(e.Format), ExportFormat)}
	}
	if e.Version > ExportVersion {
		return Export{}, &ImportFileError{Problem: ProblemNewer, Detail: fmt.Sprintf("file version %d, this build reads up to %d", e.Version, ExportVersion)}
	}
	if e.Version < 1 {
		return Export{}, damaged("its version number is not valid", "version %d", e.Version)
	}
	out := Export{Format: e.Format, Version: e.Version, ExportedAt: e.ExportedAt,
		Clients: make([]ExportClient, 0, len(e.Clients)), Connections: make([]ExportConnection, 0, len(e.Connections))}

	clients := map[string]string{} // folded name → name
	for i, c := range e.Clients {
		label := fmt.Sprintf("client %d (“%s”)", i+1, clipName(c.Name))
		name, err := store.NormalizeName(c.Name)
		if err != nil {
			return Export{}, damaged(label+" has a name that is not allowed", "clients[%d].name: %v", i, err)
		}
		label = fmt.Sprintf("client %d (“%s”)", i+1, name)
		if _, dup := clients[fold(name)]; dup {
			return Export{}, damaged(fmt.Sprintf("the client name “%s” appears twice", name), "clients[%d]: duplicate name %q", i, name)
		}
		// Present but empty would silently become Kantata's default: in a
		// file, that is damage, not a choice.
		for _, f := range []struct{ field, value string }{
			{"client_id", c.ClientID}, {"auth_url", c.AuthURL}, {"token_url", c.TokenURL},
			{"api_base_url", c.APIBaseURL}, {"client_auth", c.ClientAuth},
		} {
			if strings.TrimSpace(f.value) == "" {
				return Export{}, damaged(fmt.Sprintf("%s has an empty %s", label, fieldWords[f.field]), "clients[%d].%s is empty", i, f.field)
			}
		}
		if c.RedirectPort == 0 {
			return Export{}, damaged(label+" has no callback port", "clients[%d].redirect_port is 0", i)
		}
		c.Name = name
		sc, err := store.NormalizeClient(c.storeClient())
		if err != nil {
			field, value := "settings", ""
			var v *store.ValidationError
			if errors.As(err, &v) {
				field = v.Field
				value = clientField(c, v.Field)
			}
			words := fieldWords[field]
			if words == "" {
				words = field
			}
			return Export{}, damaged(fmt.Sprintf("%s has an invalid %s", label, words), "clients[%d].%s %s: %v", i, field, value, err)
		}
		clients[fold(name)] = name
		out.Clients = append(out.Clients, ExportClient{
			Name: sc.Name, ClientID: sc.ClientID, AuthURL: sc.AuthURL, TokenURL: sc.TokenURL,
			APIBaseURL: sc.APIBaseURL, ClientAuth: sc.ClientAuth, PKCE: sc.PKCE, RedirectPort: sc.RedirectPort,
		})
	}

	conns := map[string]bool{}
	for i, c := range e.Connections {
		name, err := store.NormalizeName(c.Name)
		if err != nil {
			return Export{}, damaged(fmt.Sprintf("connection %d (“%s”) has a name that is not allowed", i+1, clipName(c.Name)), "connections[%d].name: %v", i, err)
		}
		if conns[fold(name)] {
			return Export{}, damaged(fmt.Sprintf("the connection name “%s” appears twice", name), "connections[%d]: duplicate name %q", i, name)
		}
		client, ok := clients[fold(strings.TrimSpace(c.Client))]
		if !ok {
			return Export{}, damaged(fmt.Sprintf("the connection “%s” uses the client “%s”, which is not in the file", name, clipName(c.Client)),
				"connections[%d].client %q not among the clients", i, clip(c.Client))
		}
		conns[fold(name)] = true
		out.Connections = append(out.Connections, ExportConnection{Name: name, Client: client})
	}
	return out, nil
}

func clientField(c ExportClient, field string) string {
	switch field {
	case "client_id":
		return fmt.Sprintf("%q", clip(c.ClientID))
	case "auth_url":
		return fmt.Sprintf("%q", clip(c.AuthURL))
	case "token_url":
		return fmt.Sprintf("%q", clip(c.TokenURL))
	case "api_base_url":
		return fmt.Sprintf("%q", clip(c.APIBaseURL))
	case "client_auth":
		return fmt.Sprintf("%q", clip(c.ClientAuth))
	case "redirect_port":
		return fmt.Sprint(c.RedirectPort)
	}
	return ""
}

// fold compares names as the store does: trimmed, without regard to case.
func fold(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// clip shortens a value from the file for a message: a damaged file may hold
// anything, at any length.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// clipName is clip for names shown between quotes: one line.
func clipName(s string) string {
	return clip(strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s))
}
