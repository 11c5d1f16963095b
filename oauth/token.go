package oauth

import (
	"fmt"
	"time"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// Token is what the sign-in yields. Kantata's access tokens do not expire
// and it documents no refresh token; both are kept when a server sends them.
type Token struct {
	AccessToken, RefreshToken, TokenType string
	Expiry                               time.Time // zero: no expiry given
}

// String never shows the tokens, so a Token printed by mistake leaks nothing.
func (t Token) String() string {
	return fmt.Sprintf("oauth.Token{TokenType: %q, AccessToken: %s, RefreshToken: %s, Expiry: %s}",
		t.TokenType, safetext.Redacted(t.AccessToken), safetext.Redacted(t.RefreshToken), expiry(t.Expiry))
}

// GoString keeps %#v from printing the fields.
func (t Token) GoString() string { return t.String() }

func expiry(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.Format(time.RFC3339)
}
