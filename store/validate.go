package store

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/kantata"
)

// MaxNameRunes is the longest name allowed.
const MaxNameRunes = 100

// checkName applies the rules every name follows; kind is "client" or
// "connection", taken reports whether another record already uses the name.
func checkName(kind, raw string, taken func(name string) bool) (string, error) {
	name := strings.TrimSpace(raw)
	if name == "" {
		return "", &ValidationError{Field: "name", Message: "Enter a name."}
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, func(r rune) bool {
		return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	}) >= 0 {
		return "", &ValidationError{Field: "name", Message: "Names can't contain line breaks or control characters."}
	}
	if utf8.RuneCountInString(name) > MaxNameRunes {
		return "", &ValidationError{Field: "name", Message: fmt.Sprintf("Names can be at most %d characters.", MaxNameRunes)}
	}
	if taken(name) {
		return "", &ValidationError{Field: "name", Message: fmt.Sprintf("A %s named “%s” already exists. Choose another name.", kind, name)}
	}
	return name, nil
}

func checkClientName(r *records, raw, exceptID string) (string, error) {
	return checkName("client", raw, func(name string) bool {
		for _, c := range r.Clients {
			if c.ID != exceptID && strings.EqualFold(c.Name, name) {
				return true
			}
		}
		return false
	})
}

func checkConnectionName(r *records, raw, exceptID string) (string, error) {
	return checkName("connection", raw, func(name string) bool {
		for _, c := range r.Connections {
			if c.ID != exceptID && strings.EqualFold(c.Name, name) {
				return true
			}
		}
		return false
	})
}

func checkClientRef(r *records, ref string) error {
	if ref == "" {
		return &ValidationError{Field: "client", Message: "Choose an OAuth 2.0 client."}
	}
	if r.clientIndex(ref) < 0 {
		return &ValidationError{Field: "client", Message: "The chosen OAuth 2.0 client no longer exists. Choose another one."}
	}
	return nil
}

// normalizeClient trims c's fields, fills empty endpoints with Kantata's and
// checks every field.
func normalizeClient(r *records, c *Client) error {
	name, err := checkClientName(r, c.Name, c.ID)
	if err != nil {
		return err
	}
	c.Name = name
	c.ClientID = strings.TrimSpace(c.ClientID)
	c.AuthURL = strings.TrimSpace(c.AuthURL)
	c.TokenURL = strings.TrimSpace(c.TokenURL)
	c.APIBaseURL = strings.TrimSpace(c.APIBaseURL)
	c.ClientAuth = strings.ToLower(strings.TrimSpace(c.ClientAuth))
	def := NewClient()
	if c.AuthURL == "" {
		c.AuthURL = def.AuthURL
	}
	if c.TokenURL == "" {
		c.TokenURL = def.TokenURL
	}
	if c.APIBaseURL == "" {
		c.APIBaseURL = def.APIBaseURL
	}
	if c.ClientAuth == "" {
		c.ClientAuth = def.ClientAuth
	}
	if c.RedirectPort == 0 {
		c.RedirectPort = kantata.DefaultRedirectPort
	}

	if c.ClientID == "" {
		return &ValidationError{Field: "client_id", Message: "Enter the client ID."}
	}
	if strings.IndexFunc(c.ClientID, unicode.IsControl) >= 0 || strings.ContainsAny(c.ClientID, " \t") {
		return &ValidationError{Field: "client_id", Message: "The client ID can't contain spaces, line breaks or control characters. Check that you pasted only the ID."}
	}
	for _, u := range []struct{ field, label, value string }{
		{"auth_url", "authorization URL", c.AuthURL},
		{"token_url", "token URL", c.TokenURL},
		{"api_base_url", "API base URL", c.APIBaseURL},
	} {
		if !isWebURL(u.value) {
			return &ValidationError{Field: u.field, Message: fmt.Sprintf("The %s must be a full web address starting with https:// (or http://).", u.label)}
		}
	}
	if c.RedirectPort < 1 || c.RedirectPort > 65535 {
		return &ValidationError{Field: "redirect_port", Message: "The redirect port must be a number from 1 to 65535."}
	}
	if c.ClientAuth != ClientAuthBody && c.ClientAuth != ClientAuthBasic {
		return &ValidationError{Field: "client_auth", Message: "Choose how the client secret is sent: in the request body or as a basic authentication header."}
	}
	return nil
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}
