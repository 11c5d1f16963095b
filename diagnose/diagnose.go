// Package diagnose builds the secret-free diagnostics report about one
// connection that support staff read or pass on (Copy diagnostics in the
// window, diagnose NAME on the command line).
package diagnose

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/connect"
	"github.com/kantata-connect/kantata-connect/linkhandler"
	"github.com/kantata-connect/kantata-connect/oauth"
	"github.com/kantata-connect/kantata-connect/outbound"
	"github.com/kantata-connect/kantata-connect/safetext"
	"github.com/kantata-connect/kantata-connect/store"
)

// Options tune a diagnostics report.
type Options struct {
	// Version is the app's version and build, e.g. "0.1.0 (build 1)".
	Version string
	// Renderer is the OpenGL that draws the window (from the window's
	// start-up check), e.g. "softpipe, OpenGL 3.3 (...)"; "" from the
	// command line, which draws none.
	Renderer string
	// Now is when the report is made; zero means time.Now().
	Now time.Time
	// Proxies chooses the way out to each Kantata host, as the requests
	// do; nil means the one they use (outbound.Shared).
	Proxies *outbound.Resolver
}

// Report builds a plain-text report about one connection for support
// staff to read or pass on: the app and OS, which keychain answered and how
// fast, the client's settings, the connection's status, identity and last
// error, how many projects its user saw when last counted, and the timings
// of its last sign-in and test. It asks Kantata nothing and changes nothing,
// so it works on read-only records too.
//
// The report never holds a secret, a code or a token: it shows only
// settings and outcomes, and as a last guard every stretch of 8 or more
// characters that also occurs in the client secret or the tokens is
// replaced by "[redacted]" before it is returned. Nor does it hold an escape
// sequence, a bidi control or a zero-width character (safetext.Lines).
//
// It reads the keychain (bounded by the keychain's own timeout), so call it
// off a UI thread. The error is for an unknown connection or a canceled ctx.
func Report(ctx context.Context, st *store.Store, connectionID string, opts Options) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("diagnose: %w", err)
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	conn, ok := st.Connection(connectionID)
	if !ok {
		return "", &store.NotFoundError{Kind: "connection", ID: connectionID}
	}
	client, haveClient := st.Client(conn.ClientRef)

	var r report
	r.line("Kantata Connect diagnostics")
	r.line("Created:  %s", stamp(opts.Now))
	r.line("This report holds no client secret, sign-in code or token.")
	r.app(st, opts)
	secrets := r.keychain(ctx, st, conn, client, haveClient)
	r.client(conn, client, haveClient)
	r.network(ctx, opts.Proxies, client, haveClient)
	r.connection(conn)
	r.timings(conn)

	// Safe to show and to paste into a terminal, line by line (records
	// written before text was made safe where it enters may hold escape
	// sequences). Redacted first, so cleaning can't break a secret apart.
	return safetext.Lines(redactSecrets(r.String(), secrets)), nil
}

// app: the version, the build, the OS (on Linux the distribution and the
// desktop) and the records file, read-only or not.
func (r *report) app(st *store.Store, opts Options) {
	r.section("App")
	r.field("Version", Version(opts.Version))
	r.field("Built with", runtime.Version())
	r.field("OS", runtime.GOOS+"/"+runtime.GOARCH)
	if opts.Renderer != "" {
		r.field("Window drawn by", opts.Renderer)
	}
	if runtime.GOOS == "linux" {
		r.field("Distribution", orUnknown(prettyName()))
		r.field("Desktop", orNotSet(os.Getenv("XDG_CURRENT_DESKTOP")))
		r.field("Session type", orNotSet(os.Getenv("XDG_SESSION_TYPE")))
		if d := os.Getenv("WSL_DISTRO_NAME"); d != "" {
			r.field("WSL", d)
		}
	}
	r.field("Records file", recordsText(st))
}

// recordsText is the records file's path, and why it is read-only if it is.
func recordsText(st *store.Store) string {
	records := st.Path()
	var unreadable *store.UnreadableError
	switch why := st.ReadOnlyReason(); {
	case errors.As(why, &unreadable):
		cause := unreadable.Err.Error()
		var pe *fs.PathError
		if errors.As(unreadable.Err, &pe) {
			cause = pe.Op + ": " + pe.Err.Error() // the path is already shown
		}
		records += " (read-only: it can't be read: " + cause + ")"
	case why != nil:
		records += " (read-only: written by a newer version of the app)"
	}
	return records
}

// keychain: which keychain answered, how fast the client secret came, and
// whether the tokens are there. It returns what it read, to scrub the
// report with; none of it is shown.
func (r *report) keychain(ctx context.Context, st *store.Store, conn store.Connection, client store.Client, haveClient bool) []string {
	var secrets []string
	r.section("Keychain")
	r.field("Backend", keychainBackend())
	if haveClient {
		if secret, ok := r.secretRead(ctx, st, client); ok {
			secrets = append(secrets, secret)
		}
	} else {
		r.field("Client secret read", "not tried: the connection's client is missing")
	}
	tok, err := st.Token(conn.ID)
	switch {
	case err == nil:
		secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
		refresh := "none (Kantata sends none)"
		if tok.RefreshToken != "" {
			refresh = "present"
		}
		r.field("Access token", "present")
		r.field("Refresh token", refresh)
	case errors.Is(err, store.ErrNotFound):
		r.field("Access token", "none in the keychain")
	default:
		r.field("Access token", "error: "+keychainErrorKind(err))
		r.detail(keychainDetail(err))
	}
	return secrets
}

// secretRead times the read the sign-in itself starts with; the value is
// kept only to scrub the report, never shown.
func (r *report) secretRead(ctx context.Context, st *store.Store, client store.Client) (string, bool) {
	start := time.Now()
	secret, err := st.ClientSecret(client.ID)
	took := time.Since(start)
	if err != nil {
		r.field("Client secret read", fmt.Sprintf("error: %s, after %s", keychainErrorKind(err), millis(took)))
		r.detail(keychainDetail(err))
		return "", false
	}
	r.field("Client secret read", "ok in "+millis(took))
	// Only the system keychain's success means go-keyring's bus
	// connection is open; with any other keychain (the tests'
	// in-memory one) asking the bus could start a D-Bus daemon.
	if st.UsesSystemKeychain() {
		if p := secretServiceProvider(ctx); p != "" {
			r.field("Answered by", p)
		}
	}
	return secret, true
}

// client: the client's settings, or that it is missing.
func (r *report) client(conn store.Connection, client store.Client, haveClient bool) {
	if !haveClient {
		r.section("OAuth 2.0 client")
		r.field("Missing", fmt.Sprintf("the connection uses client ID %q, which is not in the records", conn.ClientRef))
		return
	}
	r.section(fmt.Sprintf("OAuth 2.0 client “%s”", client.Name))
	r.field("Client ID", client.ClientID)
	r.field("Authorization URL", client.AuthURL)
	r.field("Access token URL", client.TokenURL)
	r.field("API base URL", client.APIBaseURL)
	r.field("Kantata's answer", callbackText(client.Callback))
	r.field("Callback URL", client.RedirectURI())
	if client.Callback == store.CallbackAppLink {
		r.field("App link handler", linkhandler.Describe())
	}
	r.field("Client authentication", clientAuthText(client.ClientAuth))
	pkce := "off"
	if client.PKCE {
		pkce = "on (S256)"
	}
	r.field("PKCE", pkce)
	if dep := client.Departures(); dep.Any() {
		r.field("Departs from Kantata", dep.String())
	}
}

// connection: the status, the Kantata user and projects, and the last error.
func (r *report) connection(conn store.Connection) {
	r.section(fmt.Sprintf("Connection “%s”", conn.Name))
	status := connect.StatusText(conn)
	if conn.Status == store.StatusFailed {
		status = "Failed" // the reason follows as the last error
	}
	r.field("Status", fmt.Sprintf("%s (%s)", status, conn.Status))
	if conn.Identity != nil {
		r.field("Kantata user", fmt.Sprintf("%s (user ID %s)", orUnknown(connect.IdentityText(conn)), orUnknown(conn.Identity.UserID)))
	} else {
		r.field("Kantata user", "unknown")
	}
	r.projects(conn.Projects)
	r.field("Last authorized", stampOrNever(conn.LastAuthorizedAt))
	r.field("Last tested", stampOrNever(conn.LastTestedAt))
	if conn.LastError == "" {
		r.field("Last error", "none")
		return
	}
	r.field("Last error", conn.LastError)
	if conn.LastErrorDetail != "" && conn.LastErrorDetail != conn.LastError {
		r.field("Technical detail", "")
		r.detail(conn.LastErrorDetail)
	}
}

// timings: how long the last sign-in's steps and the last test took.
func (r *report) timings(conn store.Connection) {
	r.section("Timings")
	if t := conn.LastSignInTimings; t != nil {
		r.field("Last sign-in", stamp(t.At))
		r.field("  Browser wait", stepTime(t.BrowserWait))
		r.field("  Token exchange", stepTime(t.TokenExchange))
		r.field("  Identity check", stepTime(t.IdentityCheck))
	} else {
		r.field("Last sign-in", "none recorded")
	}
	// "Last tested" above is the one source: a sign-in's check of the user
	// is a test too, and its timing is the sign-in's.
	switch t, at := conn.LastTestTimings, conn.LastTestedAt; {
	case at == nil:
		r.field("Last test", "none recorded")
	case t != nil && t.At.Equal(*at):
		r.field("Last test", stamp(t.At))
		r.field("  Identity check", stepTime(t.IdentityCheck))
	case conn.LastSignInTimings != nil && conn.LastAuthorizedAt != nil && conn.LastAuthorizedAt.Equal(*at):
		r.field("Last test", stamp(*at)+" (the sign-in's identity check, above)")
	default:
		r.field("Last test", stamp(*at)+" (timings not recorded)")
	}
}

// report is the text being built: sections of "Label: value" lines.
type report struct{ strings.Builder }

// network says how the client's Kantata hosts are reached: the proxy used
// for each and where it came from (the environment, the system settings, a
// PAC script, none), the proxy variables set and the system's settings.
// Never a proxy's user name or password. A PAC script is run here as for a
// request, so this may take a few seconds; Kantata is not asked anything.
func (r *report) network(ctx context.Context, proxies *outbound.Resolver, client store.Client, haveClient bool) {
	if proxies == nil {
		proxies = outbound.Shared().Resolver()
	}
	r.section("Network")
	env := proxies.Environment()
	if len(env) == 0 {
		r.field("Proxy variables", "none set")
	} else {
		r.field("Proxy variables", strings.Join(env, "; "))
	}
	r.field("System proxy settings", proxies.Settings(ctx).Summary())
	if !haveClient {
		return
	}
	seen := map[string]bool{}
	for _, endpoint := range []string{client.AuthURL, client.TokenURL, client.APIBaseURL} {
		u, err := url.Parse(endpoint)
		if err != nil || u.Host == "" || seen[u.Scheme+"://"+u.Host] {
			continue
		}
		seen[u.Scheme+"://"+u.Host] = true
		route, err := proxies.Route(ctx, u)
		text := route.String()
		if err != nil {
			text = err.Error()
		}
		r.field("Proxy for "+u.Host, text)
	}
}

// projects says how many projects the user saw when last counted and when
// that was, or why they could not be counted, with the detail.
func (r *report) projects(p *store.ProjectCount) {
	const label = "Projects visible"
	switch {
	case p == nil:
		r.field(label, "not counted yet")
	case p.Visible != nil:
		r.field(label, fmt.Sprintf("%d (counted %s, in %s)", *p.Visible, stamp(p.At), millis(p.Took)))
	default:
		r.field(label, fmt.Sprintf("couldn't count (%s, after %s): %s", stamp(p.At), millis(p.Took), p.Error))
		if p.ErrorDetail != "" && p.ErrorDetail != p.Error {
			r.detail(p.ErrorDetail)
		}
	}
}

const labelWidth = 24

func (r *report) line(format string, a ...any) {
	fmt.Fprintf(r, format+"\n", a...)
}

func (r *report) section(title string) {
	r.WriteString("\n" + title + "\n")
}

func (r *report) field(label, value string) {
	if value == "" {
		r.line("  %s:", label)
		return
	}
	r.line("  %-*s %s", labelWidth, label+":", oneLine(value))
}

// detail is technical text, kept line by line and indented under a field.
func (r *report) detail(text string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		r.line("      %s", strings.TrimRight(l, "\r"))
	}
}

// oneLine keeps a value (a name, a URL) on its line.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func stampOrNever(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return stamp(*t)
}

// millis is d in milliseconds, as support staff compare them.
func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return fmt.Sprintf("%.1f ms", ms)
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.0f ms (%.1f s)", ms, d.Seconds())
}

// stepTime is a step's duration, or why there is none.
func stepTime(d time.Duration) string {
	if d <= 0 {
		return "not reached"
	}
	return millis(d)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func orNotSet(s string) string {
	if s == "" {
		return "(not set)"
	}
	return s
}

// callbackText says how Kantata's answer comes back, in the window's words.
func callbackText(kind string) string {
	switch kind {
	case store.CallbackCode:
		return "Kantata shows a code, pasted into the app (code)"
	case store.CallbackAppLink:
		return "through the app's own link, " + oauth.AppLinkRedirectURI + ", which the system hands to the app (app-link)"
	}
	return "back to this app on the loopback callback URL (loopback)"
}

func clientAuthText(method string) string {
	switch method {
	case store.ClientAuthBasic:
		return "basic auth header (client_secret_basic)"
	case store.ClientAuthBody, "":
		return "request body (client_secret_post)"
	}
	return method
}

// prettyName is PRETTY_NAME from os-release, the distribution's own name
// for itself, or "".
func prettyName() string {
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "PRETTY_NAME="); ok {
				return strings.Trim(strings.TrimSpace(v), `"'`)
			}
		}
		return ""
	}
	return ""
}

// keychainBackend names the keychain go-keyring uses on this OS.
func keychainBackend() string {
	switch runtime.GOOS {
	case "darwin":
		return "macOS Keychain"
	case "windows":
		return "Windows Credential Manager"
	}
	return "Secret Service over D-Bus"
}

// keychainErrorKind is a short name for a keychain failure.
func keychainErrorKind(err error) string {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "not found"
	case errors.Is(err, store.ErrNoKeychain):
		return "no keychain available"
	case errors.Is(err, store.ErrKeychainLocked):
		return "locked or access denied"
	case errors.Is(err, store.ErrKeychainTimeout):
		return "timed out"
	}
	return "other"
}

func keychainDetail(err error) string {
	_, detail := connect.Explain(err)
	return detail
}

// minSecretRun is the shortest stretch of a secret the report may not show.
const minSecretRun = 8

// redactSecrets replaces every stretch of text that shares minSecretRun or
// more characters with a secret (also URL-encoded) by "[redacted]". Nothing
// in the report should hold one; this guards against a detail that does.
func redactSecrets(text string, secrets []string) string {
	grams := map[string]bool{}
	for _, s := range secrets {
		for _, v := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if len(v) < minSecretRun {
				// Too short to search for by pieces; no real secret is.
				if len(v) >= 4 {
					text = strings.ReplaceAll(text, v, "[redacted]")
				}
				continue
			}
			for i := 0; i+minSecretRun <= len(v); i++ {
				grams[v[i:i+minSecretRun]] = true
			}
		}
	}
	if len(grams) == 0 {
		return text
	}
	hide := make([]bool, len(text))
	found := false
	for i := 0; i+minSecretRun <= len(text); i++ {
		if grams[text[i:i+minSecretRun]] {
			found = true
			for j := i; j < i+minSecretRun; j++ {
				hide[j] = true
			}
		}
	}
	if !found {
		return text
	}
	// Widen each hidden run to whole runes so the text stays valid UTF-8.
	for i := range hide {
		if hide[i] && !utf8.RuneStart(text[i]) {
			for j := i - 1; j >= 0 && !hide[j]; j-- {
				hide[j] = true
				if utf8.RuneStart(text[j]) {
					break
				}
			}
		}
		if hide[i] && i+1 < len(text) && !hide[i+1] && !utf8.RuneStart(text[i+1]) {
			hide[i+1] = true
		}
	}
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		switch {
		case !hide[i]:
			b.WriteByte(text[i])
		case i == 0 || !hide[i-1]:
			b.WriteString("[redacted]")
		}
	}
	return b.String()
}

// Version is the app's version as the report, the command line and the
// window show it: v, or "(development build)" when the build carries none.
func Version(v string) string {
	if v == "" {
		return "(development build)"
	}
	return v
}
