package kantata

// The GETs a Checker makes of Kantata's API, whatever the endpoint (users/me
// in me.go, workspaces in projects.go): the Bearer credential, the timeout
// and retries after a 429, no redirect followed, bounded bodies, and typed
// failures that never hold the token.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kantata-connect/kantata-connect/endpoint"
	"github.com/kantata-connect/kantata-connect/outbound"
	"github.com/kantata-connect/kantata-connect/safetext"
)

// Defaults of Checker; each applies when its field is zero.
const (
	DefaultCheckTimeout = 15 * time.Second // whole check, retries included
	DefaultMaxRetries   = 3                // retries after a 429
	DefaultBackoff      = time.Second      // first wait after a 429; doubles per retry
	// MaxRetryAfter caps a Retry-After header: a server asking for longer
	// is treated as "rate limited now" rather than holding the check open.
	MaxRetryAfter = 30 * time.Second
	// MaxBodyBytes bounds what is read of an answer; users/me is a few
	// hundred bytes, so anything near this is not Kantata's answer.
	MaxBodyBytes = 1 << 20
)

// request is one of the GETs a Checker makes: its path (and query) under the
// API base, which also names it in a failure's detail, what Error() calls it,
// and the plain words of its failures per Kind.
type request struct {
	path     string
	check    string
	messages map[Kind]string
	// rejectedWith is the message of a 401 whose reason the server gave
	// (%s), in place of messages[KindRejected].
	rejectedWith string
}

// error builds the request's *Error with the Kind's standard user message.
// detail must already be free of secrets (callers pass it through redact).
func (rq request) error(kind Kind, status int, detail string, err error) *Error {
	return &Error{Kind: kind, Status: status, Message: rq.messages[kind], Detail: detail, Err: err, check: rq.check}
}

// Checker asks Kantata which user an access token belongs to. The zero value
// is ready to use against DefaultAPIBaseURL.
type Checker struct {
	APIBaseURL string        // "" → DefaultAPIBaseURL
	HTTPClient *http.Client  // nil → outbound's: the system's proxy, per-phase timeouts
	Timeout    time.Duration // whole check incl. retries; ≤0 → DefaultCheckTimeout
	MaxRetries int           // retries after HTTP 429; 0 → DefaultMaxRetries, <0 → none
	Backoff    time.Duration // base wait after a 429 without Retry-After; ≤0 → DefaultBackoff
}

// errCheckTimeout marks the Checker's own deadline, so it can be told apart
// from a caller's cancellation.
var errCheckTimeout = errors.New("check timed out")

// get makes the request rq with the token as a Bearer credential, within the
// Checker's timeout, retrying after a 429, and hands a 200 answer's body
// (the token removed) to parse; a parse error makes the answer
// KindBadResponse. Any failure is an *Error, never holding the token.
func (c Checker) get(ctx context.Context, accessToken string, rq request, parse func(body []byte, token string) error) error {
	token := strings.TrimSpace(accessToken)
	if err := validToken(rq, token); err != nil {
		return err
	}
	endpoint, err := apiURL(rq, c.APIBaseURL)
	if err != nil {
		return err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultCheckTimeout
	}
	retries := c.MaxRetries
	if retries == 0 {
		retries = DefaultMaxRetries
	} else if retries < 0 {
		retries = 0
	}
	backoff := c.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	// The request carries the access token: no redirect is followed, not
	// even within the API's own host. users/me answers directly, so a 3xx
	// means the API address is not the one to use: the check stops with
	// KindRedirected and names where it pointed.
	client := outbound.NoRedirects(c.HTTPClient)

	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errCheckTimeout)
	defer cancel()

	for attempt := 0; ; attempt++ {
		retryAfter, e := c.once(ctx, client, rq, endpoint, token, parse)
		if e == nil {
			return nil
		}
		if e.Kind != KindRateLimited || attempt >= retries {
			if e.Kind == KindRateLimited {
				e.Detail += fmt.Sprintf(" (gave up after %d requests)", attempt+1)
			}
			return e
		}
		wait := backoff << attempt
		if retryAfter > MaxRetryAfter {
			e.Detail += fmt.Sprintf(" (gave up after %d requests: Retry-After is over the %s cap)", attempt+1, MaxRetryAfter)
			return e
		}
		if retryAfter > 0 {
			wait = retryAfter
		}
		// Waiting past the deadline would only turn "rate limited" into a
		// less helpful "timed out".
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			e.Detail += fmt.Sprintf(" (gave up after %d requests: next wait %s exceeds the time left)", attempt+1, wait)
			return e
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return contextError(ctx, rq, nil, token)
		case <-t.C:
		}
	}
}

// once makes one request. For a 429 it returns the server's Retry-After
// (0 when absent or unparseable).
func (c Checker) once(ctx context.Context, client *http.Client, rq request, endpoint, token string,
	parse func([]byte, string) error) (time.Duration, *Error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return 0, rq.error(KindInvalidInput, 0, "build request", scrubErr(err, token))
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "kantata-connect")

	resp, err := client.Do(req)
	if err != nil {
		return 0, transportError(ctx, rq, err, token)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return 0, redirectedError(rq, endpoint, resp, token)
	}

	body, err := readBody(rq, resp)
	if err != nil {
		if e, ok := err.(*Error); ok {
			return 0, e
		}
		return 0, transportError(ctx, rq, err, token)
	}
	// A legitimate answer never holds the token; removing any echo of it
	// before parsing keeps it out of a quote of the raw body. Text decoded
	// from the body is redacted again before it is cut (clip): JSON may
	// spell the token in a way the raw body does not show.
	body = []byte(redact(string(body), token))

	switch {
	case resp.StatusCode == http.StatusOK:
		if err := parse(body, token); err != nil {
			return 0, rq.error(KindBadResponse, resp.StatusCode,
				redact(fmt.Sprintf("GET %s: %v; %s", rq.path, err, describeBody(resp, body, token)), token), nil)
		}
		return 0, nil
	case resp.StatusCode == http.StatusUnauthorized:
		return 0, rejectedError(rq, resp, body, token)
	case resp.StatusCode == http.StatusTooManyRequests:
		ra := retryAfter(resp.Header.Get("Retry-After"))
		d := fmt.Sprintf("GET %s: HTTP 429", rq.path)
		if h := resp.Header.Get("Retry-After"); h != "" {
			d += fmt.Sprintf(" Retry-After=%q", clip(h, 80, token))
		}
		return ra, rq.error(KindRateLimited, resp.StatusCode, redact(d, token), nil)
	case resp.StatusCode >= 500:
		return 0, rq.error(KindServerError, resp.StatusCode,
			redact(fmt.Sprintf("GET %s: HTTP %d%s; %s", rq.path, resp.StatusCode, kantataErrors(body, token), describeBody(resp, body, token)), token), nil)
	default:
		hint := ""
		if resp.StatusCode == http.StatusNotFound {
			hint = " (is the API base URL right?)"
		}
		return 0, rq.error(KindBadResponse, resp.StatusCode,
			redact(fmt.Sprintf("GET %s: unexpected HTTP %d%s%s; %s", rq.path, resp.StatusCode, hint, kantataErrors(body, token), describeBody(resp, body, token)), token), nil)
	}
}

// rejectedError is a 401. The server's own reason, when it gives one in
// WWW-Authenticate (Doorkeeper: error_description="The access token was
// revoked"), replaces the guess in the message and goes into the detail.
func rejectedError(rq request, resp *http.Response, body []byte, token string) *Error {
	detail := fmt.Sprintf("GET %s: HTTP 401%s", rq.path, kantataErrors(body, token))
	challenge := bearerChallenge(resp.Header.Get("WWW-Authenticate"))
	if code := challenge["error"]; code != "" {
		detail += fmt.Sprintf("; WWW-Authenticate error=%q", serverText(redact(code, token), 60))
	}
	e := rq.error(KindRejected, resp.StatusCode, redact(detail, token), nil)
	if why := serverText(redact(challenge["error_description"], token), 200); why != "" {
		e.Message = rejectedWith(rq, why)
		e.Detail += fmt.Sprintf(" error_description=%q", why)
	}
	return e
}

// rejectedWith is the user message of a 401 whose reason the server gave.
func rejectedWith(rq request, why string) string {
	return fmt.Sprintf(rq.rejectedWith, strings.TrimRight(why, ". "))
}

// bearerChallenge reads the parameters of a Bearer challenge (RFC 6750
// section 3): `Bearer realm="x", error="invalid_token", ...`. Other schemes
// and malformed text give none.
func bearerChallenge(h string) map[string]string {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil
	}
	params := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; {
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		key = strings.ToLower(strings.TrimSpace(key))
		after = strings.TrimSpace(after)
		var value string
		if strings.HasPrefix(after, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(after) && after[i] != '"'; i++ {
				if after[i] == '\\' && i+1 < len(after) {
					i++
				}
				b.WriteByte(after[i])
			}
			value, rest = b.String(), after[min(i+1, len(after)):]
		} else {
			value, rest, _ = strings.Cut(after, ",")
			value = strings.TrimSpace(value)
		}
		if _, seen := params[key]; !seen {
			params[key] = value
		}
		rest = strings.TrimLeft(strings.TrimSpace(rest), ", ")
	}
	return params
}

// redirectedError describes a 3xx answer that was not followed.
func redirectedError(rq request, base string, resp *http.Response, token string) *Error {
	loc := resp.Header.Get("Location")
	e := rq.error(KindRedirected, resp.StatusCode,
		fmt.Sprintf("GET %s: HTTP %d, Location: %q; redirect not followed", rq.path, resp.StatusCode, clip(loc, 300, token)), nil)
	if where := clip(endpoint.RedirectTarget(base, loc), 100, token); where != "" {
		e.Message = "Kantata's API tried to send the request to another address (" + where + "). Kantata Connect " +
			"sends the access token only to the API address you chose, so it stopped. Check the Kantata API address."
	}
	return e
}

// readBody reads at most MaxBodyBytes, failing with KindTooLarge beyond it.
func readBody(rq request, resp *http.Response) ([]byte, error) {
	if resp.ContentLength > MaxBodyBytes {
		return nil, rq.error(KindTooLarge, resp.StatusCode,
			fmt.Sprintf("GET %s: Content-Length %d exceeds the %d-byte limit", rq.path, resp.ContentLength, MaxBodyBytes), nil)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxBodyBytes {
		return nil, rq.error(KindTooLarge, resp.StatusCode,
			fmt.Sprintf("GET %s: body exceeds the %d-byte limit", rq.path, MaxBodyBytes), nil)
	}
	return body, nil
}

// transportError classifies a failure with no usable HTTP answer.
func transportError(ctx context.Context, rq request, err error, token string) *Error {
	if ctx.Err() != nil {
		return contextError(ctx, rq, err, token)
	}
	if f, ok := outbound.Classify(err); ok {
		// On the way out: the proxy or a certificate, in words that name
		// them; never "Kantata had a problem".
		kind := KindNetwork
		switch f.Problem {
		case outbound.ProblemUntrustedCertificate:
			kind = KindUntrustedCertificate
		case outbound.ProblemProxyAuth:
			kind = KindProxyAuth
		}
		e := rq.error(kind, 0, "GET "+rq.path, scrubErr(err, token))
		e.Message = f.Message
		return e
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return rq.error(KindTimeout, 0, "GET "+rq.path, scrubErr(err, token))
	}
	e := rq.error(KindNetwork, 0, "GET "+rq.path, scrubErr(err, token))
	if note := outbound.Note(err); note != "" {
		e.Message += " " + note + "."
	}
	return e
}

// contextError tells the Checker's own timeout and a caller's deadline
// (both KindTimeout) from a caller's cancellation (KindCanceled).
func contextError(ctx context.Context, rq request, err error, token string) *Error {
	if err == nil {
		err = context.Cause(ctx)
	}
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errCheckTimeout):
		return rq.error(KindTimeout, 0, "GET "+rq.path+": no complete answer within the check timeout", scrubErr(err, token))
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return rq.error(KindTimeout, 0, "GET "+rq.path+": caller's deadline passed", scrubErr(err, token))
	default:
		return rq.error(KindCanceled, 0, "GET "+rq.path+": canceled", scrubErr(err, token))
	}
}

// validToken refuses tokens that could not be a Bearer credential, without
// echoing them; net/http would reject control characters anyway, this keeps
// the failure typed and obviously secret-free.
func validToken(rq request, token string) error {
	if token == "" {
		return rq.error(KindInvalidInput, 0, "no access token", nil)
	}
	for i := 0; i < len(token); i++ {
		if b := token[i]; b < 0x21 || b > 0x7e {
			return rq.error(KindInvalidInput, 0,
				fmt.Sprintf("access token has a character not allowed in a Bearer token at byte %d (length %d)", i, len(token)), nil)
		}
	}
	return nil
}

// apiURL joins the API base and rq's path (and query).
func apiURL(rq request, base string) (string, error) {
	if base == "" {
		base = DefaultAPIBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &Error{Kind: KindInvalidInput,
			Message: "The Kantata API address is not a valid web address; it should look like " + DefaultAPIBaseURL + ".",
			Detail:  fmt.Sprintf("API base URL %q is not an absolute http(s) URL", base), check: rq.check}
	}
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimRight(u.String(), "/") + rq.path, nil
}

// retryAfter parses Retry-After (delay-seconds or HTTP-date), capped at
// MaxRetryAfter+1s so an over-long demand is seen as over the cap.
func retryAfter(h string) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(h, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter + time.Second
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
		if d <= 0 {
			return 0
		}
	} else {
		return 0
	}
	return min(d, MaxRetryAfter+time.Second)
}

// kantataErrors summarises Kantata's {"errors":[{"type","message"}]} body,
// or returns "" when the body is not that shape.
func kantataErrors(body []byte, token string) string {
	var e struct {
		Errors []struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	const shown = 3 // a detail quotes a few; a server may send thousands
	parts := make([]string, 0, shown+1)
	for _, x := range e.Errors[:min(len(e.Errors), shown)] {
		parts = append(parts, serverText(redact(x.Type+": "+x.Message, token), 200))
	}
	if more := len(e.Errors) - shown; more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// describeBody gives support staff a look at an unexpected answer: its
// content type, size and a short printable prefix.
func describeBody(resp *http.Response, body []byte, token string) string {
	ct := clip(resp.Header.Get("Content-Type"), 80, token)
	if ct == "" {
		ct = "none"
	}
	return fmt.Sprintf("content-type %s, %d bytes, starts %q", ct, len(body), clip(string(body), 120, token))
}

// clip removes the token from s, then cuts it to n characters: in that
// order, so no part of a token that spans the cut survives. Every text
// quoted from an answer is cut through clip.
func clip(s string, n int, token string) string {
	return safetext.Cut(redact(s, token), n)
}

// redact removes the token from text that quotes a server's answer: a
// misbehaving proxy or server may echo the Authorization header back, in a
// JSON body perhaps escaped ("/" as "\/", "<" as "\u003c").
func redact(s, token string) string { return safetext.Redact(s, token) }

// scrubErr keeps err (and its chain) unless its text holds the token, in
// which case only a redacted copy of the text survives.
func scrubErr(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(redact(err.Error(), token))
}
