package oauth

import (
	"fmt"
	"net/url"
	"strings"
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
func (f *Flow) Complete(pasted string) error {
	q, err := f.parsePasted(pasted)
	if err != nil {
		return err
	}
	written := make(chan struct{})
	close(written) // no page to show: the front shows the outcome
	_, v := f.deliver(q, written, nil)
	switch v {
	case wrongState:
		return wrongStateError()
	case alreadyTaken:
		return notWaitingError(true)
	case ended:
		return notWaitingError(false)
	}
	return nil
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
