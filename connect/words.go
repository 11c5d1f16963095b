package connect

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kantata-connect/kantata-connect/safetext"
	"github.com/kantata-connect/kantata-connect/store"
)

// userFacing is what the typed errors of oauth, kantata, store and this
// package offer: words for the user, and the detail for support staff.
type userFacing interface {
	UserMessage() string
	TechnicalDetail() string
}

// Explain splits err into the plain-language message to show and the
// technical detail to put one click away. Neither holds a secret: the typed
// errors never carry one, and wrapping only adds names. Both are safe to
// show, line by line (safetext.Lines): text from servers is made safe where
// it is parsed, and this catches what an error quotes from elsewhere (a Go
// network error naming a certificate, say) before it is shown or kept.
func Explain(err error) (message, detail string) {
	if err == nil {
		return "", ""
	}
	var u userFacing
	if errors.As(err, &u) {
		// The outer text adds which connection or client; keep the inner
		// detail only where the wrapping did not already include it.
		detail = err.Error()
		if inner := u.TechnicalDetail(); !strings.Contains(detail, inner) {
			detail += "\n" + inner
		}
		return safetext.Lines(u.UserMessage()), safetext.Lines(detail)
	}
	return safetext.Lines("Something went wrong: " + err.Error()), safetext.Lines(err.Error())
}

// StatusText is a connection's status as a person reads it.
func StatusText(c store.Connection) string {
	switch c.Status {
	case store.StatusAuthorized:
		if c.Identity != nil && c.Identity.FullName != "" {
			return "Authorized as " + c.Identity.FullName
		}
		return "Authorized"
	case store.StatusNeedsReauth:
		return "Needs re-authorization"
	case store.StatusFailed:
		if c.LastError != "" {
			return "Failed: " + c.LastError
		}
		return "Failed"
	default:
		return "Not authorized yet"
	}
}

// IdentityText names the Kantata user a connection works as, or "".
func IdentityText(c store.Connection) string {
	if c.Identity == nil {
		return ""
	}
	switch {
	case c.Identity.FullName != "" && c.Identity.Email != "":
		return fmt.Sprintf("%s <%s>", c.Identity.FullName, c.Identity.Email)
	case c.Identity.FullName != "":
		return c.Identity.FullName
	}
	return c.Identity.Email
}
