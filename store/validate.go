package store

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/endpoint"
	"github.com/kantata-connect/kantata-connect/safetext"
)

// The one rule set for what users type: names, a client's settings and its
// secret. The store applies it on every save; the window and the command
// line call it to check input early (before asking for a secret, beside the
// field that is wrong) and import checks files with it. No other copy of a
// rule exists.

// MaxNameRunes is the longest name allowed.
const MaxNameRunes = 100

// MaxClientIDRunes is the longest client ID allowed. Kantata's are far
// shorter; anything longer is a paste of something else.
const MaxClientIDRunes = 200

// Field names a setting, as records.json, setup files and ValidationError
// spell it.
type Field string

const (
	FieldName         Field = "name"
	FieldClientID     Field = "client_id"
	FieldAuthURL      Field = "auth_url"
	FieldTokenURL     Field = "token_url"
	FieldAPIBaseURL   Field = "api_base_url"
	FieldClientAuth   Field = "client_auth"
	FieldPKCE         Field = "pkce"
	FieldCallback     Field = "callback"
	FieldRedirectPort Field = "redirect_port"
	FieldSecret       Field = "client_secret"
	FieldClient       Field = "client"       // a connection's client
	FieldAccessToken  Field = "access_token" // what Kantata sent
)

// Words names the field as the client dialog labels it, for messages.
func (f Field) Words() string {
	switch f {
	case FieldClientID:
		return "client ID"
	case FieldAuthURL:
		return "authorization URL"
	case FieldTokenURL:
		return "access token URL"
	case FieldAPIBaseURL:
		return "API base URL"
	case FieldClientAuth:
		return "client authentication setting"
	case FieldPKCE:
		return "PKCE setting"
	case FieldCallback:
		return "callback kind"
	case FieldRedirectPort:
		return "callback port"
	case FieldSecret:
		return "client secret"
	case FieldClient:
		return "OAuth 2.0 client"
	}
	return strings.ReplaceAll(string(f), "_", " ")
}

// NormalizeName trims a client or connection name and applies the naming
// rules (not empty, no line breaks, control characters, bidi controls or
// zero-width characters, at most MaxNameRunes), without looking for a clash
// with saved names.
func NormalizeName(raw string) (string, error) {
	return checkName("", raw, func(string) bool { return false })
}

// checkName applies the rules every name follows; kind is "client" or
// "connection", taken reports whether another record already uses the name.
func checkName(kind, raw string, taken func(name string) bool) (string, error) {
	name := strings.TrimSpace(raw)
	if name == "" {
		return "", &ValidationError{Field: FieldName, Message: "Enter a name."}
	}
	if err := checkShown(FieldName, "Names", name); err != nil {
		return "", err
	}
	if utf8.RuneCountInString(name) > MaxNameRunes {
		return "", &ValidationError{Field: FieldName, Message: fmt.Sprintf("Names can be at most %d characters.", MaxNameRunes)}
	}
	if taken(name) {
		return "", &ValidationError{Field: FieldName, Message: fmt.Sprintf("A %s named “%s” already exists. Choose another name.", kind, name)}
	}
	return name, nil
}

// SameName reports whether two names are the same for uniqueness: trimmed,
// and without regard to case (Unicode simple folding, as strings.EqualFold).
// Every comparison of names goes through it or NameKey.
func SameName(a, b string) bool { return NameKey(a) == NameKey(b) }

// NameKey is a name's key for uniqueness: two names have the same key exactly
// when SameName reports them the same. Each rune becomes the smallest rune of
// its case-folding orbit, so "Aς", "AΣ" and "aσ" share one key.
func NameKey(name string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, strings.TrimSpace(name))
}

// CheckClient applies the rules to every setting of c and returns it
// normalized — fields trimmed, client authentication in lower case, Kantata's
// endpoints and port where they are empty or zero — with one problem per
// field that breaks a rule, in the client dialog's order. The name is not
// compared with saved names (Store.CheckClient does that).
func CheckClient(c ClientSettings) (ClientSettings, []*ValidationError) {
	var problems []*ValidationError
	add := func(err error) {
		if v, ok := err.(*ValidationError); ok {
			problems = append(problems, v)
		}
	}
	name, err := NormalizeName(c.Name)
	add(err)
	c.Name = name
	c.ClientID = strings.TrimSpace(c.ClientID)
	c.AuthURL = strings.TrimSpace(c.AuthURL)
	c.TokenURL = strings.TrimSpace(c.TokenURL)
	c.APIBaseURL = strings.TrimSpace(c.APIBaseURL)
	c.ClientAuth = strings.ToLower(strings.TrimSpace(c.ClientAuth))
	c.Callback = strings.ToLower(strings.TrimSpace(c.Callback))
	def := DefaultClientSettings()
	for _, f := range []struct{ value, def *string }{
		{&c.AuthURL, &def.AuthURL}, {&c.TokenURL, &def.TokenURL}, {&c.APIBaseURL, &def.APIBaseURL}, {&c.ClientAuth, &def.ClientAuth},
		{&c.Callback, &def.Callback},
	} {
		if *f.value == "" {
			*f.value = *f.def
		}
	}
	if c.RedirectPort == 0 {
		c.RedirectPort = def.RedirectPort
	}

	add(checkClientID(c.ClientID))
	for _, u := range []struct {
		field Field
		value string
	}{{FieldAuthURL, c.AuthURL}, {FieldTokenURL, c.TokenURL}, {FieldAPIBaseURL, c.APIBaseURL}} {
		if err := endpoint.Check(u.value); err != nil {
			add(&ValidationError{Field: u.field, Message: fmt.Sprintf("The %s %v.", u.field.Words(), err)})
		}
	}
	if !endpoint.ClientAuth(c.ClientAuth).Valid() {
		add(&ValidationError{Field: FieldClientAuth, Message: "Send the client secret in the request body (body) or a basic-auth header (basic)."})
	}
	add(checkCallback(c))
	add(checkPort(c.RedirectPort))
	return c, problems
}

// checkCallback: a known kind; a code Kantata shows comes back without the
// state, so only PKCE binds it to the sign-in.
func checkCallback(c ClientSettings) error {
	switch {
	case !endpoint.Callback(c.Callback).Valid():
		return &ValidationError{Field: FieldCallback, Message: "Choose how Kantata's answer comes back: to this app (loopback), as a code Kantata shows (code) or through the app's own link (app-link)."}
	case c.Callback == CallbackCode && !c.PKCE:
		return &ValidationError{Field: FieldCallback, Message: "A client whose code Kantata shows needs PKCE: it is what ties the pasted code to this sign-in. Turn PKCE on."}
	}
	return nil
}

// NormalizeClient is CheckClient's normalized settings, or its first problem.
func NormalizeClient(c ClientSettings) (ClientSettings, error) {
	c, problems := CheckClient(c)
	if len(problems) > 0 {
		return ClientSettings{}, problems[0]
	}
	return c, nil
}

// checkShown refuses text that is shown as it is typed (names, client
// IDs) where safetext.Clean would change it: two names that look the same
// must be the same name. An invisible character is named, since the user
// can't see it; what names it is "Names" or "A client ID".
func checkShown(field Field, what, s string) error {
	i := safetext.Find(s)
	if i < 0 {
		return nil
	}
	if r, _ := utf8.DecodeRuneInString(s[i:]); safetext.IsInvisible(r) {
		return &ValidationError{Field: field, Message: fmt.Sprintf("%s can't contain the invisible character %s.", what, safetext.Describe(r))}
	}
	return &ValidationError{Field: field, Message: what + " can't contain line breaks or control characters."}
}

func checkClientID(id string) error {
	switch {
	case id == "":
		return &ValidationError{Field: FieldClientID, Message: "Enter the client ID (the Kantata OX application ID)."}
	case strings.IndexFunc(id, unicode.IsSpace) >= 0:
		return &ValidationError{Field: FieldClientID, Message: "A client ID has no spaces or line breaks: copy only the ID from Kantata."}
	case utf8.RuneCountInString(id) > MaxClientIDRunes:
		return &ValidationError{Field: FieldClientID, Message: fmt.Sprintf("A client ID is at most %d characters: copy only the ID from Kantata.", MaxClientIDRunes)}
	}
	return checkShown(FieldClientID, "A client ID", id)
}

func checkPort(port int) error {
	if err := endpoint.CheckPort(port); err != nil {
		return &ValidationError{Field: FieldRedirectPort, Message: fmt.Sprintf("The %s %v.", FieldRedirectPort.Words(), err)}
	}
	return nil
}

// ParsePort reads a callback port typed as text, with the port rule's message
// when it is not one.
func ParsePort(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, checkPort(-1)
	}
	return n, checkPort(n)
}

// NormalizeSecret is a client secret as it is kept: without the spaces,
// tabs and line breaks a paste so often brings along. Kantata's secrets
// hold none of their own, and one kept with them is refused at sign-in.
func NormalizeSecret(secret string) string { return strings.TrimSpace(secret) }

// CheckSecret reports a client secret SaveClient would refuse: empty, or too
// long for every platform's keychain.
func CheckSecret(secret string) error {
	secret = NormalizeSecret(secret)
	if secret == "" {
		return ErrSecretRequired
	}
	return CheckSecretSize(ClientSecretKey("new"), secret)
}

func checkClientName(r *records, raw, exceptID string) (string, error) {
	return checkName("client", raw, func(name string) bool {
		for _, c := range r.Clients {
			if c.ID != exceptID && SameName(c.Name, name) {
				return true
			}
		}
		return false
	})
}

func checkConnectionName(r *records, raw, exceptID string) (string, error) {
	return checkName("connection", raw, func(name string) bool {
		for _, c := range r.Connections {
			if c.ID != exceptID && SameName(c.Name, name) {
				return true
			}
		}
		return false
	})
}

// checkClientSettings is CheckClient with the name also checked against the
// saved clients other than exceptID.
func checkClientSettings(r *records, c ClientSettings, exceptID string) (ClientSettings, error) {
	c, err := NormalizeClient(c)
	if err != nil {
		return c, err
	}
	if _, err := checkClientName(r, c.Name, exceptID); err != nil {
		return c, err
	}
	return c, nil
}

func checkClientRef(r *records, ref string) error {
	if ref == "" {
		return &ValidationError{Field: FieldClient, Message: "Choose an OAuth 2.0 client."}
	}
	if r.clientIndex(ref) < 0 {
		return &ValidationError{Field: FieldClient, Message: "The chosen OAuth 2.0 client no longer exists. Choose another one."}
	}
	return nil
}
