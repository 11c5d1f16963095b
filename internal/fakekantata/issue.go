package fakekantata

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"
)

// consentInput matches the consent page's hidden inputs.
var consentInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// IssueToken runs the whole authorization-code flow over plain HTTP, as the
// user's browser and the app would (consent form posted, the redirect read
// rather than followed, code exchanged with the secret), and returns a real
// access token. The client must be registered with AddClient for
// redirectURI; nothing needs to listen there. It is much faster than a
// browser, for tests that need an authorized connection, not a sign-in.
func (s *Server) IssueToken(t testing.TB, clientID, secret, redirectURI string) string {
	t.Helper()
	client := &http.Client{
		Timeout:       20 * time.Second, // hang guard
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	q := url.Values{"client_id": {clientID}, "response_type": {"code"}, "redirect_uri": {redirectURI},
		"state": {"issue-token-state-0123456789"}}
	loc, err := s.authorizeOverHTTP(client, s.AuthURL()+"?"+q.Encode())
	if err != nil {
		t.Fatalf("fakekantata: IssueToken: %v", err)
	}
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("fakekantata: IssueToken: redirect %s has no code", loc.Redacted())
	}

	resp, err := client.PostForm(s.TokenURL(), url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
		"client_id": {clientID}, "client_secret": {secret},
	})
	if err != nil {
		t.Fatalf("fakekantata: IssueToken: POST token: %v", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	// The body is not shown on failure: it could hold a token.
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("fakekantata: IssueToken: token exchange: HTTP %d, decode err %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// AuthorizeOverHTTP clicks Authorize for the sign-in address authURL over
// plain HTTP, as a user's browser would (consent form posted), and returns
// the callback address Kantata redirects to, with its code and state,
// without following it. A test delivers it to the app (an HTTP GET, or
// pasted) when it needs a sign-in but not a browser.
func (s *Server) AuthorizeOverHTTP(authURL string) (*url.URL, error) {
	client := &http.Client{
		Timeout:       20 * time.Second, // hang guard
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s.authorizeOverHTTP(client, authURL)
}

// ShownCode clicks Authorize for a sign-in whose redirect URI is the
// out-of-band one, over plain HTTP, and reads the code the native page
// shows, as a user reads it off the screen. It returns that page's address
// and the code.
func (s *Server) ShownCode(authURL string) (pageURL, code string, err error) {
	loc, err := s.AuthorizeOverHTTP(authURL)
	if err != nil {
		return "", "", err
	}
	page := s.URL + loc.RequestURI()
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Get(page)
	if err != nil {
		return "", "", fmt.Errorf("GET the code page: %w", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := shownCode.FindStringSubmatch(string(body))
	if resp.StatusCode != http.StatusOK || m == nil {
		return "", "", fmt.Errorf("the code page (HTTP %d) shows no code: %s", resp.StatusCode, body)
	}
	return page, html.UnescapeString(m[1]), nil
}

var shownCode = regexp.MustCompile(`<code id="authorization_code">([^<]+)</code>`)

func (s *Server) authorizeOverHTTP(client *http.Client, authURL string) (*url.URL, error) {
	resp, err := client.Get(authURL)
	if err != nil {
		return nil, fmt.Errorf("GET authorize: %w", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("authorize page: HTTP %d: %s", resp.StatusCode, page)
	}
	form := url.Values{}
	for _, m := range consentInput.FindAllStringSubmatch(string(page), -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	form.Set("decision", "authorize")
	resp, err = client.PostForm(s.AuthURL(), form)
	if err != nil {
		return nil, fmt.Errorf("POST authorize: %w", err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return nil, fmt.Errorf("authorize answered HTTP %d without a redirect: %w", resp.StatusCode, err)
	}
	return loc, nil
}
