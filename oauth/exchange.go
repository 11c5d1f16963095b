package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/kantata-connect/kantata-connect/endpoint"
	"github.com/kantata-connect/kantata-connect/outbound"
	"golang.org/x/oauth2"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// exchange trades the code for a token under cfg.ExchangeTimeout and maps
// every failure to an *Error. secrets are scrubbed from all text it builds.
func (f *Flow) exchange(ctx context.Context, code string) (Token, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.ExchangeTimeout)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, outbound.NoRedirects(f.cfg.HTTPClient))
	var opts []oauth2.AuthCodeOption
	if f.verifier != "" {
		opts = append(opts, oauth2.VerifierOption(f.verifier))
	}
	tok, err := f.oc.Exchange(ctx, code, opts...)
	if err == nil {
		return Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken,
			TokenType: tok.TokenType, Expiry: tok.Expiry}, nil
	}
	if f.flowCtx.Err() != nil {
		return Token{}, canceledError(err)
	}
	return Token{}, f.exchangeError(ctx, err, f.secrets(code))
}

// secrets are what must never show in an error's text: the code, the client
// secret and the PKCE verifier.
func (f *Flow) secrets(code string) []string {
	return []string{code, f.cfg.ClientSecret, f.verifier}
}

// exchangeError names why the token request failed: the server's answer,
// a failure on the way out (proxy, certificate), no answer in time, no
// connection, or an answer that holds no token.
func (f *Flow) exchangeError(ctx context.Context, err error, secrets []string) *Error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 300 && re.Response.StatusCode < 400 {
		return f.redirectedError(re, secrets)
	}
	if errors.As(err, &re) {
		return f.refusedError(re, secrets)
	}
	if e := f.transportError(ctx, err, secrets); e != nil {
		return e
	}
	// x/oauth2's own errors: a 2xx body that is not JSON, or JSON without
	// access_token (an HTML login page, a proxy's page).
	return &Error{Kind: KindBadResponse,
		Message: "Kantata's answer to the sign-in did not contain a token. Check this client's access token URL" +
			f.cfg.Provider.theirTokenURL() + ", then try again.",
		Detail: scrub(fmt.Sprintf("POST %s: %v", f.cfg.TokenURL, err), secrets),
		Err:    err}
}

// refusedError: the token endpoint answered, but with no token; the OAuth
// error code (or the HTTP status when there is none) says why.
func (f *Flow) refusedError(re *oauth2.RetrieveError, secrets []string) *Error {
	status := 0
	statusText := "no status"
	if re.Response != nil {
		status = re.Response.StatusCode
		// The text after the code is the server's own.
		statusText = clean(re.Response.Status, 100, secrets)
	}
	code, desc := clean(re.ErrorCode, 100, secrets), clean(re.ErrorDescription, 300, secrets)
	detail := fmt.Sprintf("POST %s: HTTP %s", f.cfg.TokenURL, statusText)
	if code != "" {
		detail += fmt.Sprintf(", error=%q", code)
		if desc != "" {
			detail += fmt.Sprintf(" error_description=%q", desc)
		}
	} else if snippet := bodySnippet(re.Body, secrets); snippet != "" {
		detail += ", body: " + snippet
	}
	e := &Error{Code: code, Description: desc, Detail: detail, Err: scrubRetrieveError(re, secrets)}
	e.Kind, e.Message = f.refusal(code, desc, status)
	return e
}

// refusal is the kind and the words of a token endpoint's refusal.
func (f *Flow) refusal(code, desc string, status int) (Kind, string) {
	registered := f.cfg.Provider.registered()
	switch {
	case code == "invalid_client" || (code == "" && status == 401):
		return KindInvalidClient, "Kantata did not accept the client ID or client secret. Check both in " + registered +
			" and enter them again."
	case code == "invalid_grant" && f.cfg.Callback == CallbackCode:
		return KindInvalidGrant, "Kantata did not accept that code: it may be mistyped or cut short, already used, or older " +
			"than about 10 minutes. Copy the code Kantata shows now and paste it again."
	case code == "invalid_grant":
		return KindInvalidGrant, "Kantata did not accept the sign-in code: it expired or was already used (or the callback URL " +
			"differs from the one registered)."
	case code == "redirect_uri_mismatch" || code == "invalid_request":
		return KindRedirectMismatch, "Kantata did not accept the callback URL. Register exactly " + f.redirectURI +
			" as a callback URL of this application in " + registered + ", then try again."
	case code == "server_error" || code == "temporarily_unavailable" || (code == "" && status >= 500):
		return KindServerError, fmt.Sprintf("Kantata had a problem (%s) while finishing the sign-in. Wait a few minutes.",
			serverProblem(status))
	case code == "":
		return KindBadResponse, fmt.Sprintf("Kantata's answer to the sign-in could not be read (HTTP %d). Check this client's "+
			"access token URL%s, then try again.", status, f.cfg.Provider.theirTokenURL())
	}
	return KindTokenError, "Kantata refused to issue a token" + reason(code, desc) +
		". Check this client's settings and its application in " + registered + ", then try again."
}

// transportError: no answer came back. nil when err is not a failure on
// the way there.
func (f *Flow) transportError(ctx context.Context, err error, secrets []string) *Error {
	tokenURL := f.cfg.TokenURL
	if fail, ok := outbound.Classify(err); ok && ctx.Err() == nil {
		// On the way out: the proxy or a certificate, named.
		e := &Error{Kind: KindNetwork, Message: "The sign-in could not be finished. " + fail.Message,
			Detail: scrub(fmt.Sprintf("POST %s: %v", tokenURL, err), secrets), Err: err}
		switch fail.Problem {
		case outbound.ProblemUntrustedCertificate:
			e.Kind = KindUntrustedCertificate
		case outbound.ProblemProxyAuth:
			e.Kind = KindProxyAuth
		}
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || isTimeout(err) {
		return &Error{Kind: KindExchangeTimeout,
			Message: fmt.Sprintf("Kantata did not answer within %s while finishing the sign-in. Check your internet "+
				"connection.", HumanDuration(f.cfg.ExchangeTimeout)),
			Detail: scrub(fmt.Sprintf("POST %s: no answer within %v: %v", tokenURL, f.cfg.ExchangeTimeout, err), secrets),
			Err:    err}
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		host := tokenURL
		if u, perr := url.Parse(tokenURL); perr == nil {
			host = u.Host
		}
		msg := fmt.Sprintf("Kantata Connect could not reach Kantata (%s) to finish the sign-in. Check your "+
			"internet connection, proxy or firewall.", host)
		if note := outbound.Note(err); note != "" {
			msg += " " + note + "."
		}
		return &Error{Kind: KindNetwork, Message: msg, Detail: scrub(fmt.Sprintf("POST %s: %v", tokenURL, err), secrets), Err: err}
	}
	return nil
}

// redirectedError: the token endpoint answered with a redirect, which the
// exchange did not follow. The message names where it pointed; the detail
// keeps the status and the Location, scrubbed, then cut.
func (f *Flow) redirectedError(re *oauth2.RetrieveError, secrets []string) *Error {
	resp := re.Response
	loc := resp.Header.Get("Location")
	where := clean(endpoint.RedirectTarget(f.cfg.TokenURL, loc), 100, secrets)
	why := "Kantata Connect sends the client secret only to the access token URL you chose, so it stopped. " +
		"Check the access token URL in this client's settings" + f.cfg.Provider.theirTokenURL() + "."
	msg := "Kantata's token endpoint tried to send the sign-in to another address (" + where + "). " + why
	if where == "" {
		msg = fmt.Sprintf("Kantata's token endpoint answered with a redirect (HTTP %d) instead of a token. ", resp.StatusCode) + why
	}
	return &Error{Kind: KindRedirected, Message: msg,
		Detail: fmt.Sprintf("POST %s: HTTP %s, Location: %q; redirect not followed", f.cfg.TokenURL,
			clean(resp.Status, 100, secrets), clean(loc, 300, secrets)),
		Err: scrubRetrieveError(re, secrets)}
}

func serverProblem(status int) string {
	if status == 0 {
		return "a server error"
	}
	return fmt.Sprintf("HTTP %d", status)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// bodySnippet shows the start of a body that is not an OAuth JSON error,
// enough to recognise an HTML page or a proxy message, with the secrets
// scrubbed from the whole body before it is cut. A JSON body is left out: it
// might carry a token.
func bodySnippet(b []byte, secrets []string) string {
	if len(b) == 0 {
		return "(empty)"
	}
	if json.Valid(b) {
		return "(JSON without an OAuth error code)"
	}
	return fmt.Sprintf("%q", clean(string(b), 200, secrets))
}

// scrubRetrieveError copies re for wrapping, with secrets scrubbed from its
// text and a body that holds a token dropped, so printing the chain leaks
// nothing either.
func scrubRetrieveError(re *oauth2.RetrieveError, secrets []string) *oauth2.RetrieveError {
	c := *re
	c.ErrorCode = scrub(c.ErrorCode, secrets)
	c.ErrorDescription = scrub(c.ErrorDescription, secrets)
	c.ErrorURI = scrub(c.ErrorURI, secrets)
	body := scrub(string(c.Body), secrets)
	if strings.Contains(body, "access_token") || strings.Contains(body, "refresh_token") {
		body = "[body with a token removed]"
	}
	c.Body = []byte(body)
	if re.Response != nil {
		// The Location of a redirect may echo the code; the request could
		// rebuild the form with the secret (GetBody).
		resp := *re.Response
		resp.Header = resp.Header.Clone()
		if loc := resp.Header.Get("Location"); loc != "" {
			resp.Header.Set("Location", scrub(loc, secrets))
		}
		resp.Request = nil
		c.Response = &resp
	}
	return &c
}

// scrub replaces every secret in s with [redacted], in each spelling
// (safetext.Redact).
func scrub(s string, secrets []string) string { return safetext.Redact(s, secrets...) }
