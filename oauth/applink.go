package oauth

import (
	"net/url"
	"strings"
)

// The two forms an address of the app's own link arrives in: as Kantata
// sends it (AppLinkRedirectURI) and as some handlers pass it on, normalized
// to an authority and a slash ("com.kantataconnect.desktop://callback/").
const (
	appLinkPath       = CallbackPath
	appLinkNormalized = "//callback/"
)

// IsAppLink reports whether s is an address of the app's own link: its
// scheme (in any case) followed by exactly /callback or //callback/, then
// nothing or a query. Nothing looser: no other host, path, user name, port
// or fragment.
func IsAppLink(s string) bool {
	_, ok := appLinkQuery(s)
	return ok
}

// appLinkQuery returns the raw query of an app-link address, and whether s
// is one.
func appLinkQuery(s string) (string, bool) {
	scheme, rest, found := strings.Cut(s, ":")
	if !found || !strings.EqualFold(scheme, AppLinkScheme) || strings.Contains(rest, "#") {
		return "", false
	}
	for _, p := range []string{appLinkPath, appLinkNormalized} {
		if tail, ok := strings.CutPrefix(rest, p); ok && (tail == "" || tail[0] == '?') {
			return strings.TrimPrefix(tail, "?"), true
		}
	}
	return "", false
}

// parseAppLink checks that pasted (or handed over) is an address of the
// app's own link carrying a state with a code or an error, and returns its
// query.
func (f *Flow) parseAppLink(pasted string) (url.Values, error) {
	s := strings.Trim(strings.TrimSpace(pasted), `"'<>`)
	raw, ok := appLinkQuery(s)
	if !ok {
		return nil, notCallbackError(f.redirectURI, "not an address of the app's own link")
	}
	q, err := url.ParseQuery(raw)
	if err != nil || !q.Has("state") || q.Get("code") == "" && q.Get("error") == "" {
		return nil, notCallbackError(f.redirectURI, "no state with a code or error in its query")
	}
	return q, nil
}
