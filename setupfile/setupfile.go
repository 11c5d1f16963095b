// Package setupfile moves setups between computers: clients and connections
// written to a JSON file on one machine (Export, WriteExport) and read back
// on another (ReadExport, Import). The file never holds a secret or a token.
package setupfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/kantata-connect/kantata-connect/safetext"
	"github.com/kantata-connect/kantata-connect/store"
)

// Secrets and tokens stay in the keychain they were typed into: import asks
// for each client's secret again, and imported connections must be
// authorized again.

const (
	// ExportFormat marks a file as ours, so a foreign JSON file is told apart
	// from a damaged export.
	ExportFormat = "kantata-connect-export"
	// ExportVersion is the file version this build writes and the newest it
	// reads. Adding, renaming or removing a field means a new version: the
	// reader refuses fields it does not know. Version 2 added a client's
	// callback kind; a version 1 file holds loopback clients.
	ExportVersion = 2
	// MaxExportBytes bounds what ReadExport reads. An export of a few hundred
	// clients is well under it; anything larger is not ours.
	MaxExportBytes = 1 << 20
)

// Export is the content of an export file. A client is its settings
// (store.ClientSettings): there is deliberately no field for its secret.
type Export struct {
	Format      string                 `json:"format"`  // ExportFormat
	Version     int                    `json:"version"` // ExportVersion
	ExportedAt  time.Time              `json:"exported_at"`
	Clients     []store.ClientSettings `json:"clients"`
	Connections []ExportConnection     `json:"connections"`
}

// ExportConnection is a connection: its name and its client's name. Its
// status, identity and tokens belong to the machine it was authorized on.
type ExportConnection struct {
	Name   string `json:"name"`
	Client string `json:"client"` // the Name of one of Export.Clients
}

// FromStore returns st's loaded clients and connections, sorted by name,
// stamped with now. Call Store.Reload first to include other windows' latest
// changes.
func FromStore(st *store.Store, now time.Time) Export {
	e := Export{
		Format:      ExportFormat,
		Version:     ExportVersion,
		ExportedAt:  now.UTC().Truncate(time.Second),
		Clients:     []store.ClientSettings{},
		Connections: []ExportConnection{},
	}
	names := map[string]string{} // Client.ID → name
	for _, c := range st.Clients() {
		names[c.ID] = c.Name
		e.Clients = append(e.Clients, c.ClientSettings)
	}
	for _, c := range st.Connections() {
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
	// ProblemEndpoint: a client's endpoint breaks the rule every endpoint
	// follows (store.CheckClient): a look-alike host, an OAuth parameter
	// of its own, plain http to another computer. Not damage an export
	// makes: someone wrote it.
	ProblemEndpoint FileProblem = "endpoint"
)

// ImportFileError is a file ReadExport (or Import) refused. Nothing was
// imported from it.
type ImportFileError struct {
	Problem FileProblem
	Reason  string // ProblemDamaged, ProblemEndpoint: what is wrong, in plain words
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
	case ProblemEndpoint:
		return "This file can't be imported: " + e.Reason + " Nothing was imported. Kantata Connect never exports such an " +
			"address: ask whoever gave you the file where it came from."
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

// wireClient is a client's settings as the file has them, and which of them
// the file left out: every one is required.
type wireClient struct {
	store.ClientSettings
	missing []store.Field
}

// clientFields are the JSON names of store.ClientSettings, read from its
// tags so a new setting needs no edit here.
var clientFields = func() []store.Field {
	t := reflect.TypeFor[store.ClientSettings]()
	fields := make([]store.Field, t.NumField())
	for i := range fields {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		fields[i] = store.Field(name)
	}
	return fields
}()

func (w *wireClient) UnmarshalJSON(b []byte) error {
	var present map[string]json.RawMessage
	if err := json.Unmarshal(b, &present); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w.ClientSettings); err != nil {
		return err
	}
	for _, f := range clientFields {
		if _, ok := present[string(f)]; !ok {
			w.missing = append(w.missing, f)
		}
	}
	return nil
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
		if e.Version < 2 {
			// Before version 2 every client's answer came back to the
			// loopback listener, and the file had no field to say so.
			c.missing = slices.DeleteFunc(c.missing, func(f store.Field) bool { return f == store.FieldCallback })
			if c.Callback == "" {
				c.Callback = store.CallbackLoopback
			}
		}
		if len(c.missing) > 0 {
			label := fmt.Sprintf("client %d", i+1)
			if !slices.Contains(c.missing, store.FieldName) {
				label += " (“" + clipName(c.Name) + "”)"
			}
			return Export{}, damaged(fmt.Sprintf("%s has no %s", label, c.missing[0].Words()), "clients[%d]: missing field %s", i, c.missing[0])
		}
		e.Clients = append(e.Clients, c.ClientSettings)
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

// normalized checks e as ReadExport does and returns it with names and
// values trimmed. Import runs it too, for an Export built in code.
func (e Export) normalized() (Export, error) {
	if err := e.checkHeader(); err != nil {
		return Export{}, err
	}
	out := Export{Format: e.Format, Version: e.Version, ExportedAt: e.ExportedAt,
		Clients: make([]store.ClientSettings, 0, len(e.Clients)), Connections: make([]ExportConnection, 0, len(e.Connections))}
	clients := map[string]string{} // store.NameKey → name
	for i, c := range e.Clients {
		sc, err := normalizedClient(i, c, clients)
		if err != nil {
			return Export{}, err
		}
		clients[store.NameKey(sc.Name)] = sc.Name
		out.Clients = append(out.Clients, sc)
	}
	conns := map[string]bool{}
	for i, c := range e.Connections {
		nc, err := normalizedConnection(i, c, clients, conns)
		if err != nil {
			return Export{}, err
		}
		conns[store.NameKey(nc.Name)] = true
		out.Connections = append(out.Connections, nc)
	}
	return out, nil
}

// checkHeader refuses a file that is not an export, is newer than this
// build reads, or has no valid version.
func (e Export) checkHeader() error {
	if e.Format != ExportFormat {
		return &ImportFileError{Problem: ProblemNotExport, Detail: fmt.Sprintf("format is %q, want %q", clip(e.Format), ExportFormat)}
	}
	if e.Version > ExportVersion {
		return &ImportFileError{Problem: ProblemNewer, Detail: fmt.Sprintf("file version %d, this build reads up to %d", e.Version, ExportVersion)}
	}
	if e.Version < 1 {
		return damaged("its version number is not valid", "version %d", e.Version)
	}
	return nil
}

// normalizedClient is the file's client i checked by the store's rule set
// and normalized; clients holds the names of those before it.
func normalizedClient(i int, c store.ClientSettings, clients map[string]string) (store.ClientSettings, error) {
	label := fmt.Sprintf("client %d (“%s”)", i+1, clipName(c.Name))
	name, err := store.NormalizeName(c.Name)
	if err != nil {
		return c, damaged(label+" has a name that is not allowed", "clients[%d].name: %v", i, err)
	}
	label = fmt.Sprintf("client %d (“%s”)", i+1, name)
	if _, dup := clients[store.NameKey(name)]; dup {
		return c, damaged(fmt.Sprintf("the client name “%s” appears twice", name), "clients[%d]: duplicate name %q", i, name)
	}
	if err := checkNoneEmpty(i, label, c); err != nil {
		return c, err
	}
	sc, err := store.NormalizeClient(c)
	if err != nil {
		field := store.Field("settings")
		var v *store.ValidationError
		if errors.As(err, &v) {
			field = v.Field
		}
		detail := fmt.Sprintf("clients[%d].%s %s: %v", i, field, fieldValue(c, field), err)
		if field == store.FieldAuthURL || field == store.FieldTokenURL || field == store.FieldAPIBaseURL {
			return c, &ImportFileError{Problem: ProblemEndpoint, Reason: fmt.Sprintf("in %s, %s", label, lowerFirst(v.Message)), Detail: detail}
		}
		return c, damaged(fmt.Sprintf("%s has an invalid %s", label, field.Words()), "%s", detail)
	}
	return sc, nil
}

// checkNoneEmpty refuses a client setting that is present but empty: it
// would silently become Kantata's default, and in a file that is damage,
// not a choice.
func checkNoneEmpty(i int, label string, c store.ClientSettings) error {
	for _, f := range []struct {
		field store.Field
		empty bool
	}{
		{store.FieldClientID, strings.TrimSpace(c.ClientID) == ""},
		{store.FieldAuthURL, strings.TrimSpace(c.AuthURL) == ""},
		{store.FieldTokenURL, strings.TrimSpace(c.TokenURL) == ""},
		{store.FieldAPIBaseURL, strings.TrimSpace(c.APIBaseURL) == ""},
		{store.FieldClientAuth, strings.TrimSpace(c.ClientAuth) == ""},
		{store.FieldCallback, strings.TrimSpace(c.Callback) == ""},
		{store.FieldRedirectPort, c.RedirectPort == 0},
	} {
		if f.empty {
			what := "an empty " + f.field.Words()
			if f.field == store.FieldRedirectPort {
				what = "no " + f.field.Words()
			}
			return damaged(fmt.Sprintf("%s has %s", label, what), "clients[%d].%s is empty", i, f.field)
		}
	}
	return nil
}

// normalizedConnection is the file's connection i with its name checked
// and its client named as the file's clients spell it; conns holds the
// names of those before it.
func normalizedConnection(i int, c ExportConnection, clients map[string]string, conns map[string]bool) (ExportConnection, error) {
	name, err := store.NormalizeName(c.Name)
	if err != nil {
		return c, damaged(fmt.Sprintf("connection %d (“%s”) has a name that is not allowed", i+1, clipName(c.Name)), "connections[%d].name: %v", i, err)
	}
	if conns[store.NameKey(name)] {
		return c, damaged(fmt.Sprintf("the connection name “%s” appears twice", name), "connections[%d]: duplicate name %q", i, name)
	}
	client, ok := clients[store.NameKey(c.Client)]
	if !ok {
		return c, damaged(fmt.Sprintf("the connection “%s” uses the client “%s”, which is not in the file", name, clipName(c.Client)),
			"connections[%d].client %q not among the clients", i, clip(c.Client))
	}
	return ExportConnection{Name: name, Client: client}, nil
}

// fieldValue is field's value in c as the file spells it, for the detail.
func fieldValue(c store.ClientSettings, field store.Field) string {
	b, _ := json.Marshal(c) // plain strings, ints and bools: it can't fail
	var values map[string]json.RawMessage
	_ = json.Unmarshal(b, &values)
	return clip(string(values[string(field)]))
}

// lowerFirst lets a sentence of the rule set follow "in client 1, ".
func lowerFirst(s string) string {
	if strings.HasPrefix(s, "The ") {
		return "the " + s[len("The "):]
	}
	return s
}

// clip shortens a value from the file for a message: a damaged file may
// hold anything, at any length.
func clip(s string) string { return safetext.Cut(s, 80) }

// clipName is clip for names shown between quotes: one line, and safe to
// show (safetext.Clean), since a damaged file may hold any character.
func clipName(s string) string {
	return clip(safetext.Clean(s))
}
