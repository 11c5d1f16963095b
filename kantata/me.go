package kantata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// Identity is the Kantata user an access token belongs to.
type Identity struct {
	UserID   string
	FullName string
	Email    string
}

// mePath is Kantata's cheapest "who am I" call.
const mePath = "/api/v1/users/me.json"

// meRequest is the identity check.
var meRequest = request{path: mePath, check: "identity check", messages: userMessages,
	rejectedWith: "Kantata no longer accepts this connection's authorization: “%s”."}

// Me checks accessToken against apiBaseURL ("" → DefaultAPIBaseURL) with the
// default Checker settings.
func Me(ctx context.Context, apiBaseURL, accessToken string) (Identity, error) {
	return Checker{APIBaseURL: apiBaseURL}.Me(ctx, accessToken)
}

// Me calls GET {APIBaseURL}/api/v1/users/me.json with the token as a Bearer
// credential and returns the user it belongs to. Failures are *Error; the
// token never appears in them.
func (c Checker) Me(ctx context.Context, accessToken string) (Identity, error) {
	var id Identity
	err := c.get(ctx, accessToken, meRequest, func(body []byte, token string) (err error) {
		id, err = parseMe(body, token)
		return err
	})
	if err != nil {
		return Identity{}, err
	}
	return id, nil
}

// meURL joins the API base and the users/me path.
func meURL(base string) (string, error) { return apiURL(meRequest, base) }

// meResponse is Kantata's users/me envelope. Ids are strings in Kantata's
// answers; flexID also accepts numbers so a harmless variation is not fatal.
type meResponse struct {
	Count   int `json:"count"`
	Results []struct {
		Key string `json:"key"`
		ID  flexID `json:"id"`
	} `json:"results"`
	Users map[string]struct {
		ID           flexID `json:"id"`
		FullName     string `json:"full_name"`
		EmailAddress string `json:"email_address"`
	} `json:"users"`
}

type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id is neither a string nor a number")
	}
	*f = flexID(n.String())
	return nil
}

// parseMe reads results[0] (which must point into "users") and then that
// user. It never returns an Identity without a UserID. Its errors quote
// fields of the body, with the token removed before they are cut.
func parseMe(body []byte, token string) (Identity, error) {
	var r meResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return Identity{}, fmt.Errorf("not Kantata's users/me JSON: %w", err)
	}
	if len(r.Results) == 0 {
		return Identity{}, errors.New("no results in users/me answer")
	}
	first := r.Results[0]
	if first.Key != "users" {
		return Identity{}, fmt.Errorf("results[0].key is %q, want \"users\"", clip(first.Key, 40, token))
	}
	id := strings.TrimSpace(string(first.ID))
	if serverText(id, MaxUserIDRunes) == "" {
		return Identity{}, errors.New("results[0].id is empty")
	}
	u, ok := r.Users[id]
	if !ok {
		return Identity{}, fmt.Errorf("users has no entry for results[0].id %q", clip(id, 40, token))
	}
	if u.ID != "" && strings.TrimSpace(string(u.ID)) != id {
		return Identity{}, fmt.Errorf("users[%q].id is %q", clip(id, 40, token), clip(string(u.ID), 40, token))
	}
	return Identity{
		UserID:   serverText(id, MaxUserIDRunes),
		FullName: serverText(u.FullName, MaxIdentityRunes),
		Email:    serverText(u.EmailAddress, MaxIdentityRunes),
	}, nil
}

// Bounds on what an identity keeps of Kantata's answer: the longest name
// or email address a person reads in a list, and Kantata's IDs (short
// numbers) with room to spare. A longer value is cut with "…".
const (
	MaxIdentityRunes = 200
	MaxUserIDRunes   = 40
)

// serverText is text from Kantata made safe where it enters: trimmed, with
// no escape sequence or invisible character left to reach a screen or the
// records (see safetext.Clean), and cut to at most max characters.
func serverText(s string, max int) string {
	return safetext.Cut(strings.TrimSpace(safetext.Clean(s)), max)
}
