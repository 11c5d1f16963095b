package oauth

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/kantata-connect/kantata-connect/endpoint"
)

// Complete finishes the sign-in with the address the browser ended on,
// pasted by the user when the browser could not reach the callback listener
// (a browser on another computer, over a remote desktop or SSH, or security
// software blocking 127.0.0.1). The address goes the way the browser's
// callback goes: the same state check, then the same exchange with the same
// PKCE verifier, and the listener stops. Whichever of the two comes first is
// used; the code is exchanged at most once.
//
// Complete returns nil once the sign-in has taken the address; its outcome
// (a token, or why not, such as a denial the address carries) comes from
// Wait, as for the callback. Otherwise it returns an *Error saying why the
// address was not used, and the sign-in goes on waiting: KindNotCallback
// (not such an address), KindWrongAddress (another host, port or path than
// this flow's callback URL, which the message shows), KindWrongState (an
// address for another sign-in: nothing was sent to Kantata) or
// KindNotWaiting (this sign-in already took an address, or has ended).
//
// The pasted text holds a code: no error quotes it, or any part of the
// address other than its host.
//
// For a CallbackAppLink sign-in the address is the app's own link, handed
// over by the instance the operating system started (package handover) or
// pasted; see IsAppLink.
//
// For a CallbackCode sign-in the pasted text is the code the server showed,
// or the whole address of the page that showed it; see parseCode. Complete
// then waits for the token request: a code the server refuses as
// invalid_grant (mistyped, cut short, used or expired) comes back as that
// *Error and the sign-in goes on waiting for another; any other outcome
// comes from Wait, and Complete returns nil.
func (f *Flow) Complete(pasted string) error {
	var q url.Values
	var err error
	switch f.cfg.Callback {
	case CallbackCode:
		q, err = f.parseCode(pasted)
	case CallbackAppLink:
		q, err = f.parseAppLink(pasted)
	default:
		q, err = f.parsePasted(pasted)
	}
	if err != nil {
		return err
	}
	written := make(chan struct{})
	close(written) // no page to show: the front shows the outcome
	cb, v := f.deliver(q, written, nil)
	switch v {
	case wrongState:
		return wrongStateError()
	case alreadyTaken:
		return notWaitingError(true)
	case ended:
		return notWaitingError(false)
	}
	if f.cfg.Callback == CallbackCode {
		var retry *retryError
		if err := <-cb.reply; errors.As(err, &retry) {
			return retry.err
		}
	}
	return nil
}

// codePagePath is the path of the page Doorkeeper shows the code on for
// OOBRedirectURI: /oauth/authorize/native?code=CODE.
const codePagePath = "/oauth/authorize/native"

// codeLabel is how that page labels the code; a copy may take it along.
const codeLabel = "Authorization code:"

// parseCode reads a pasted code: the code alone, "Authorization code: CODE"
// as the page shows it, or the address of the page that showed it on the
// authorization URL's host (the code in its query). It returns a query
// holding the code (or the error the page's address carries).
func (f *Flow) parseCode(pasted string) (url.Values, error) {
	s := strings.Trim(strings.TrimSpace(pasted), `"'<>`)
	s = strings.TrimSpace(strings.TrimPrefix(s, codeLabel))
	if strings.Contains(s, codePagePath) || strings.Contains(s, "://") {
		return f.parseCodePage(s)
	}
	if !isCode(s) {
		return nil, notCodeError("neither a code nor the address of Kantata's code page")
	}
	return url.Values{"code": {s}}, nil
}

// parseCodePage reads the address of the server's code page.
func (f *Flow) parseCodePage(s string) (url.Values, error) {
	if !strings.Contains(s, "://") {
		s = "https://" + s // address bars may hide the scheme, and so may a copy
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, notCodeError("not a URL")
	}
	auth, _ := url.Parse(f.cfg.AuthURL)
	q, err := url.ParseQuery(u.RawQuery)
	code := q.Get("code")
	if err != nil || u.Path != codePagePath || (code == "" && q.Get("error") == "") {
		return nil, notCodeError("not the code page's address with a code or error in its query")
	}
	if auth == nil || !strings.EqualFold(u.Host, auth.Host) || !endpoint.IsASCII(u.Host) {
		secrets := append(f.secrets(""), q["code"]...)
		return nil, notCodePageError(clean(u.Host, 100, secrets), auth)
	}
	if code != "" && !isCode(code) {
		return nil, notCodeError("the code in the address holds characters a code never has")
	}
	return url.Values{"code": q["code"], "error": q["error"], "error_description": q["error_description"]}, nil
}

// isCode reports whether s could be an authorization code: Doorkeeper's
// are 43 URL-safe characters; anything shorter than 8 or with other
// characters is a slip of the mouse.
func isCode(s string) bool {
	if len(s) < 8 || len(s) > 512 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/=", c) >= 0) {
			return false
		}
	}
	return true
}

func notCodeError(why string) *Error {
	return &Error{Kind: KindNotCallback,
		Message: "That is not the code Kantata shows. After you authorize, Kantata shows “Authorization code:” " +
			"followed by the code: copy the code (or the page's whole address) and paste it.",
		Detail: "pasted text is not a code: " + why}
}

func notCodePageError(host string, auth *url.URL) *Error {
	want := "the authorization URL's host"
	if auth != nil {
		want = auth.Host
	}
	return &Error{Kind: KindWrongAddress,
		Message: fmt.Sprintf("That address is for %s, but Kantata shows this sign-in's code on %s, so it was not "+
			"used. Copy the code Kantata shows, or the address of that page.", orAnother(host), want),
		Detail: fmt.Sprintf("pasted code page address is for host %q; want %s", host, want)}
}

func orAnother(host string) string {
	if host == "" {
		return "another address"
	}
	return host
}

// parsePasted checks that pasted is an address for this flow's callback URL
// carrying a code or an error, and returns its query.
func (f *Flow) parsePasted(pasted string) (url.Values, error) {
	s := strings.Trim(strings.TrimSpace(pasted), `"'<>`)
	// Some address bars hide the scheme, and so may a copy.
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, notCallbackError(f.redirectURI, "not a URL")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || !q.Has("state") || q.Get("code") == "" && q.Get("error") == "" {
		// A cut-off copy, a sign-in page's address, anything else.
		return nil, notCallbackError(f.redirectURI, "no state with a code or error in its query")
	}
	if !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https") ||
		!strings.EqualFold(u.Host, f.host) || u.Path != CallbackPath {
		// Only the host is quoted, scrubbed like any text from outside.
		secrets := append(f.secrets(""), q["code"]...)
		return nil, wrongAddressError(clean(u.Host, 100, secrets), u.Path == CallbackPath, f.redirectURI)
	}
	return q, nil
}

func notCallbackError(redirectURI, why string) *Error {
	return &Error{Kind: KindNotCallback,
		Message: "That is not the address the browser ended on. Once you have authorized in Kantata, copy the " +
			"whole address from the browser's address bar: it starts with " + redirectURI + "?",
		Detail: "pasted text is not a callback address: " + why}
}

func wrongAddressError(host string, callbackPath bool, redirectURI string) *Error {
	where := "another address"
	if host != "" {
		where = host
	}
	detail := fmt.Sprintf("pasted address is for host %q", host)
	if !callbackPath {
		detail += " and another path"
	}
	return &Error{Kind: KindWrongAddress,
		Message: fmt.Sprintf("That address is for %s, but this sign-in waits on %s, so it belongs to another "+
			"sign-in and was not used. Paste the address the browser ended on for this sign-in.", where, redirectURI),
		Detail: detail + "; want " + redirectURI}
}

func wrongStateError() *Error {
	return &Error{Kind: KindWrongState,
		Message: "That address belongs to another sign-in (an earlier one, or one started elsewhere), so it was " +
			"not used and nothing was sent to Kantata. Paste the address the browser ended on for this sign-in.",
		Detail: "pasted address: its state is not this sign-in's"}
}

// notWaitingError: tookOne when the sign-in already took an address (the
// browser's or a pasted one), else it has ended.
func notWaitingError(tookOne bool) *Error {
	if tookOne {
		return &Error{Kind: KindNotWaiting, Err: ErrEnded,
			Message: "This sign-in already received the browser's answer; the address was not used again.",
			Detail:  "pasted address ignored: the sign-in already took an address"}
	}
	return &Error{Kind: KindNotWaiting, Err: ErrEnded,
		Message: "This sign-in has already ended; the address was not used.",
		Detail:  "pasted address ignored: the sign-in has ended"}
}
