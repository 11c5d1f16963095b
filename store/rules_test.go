package store

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeNameIgnoresSavedNames(t *testing.T) {
	for raw, want := range map[string]string{"  Prod  ": "Prod", strings.Repeat("é", MaxNameRunes): strings.Repeat("é", MaxNameRunes)} {
		if got, err := NormalizeName(raw); err != nil || got != want {
			t.Errorf("NormalizeName(%q) = %q, %v", raw, got, err)
		}
	}
	for _, bad := range []string{"", "  ", "a\nb", "a\u2028b", strings.Repeat("x", MaxNameRunes+1)} {
		var v *ValidationError
		if _, err := NormalizeName(bad); !errors.As(err, &v) || v.Field != "name" {
			t.Errorf("NormalizeName(%q) = %v, want a name ValidationError", bad, err)
		}
	}
}

func TestNormalizeClientChecksLikeSaveClient(t *testing.T) {
	c := NewClient()
	c.Name, c.ClientID, c.ClientAuth, c.TokenURL = " X ", " id ", " BASIC ", " https://k.example.com/token "
	got, err := NormalizeClient(c)
	if err != nil || got.Name != "X" || got.ClientID != "id" || got.ClientAuth != ClientAuthBasic || got.TokenURL != "https://k.example.com/token" {
		t.Errorf("NormalizeClient = %+v, %v", got, err)
	}
	for field, change := range map[string]func(*Client){
		"client_id":     func(c *Client) { c.ClientID = "a b" },
		"auth_url":      func(c *Client) { c.AuthURL = "javascript:alert(1)" },
		"api_base_url":  func(c *Client) { c.APIBaseURL = "https://u:p@example.com" },
		"redirect_port": func(c *Client) { c.RedirectPort = 65536 },
		"client_auth":   func(c *Client) { c.ClientAuth = "jwt" },
	} {
		bad := c
		change(&bad)
		var v *ValidationError
		if _, err := NormalizeClient(bad); !errors.As(err, &v) || v.Field != field {
			t.Errorf("%s: err = %v", field, err)
		}
	}
}

func TestCheckSecret(t *testing.T) {
	if err := CheckSecret("s"); err != nil {
		t.Error(err)
	}
	if err := CheckSecret(" \n"); !errors.Is(err, ErrSecretRequired) {
		t.Errorf("blank secret: %v", err)
	}
	if err := CheckSecret(strings.Repeat("x", MaxSecretBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("long secret: %v", err)
	}
}
