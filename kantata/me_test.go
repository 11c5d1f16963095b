package kantata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// Kantata's documented answers (developer.kantata.com; PRODUCT.md).
const (
	meOKBody = `{"count":1,"results":[{"key":"users","id":"123"}],` +
		`"users":{"123":{"id":"123","full_name":"Jane Doe","email_address":"jane@example.com"}},` +
		`"meta":{"count":1,"page_count":1,"page_number":1,"page_size":20}}`
	meUnauthorizedBody = `{"errors":[{"type":"oauth","message":"Invalid OAuth 2 Request"}]}`
	meRateLimitedBody  = `{"errors":[{"type":"system","message":"Rate limit exceeded"}]}`
	meServerErrorBody  = `{"errors":[{"type":"system","message":"Internal Server Error"}]}`
)

// A distinctive token so any leak into an error is found by substring.
const testToken = "tok-SECRET-8f3a9c1e5b7d"

// fastChecker keeps 429 retries quick; the timeout is only a hang guard.
func fastChecker(base string) Checker {
	return Checker{APIBaseURL: base, Backoff: time.Millisecond, Timeout: 10 * time.Second}
}

// kantataStub serves users/me with a fixed status and body and records what
// it was asked.
type kantataStub struct {
	mu       sync.Mutex
	requests int
	auth     []string
	paths    []string
	methods  []string
	accept   []string
}

func (k *kantataStub) record(r *http.Request) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.requests++
	k.auth = append(k.auth, r.Header.Get("Authorization"))
	k.paths = append(k.paths, r.URL.Path)
	k.methods = append(k.methods, r.Method)
	k.accept = append(k.accept, r.Header.Get("Accept"))
	return k.requests
}

func (k *kantataStub) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.requests
}

func serve(t *testing.T, h func(w http.ResponseWriter, r *http.Request, n int)) (*httptest.Server, *kantataStub) {
	t.Helper()
	k := &kantataStub{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(w, r, k.record(r))
	}))
	t.Cleanup(srv.Close)
	return srv, k
}

func fixed(status int, body string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func wantKind(t *testing.T, err error, kind Kind) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want kind %q", kind)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *kantata.Error", err, err)
	}
	if e.Kind != kind || KindOf(err) != kind {
		t.Fatalf("kind = %q, want %q; error: %v", e.Kind, kind, err)
	}
	var ue interface {
		UserMessage() string
		TechnicalDetail() string
	}
	if !errors.As(err, &ue) || ue.UserMessage() == "" || ue.TechnicalDetail() == "" {
		t.Fatalf("error %v lacks a UserMessage/TechnicalDetail", err)
	}
	return e
}

func TestMeOK(t *testing.T) {
	srv, k := serve(t, fixed(http.StatusOK, meOKBody))
	id, err := fastChecker(srv.URL).Me(context.Background(), testToken)
	if err != nil {
		t.Fatalf("Me: %v", err)
	}
	want := Identity{UserID: "123", FullName: "Jane Doe", Email: "jane@example.com"}
	if id != want {
		t.Fatalf("identity = %+v, want %+v", id, want)
	}
	if k.count() != 1 {
		t.Fatalf("requests = %d, want 1", k.count())
	}
	if k.methods[0] != http.MethodGet || k.paths[0] != "/api/v1/users/me.json" {
		t.Fatalf("request = %s %s, want GET /api/v1/users/me.json", k.methods[0], k.paths[0])
	}
	if k.auth[0] != "Bearer "+testToken {
		t.Fatalf("Authorization = %q, want the Bearer token", k.auth[0])
	}
	if !strings.Contains(k.accept[0], "application/json") {
		t.Fatalf("Accept = %q, want application/json", k.accept[0])
	}
}

func TestMeBaseURLForms(t *testing.T) {
	srv, k := serve(t, fixed(http.StatusOK, meOKBody))
	for _, base := range []string{srv.URL, srv.URL + "/", srv.URL + "/prefix", srv.URL + "/prefix/"} {
		if _, err := fastChecker(base).Me(context.Background(), testToken); err != nil {
			t.Fatalf("base %q: %v", base, err)
		}
	}
	want := []string{"/api/v1/users/me.json", "/api/v1/users/me.json", "/prefix/api/v1/users/me.json", "/prefix/api/v1/users/me.json"}
	for i, p := range k.paths {
		if p != want[i] {
			t.Errorf("request %d path = %q, want %q", i, p, want[i])
		}
	}
}

func TestMeURLDefault(t *testing.T) {
	got, err := meURL("")
	if err != nil {
		t.Fatal(err)
	}
	if got != DefaultAPIBaseURL+"/api/v1/users/me.json" {
		t.Fatalf("meURL(\"\") = %q", got)
	}
}

func TestMePackageFuncUsesGivenBase(t *testing.T) {
	srv, k := serve(t, fixed(http.StatusOK, meOKBody))
	id, err := Me(context.Background(), srv.URL, testToken)
	if err != nil || id.UserID != "123" || k.count() != 1 {
		t.Fatalf("Me = %+v, %v after %d requests", id, err, k.count())
	}
}

func TestMeTrimsTokenWhitespace(t *testing.T) {
	srv, k := serve(t, fixed(http.StatusOK, meOKBody))
	if _, err := fastChecker(srv.URL).Me(context.Background(), "  "+testToken+"\n"); err != nil {
		t.Fatal(err)
	}
	if k.auth[0] != "Bearer "+testToken {
		t.Fatalf("Authorization = %q", k.auth[0])
	}
}

func TestMeUsesInjectedClient(t *testing.T) {
	srv, _ := serve(t, fixed(http.StatusOK, meOKBody))
	var used atomic.Int32
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := fastChecker(srv.URL)
	c.HTTPClient = client
	if _, err := c.Me(context.Background(), testToken); err != nil {
		t.Fatal(err)
	}
	if used.Load() != 1 {
		t.Fatalf("injected client used %d times, want 1", used.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestMeRejected(t *testing.T) {
	srv, k := serve(t, fixed(http.StatusUnauthorized, meUnauthorizedBody))
	_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
	e := wantKind(t, err, KindRejected)
	if !IsRejected(err) || e.Status != 401 {
		t.Fatalf("IsRejected=%v status=%d", IsRejected(err), e.Status)
	}
	wantMsg := "Kantata no longer accepts this connection's authorization — it may have been revoked."
	if e.UserMessage() != wantMsg {
		t.Fatalf("UserMessage = %q", e.UserMessage())
	}
	if !strings.Contains(e.TechnicalDetail(), "Invalid OAuth 2 Request") {
		t.Fatalf("TechnicalDetail %q does not quote Kantata's error", e.TechnicalDetail())
	}
	if k.count() != 1 {
		t.Fatalf("a 401 was retried: %d requests", k.count())
	}
}

// A 401 that says why (Doorkeeper's WWW-Authenticate) quotes the server's
// reason instead of guessing, cleaned and bounded; the detail holds the
// code and the reason once.
func TestMeRejectedWithTheServersReason(t *testing.T) {
	for _, tc := range []struct {
		name, header, says, detail string
	}{
		{"Doorkeeper revoked", `Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token was revoked"`,
			"Kantata no longer accepts this connection's authorization: “The access token was revoked”.",
			`WWW-Authenticate error="invalid_token" error_description="The access token was revoked"`},
		{"expired, with an escaped quote", `Bearer error="invalid_token", error_description="The \"token\" expired."`,
			"authorization: “The \"token\" expired”.", `error_description="The \"token\" expired."`},
		{"no reason", `Bearer realm="Doorkeeper"`, "it may have been revoked.", "HTTP 401"},
		{"another scheme", `Basic realm="x", error_description="ignored"`, "it may have been revoked.", "HTTP 401"},
		{"a hostile reason", "Bearer error_description=\"revoked\u202e by\u200b the admin " + strings.Repeat("x", 1000) + "\"",
			"“revoked by the admin xxxx", "revoked by the admin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				w.Header().Set("WWW-Authenticate", tc.header)
				w.WriteHeader(http.StatusUnauthorized)
			})
			_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
			e := wantKind(t, err, KindRejected)
			if !strings.Contains(e.UserMessage(), tc.says) {
				t.Errorf("UserMessage = %q; want %q in it", e.UserMessage(), tc.says)
			}
			if d := e.TechnicalDetail(); !strings.Contains(d, tc.detail) || strings.Count(d, "HTTP 401") != 1 {
				t.Errorf("TechnicalDetail = %q; want %q in it, and HTTP 401 once", d, tc.detail)
			}
			if msg := e.UserMessage(); safetext.Find(msg) >= 0 || len(msg) > 400 {
				t.Errorf("UserMessage is not clean and bounded: %q", msg)
			}
		})
	}
}

func TestMeRateLimitedThenOK(t *testing.T) {
	srv, k := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n <= 2 {
			fixed(http.StatusTooManyRequests, meRateLimitedBody)(w, r, n)
			return
		}
		fixed(http.StatusOK, meOKBody)(w, r, n)
	})
	id, err := fastChecker(srv.URL).Me(context.Background(), testToken)
	if err != nil || id.UserID != "123" {
		t.Fatalf("Me = %+v, %v", id, err)
	}
	if k.count() != 3 {
		t.Fatalf("requests = %d, want 3", k.count())
	}
}

func TestMeRateLimitedGivesUp(t *testing.T) {
	for _, tc := range []struct {
		maxRetries, wantRequests int
	}{{0, DefaultMaxRetries + 1}, {1, 2}, {5, 6}, {-1, 1}} {
		t.Run(fmt.Sprint(tc.maxRetries), func(t *testing.T) {
			srv, k := serve(t, fixed(http.StatusTooManyRequests, meRateLimitedBody))
			c := fastChecker(srv.URL)
			c.MaxRetries = tc.maxRetries
			_, err := c.Me(context.Background(), testToken)
			e := wantKind(t, err, KindRateLimited)
			if e.UserMessage() != "Kantata is rate limiting requests; wait a minute and test again." {
				t.Fatalf("UserMessage = %q", e.UserMessage())
			}
			if e.Status != 429 || k.count() != tc.wantRequests {
				t.Fatalf("status=%d requests=%d, want 429 and %d", e.Status, k.count(), tc.wantRequests)
			}
		})
	}
}

// Retry-After is a lower bound the server sets; waiting less would be
// rude. The assertion is a lower bound on a timer, not a speed claim.
func TestMeHonoursRetryAfter(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			fixed(http.StatusTooManyRequests, meRateLimitedBody)(w, r, n)
			return
		}
		fixed(http.StatusOK, meOKBody)(w, r, n)
	})
	if _, err := fastChecker(srv.URL).Me(context.Background(), testToken); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("requests = %d, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
		t.Fatalf("retried after %v, Retry-After asked for 1s", gap)
	}
}

// A Retry-After beyond what the check has left ends the check at once as
// rate limited, rather than sleeping into a timeout.
func TestMeRetryAfterBeyondDeadline(t *testing.T) {
	srv, k := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "120")
		fixed(http.StatusTooManyRequests, meRateLimitedBody)(w, r, n)
	})
	c := fastChecker(srv.URL)
	c.Timeout = 5 * time.Second
	_, err := c.Me(context.Background(), testToken)
	e := wantKind(t, err, KindRateLimited)
	if k.count() != 1 {
		t.Fatalf("requests = %d, want 1", k.count())
	}
	if !strings.Contains(e.TechnicalDetail(), `Retry-After="120"`) {
		t.Fatalf("TechnicalDetail %q does not mention Retry-After", e.TechnicalDetail())
	}
}

func TestRetryAfterParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"0", 0}, {"-5", 0}, {"abc", 0}, {"2", 2 * time.Second},
		{"30", 30 * time.Second}, {"31", MaxRetryAfter + time.Second},
		{"99999999999999999999", 0}, // not an int64, not a date
		{"Wed, 21 Oct 2015 07:28:00 GMT", 0},
	} {
		if got := retryAfter(tc.in); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	future := time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)
	if got := retryAfter(future); got <= 0 || got > 10*time.Second {
		t.Errorf("retryAfter(%q) = %v, want (0,10s]", future, got)
	}
}

func TestMeServerError(t *testing.T) {
	for _, status := range []int{500, 502, 503} {
		srv, k := serve(t, fixed(status, meServerErrorBody))
		_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
		e := wantKind(t, err, KindServerError)
		if e.Status != status || k.count() != 1 {
			t.Fatalf("status=%d requests=%d", e.Status, k.count())
		}
		if !strings.Contains(e.TechnicalDetail(), fmt.Sprintf("HTTP %d", status)) {
			t.Fatalf("TechnicalDetail %q lacks the status", e.TechnicalDetail())
		}
	}
}

func TestMeBadResponse(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
	}{
		"html login page":    {200, "<!doctype html><html><body>Sign in</body></html>"},
		"empty":              {200, ""},
		"json array":         {200, `[1,2,3]`},
		"no results":         {200, `{"count":0,"results":[],"users":{},"meta":{}}`},
		"results not users":  {200, `{"count":1,"results":[{"key":"projects","id":"123"}],"users":{"123":{"full_name":"X"}}}`},
		"user missing":       {200, `{"count":1,"results":[{"key":"users","id":"123"}],"users":{"124":{"full_name":"X"}}}`},
		"empty id":           {200, `{"count":1,"results":[{"key":"users","id":""}],"users":{"":{"full_name":"X"}}}`},
		"mismatched user id": {200, `{"count":1,"results":[{"key":"users","id":"123"}],"users":{"123":{"id":"999"}}}`},
		"truncated json":     {200, meOKBody[:40]},
		"not found":          {404, `{"errors":[{"type":"system","message":"Not found"}]}`},
		"forbidden":          {403, `{"errors":[{"type":"system","message":"Forbidden"}]}`},
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := serve(t, fixed(tc.status, tc.body))
			_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
			e := wantKind(t, err, KindBadResponse)
			if e.Status != tc.status {
				t.Fatalf("status = %d, want %d", e.Status, tc.status)
			}
		})
	}
}

func TestMeTooLarge(t *testing.T) {
	big := `{"count":1,"results":[{"key":"users","id":"123"}],"pad":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	t.Run("content-length", func(t *testing.T) {
		srv, _ := serve(t, fixed(http.StatusOK, big))
		_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
		wantKind(t, err, KindTooLarge)
	})
	t.Run("chunked", func(t *testing.T) {
		srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush() // no Content-Length: only reading finds the size
			for i := 0; i < len(big); i += 64 << 10 {
				if _, err := fmt.Fprint(w, big[i:min(i+64<<10, len(big))]); err != nil {
					return
				}
			}
		})
		_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
		wantKind(t, err, KindTooLarge)
	})
	t.Run("exactly the limit is read", func(t *testing.T) {
		body := meOKBody[:len(meOKBody)-1] + `,"pad":"`
		body += strings.Repeat("x", MaxBodyBytes-len(body)-2) + `"}`
		if len(body) != MaxBodyBytes {
			t.Fatalf("test body is %d bytes", len(body))
		}
		srv, _ := serve(t, fixed(http.StatusOK, body))
		if _, err := fastChecker(srv.URL).Me(context.Background(), testToken); err != nil {
			t.Fatalf("a body of exactly MaxBodyBytes failed: %v", err)
		}
	})
}

func TestMeNetworkFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	_, err := fastChecker(base).Me(context.Background(), testToken)
	e := wantKind(t, err, KindNetwork)
	if e.Status != 0 || e.Err == nil {
		t.Fatalf("status=%d err=%v", e.Status, e.Err)
	}
}

// stall answers only when the client gives up, so the check must time out.
func stall(headersFirst bool) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		if headersFirst {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, meOKBody[:20])
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
	}
}

func TestMeTimeout(t *testing.T) {
	for name, headersFirst := range map[string]bool{"no headers": false, "body stalls": true} {
		t.Run(name, func(t *testing.T) {
			srv, _ := serve(t, stall(headersFirst))
			c := fastChecker(srv.URL)
			c.Timeout = 100 * time.Millisecond
			_, err := c.Me(context.Background(), testToken)
			wantKind(t, err, KindTimeout)
			if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "timed out") {
				t.Fatalf("error %v does not say it timed out", err)
			}
		})
	}
	t.Run("client's own timeout", func(t *testing.T) {
		srv, _ := serve(t, stall(false))
		c := fastChecker(srv.URL)
		c.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}
		_, err := c.Me(context.Background(), testToken)
		wantKind(t, err, KindTimeout)
	})
	t.Run("caller's deadline", func(t *testing.T) {
		srv, _ := serve(t, stall(false))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := fastChecker(srv.URL).Me(ctx, testToken)
		wantKind(t, err, KindTimeout)
	})
}

func TestMeCanceled(t *testing.T) {
	srv, _ := serve(t, stall(false))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err := fastChecker(srv.URL).Me(ctx, testToken)
	wantKind(t, err, KindCanceled)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v does not wrap context.Canceled", err)
	}
}

// Canceling while waiting out a 429 ends the wait at once.
func TestMeCanceledDuringBackoff(t *testing.T) {
	srv, k := serve(t, fixed(http.StatusTooManyRequests, meRateLimitedBody))
	c := fastChecker(srv.URL)
	c.Backoff = time.Hour // the wait only ends by cancellation
	c.Timeout = 2 * time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err := c.Me(ctx, testToken)
	wantKind(t, err, KindCanceled)
	if k.count() != 1 {
		t.Fatalf("requests = %d, want 1", k.count())
	}
}

func TestMeInvalidInput(t *testing.T) {
	srv, k := serve(t, fixed(http.StatusOK, meOKBody))
	for name, tc := range map[string]struct{ base, token string }{
		"empty token":      {srv.URL, ""},
		"blank token":      {srv.URL, "   "},
		"newline in token": {srv.URL, testToken + "\r\nX-Evil: 1"},
		"space in token":   {srv.URL, "two words"},
		"non-ascii token":  {srv.URL, "tök"},
		"ftp base":         {"ftp://api.mavenlink.com", testToken},
		"relative base":    {"api.mavenlink.com", testToken},
		"unparseable base": {"http://[::1", testToken},
		"scheme only base": {"https://", testToken},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := fastChecker(tc.base).Me(context.Background(), tc.token)
			wantKind(t, err, KindInvalidInput)
		})
	}
	if k.count() != 0 {
		t.Fatalf("invalid input still sent %d requests", k.count())
	}
}

// Every kind of failure, with a server that echoes the Authorization header
// wherever it can, must keep the token out of every text of the error.
func TestErrorsNeverContainToken(t *testing.T) {
	echo := func(status int, extra func(w http.ResponseWriter, auth string)) func(http.ResponseWriter, *http.Request, int) {
		return func(w http.ResponseWriter, r *http.Request, _ int) {
			auth := r.Header.Get("Authorization")
			tok := strings.TrimPrefix(auth, "Bearer ")
			w.Header().Set("Content-Type", "text/plain; echo="+tok)
			w.Header().Set("Retry-After", tok)
			if extra != nil {
				extra(w, tok)
			}
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"errors":[{"type":"%s","message":"%s"}],"results":[{"key":"%s","id":"%s"}],"echo":"%s"}`,
				tok, auth, tok, tok, strings.Repeat(tok, 20))
		}
	}
	cases := map[Kind]func(t *testing.T) error{
		KindRejected: func(t *testing.T) error {
			srv, _ := serve(t, echo(401, nil))
			_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
			return err
		},
		KindRateLimited: func(t *testing.T) error {
			srv, _ := serve(t, echo(429, nil))
			_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
			return err
		},
		KindServerError: func(t *testing.T) error {
			srv, _ := serve(t, echo(500, nil))
			_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
			return err
		},
		KindBadResponse: func(t *testing.T) error {
			srv, _ := serve(t, echo(200, nil))
			_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
			return err
		},
		KindTooLarge: func(t *testing.T) error {
			srv, _ := serve(t, echo(200, func(w http.ResponseWriter, tok string) {
				w.Header().Set("Content-Length", fmt.Sprint(MaxBodyBytes+1))
			}))
			_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
			return err
		},
		KindNetwork: func(t *testing.T) error {
			srv := httptest.NewServer(http.NotFoundHandler())
			base := srv.URL
			srv.Close()
			_, err := fastChecker(base).Me(context.Background(), testToken)
			return err
		},
		KindTimeout: func(t *testing.T) error {
			srv, _ := serve(t, stall(true))
			c := fastChecker(srv.URL)
			c.Timeout = 100 * time.Millisecond
			_, err := c.Me(context.Background(), testToken)
			return err
		},
		KindCanceled: func(t *testing.T) error {
			srv, _ := serve(t, stall(false))
			ctx, cancel := context.WithCancel(context.Background())
			go func() { time.Sleep(50 * time.Millisecond); cancel() }()
			_, err := fastChecker(srv.URL).Me(ctx, testToken)
			return err
		},
		KindInvalidInput: func(t *testing.T) error {
			_, err := fastChecker("ftp://x").Me(context.Background(), testToken)
			return err
		},
		KindRedirected: func(t *testing.T) error {
			srv, _ := serve(t, echo(307, func(w http.ResponseWriter, tok string) {
				w.Header().Set("Location", "https://"+tok+".example/"+strings.Repeat(tok, 20))
			}))
			_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
			return err
		},
	}
	for kind, run := range cases {
		t.Run(string(kind), func(t *testing.T) {
			err := run(t)
			e := wantKind(t, err, kind)
			for what, text := range map[string]string{
				"Error":           err.Error(),
				"UserMessage":     e.UserMessage(),
				"TechnicalDetail": e.TechnicalDetail(),
				"Message":         e.Message,
				"Detail":          e.Detail,
				"%+v":             fmt.Sprintf("%+v", err),
				"%#v":             fmt.Sprintf("%#v", *e),
			} {
				// Half the token is enough to count as a leak.
				if strings.Contains(text, testToken[:len(testToken)/2]) || strings.Contains(text, testToken[len(testToken)/2:]) {
					t.Errorf("%s leaks the token: %s", what, text)
				}
			}
		})
	}
	// A token that breaks header syntax is refused without quoting it.
	bad := testToken + "\nmore"
	_, err := fastChecker("http://127.0.0.1:1").Me(context.Background(), bad)
	e := wantKind(t, err, KindInvalidInput)
	if strings.Contains(e.TechnicalDetail()+err.Error(), testToken[:8]) {
		t.Errorf("invalid-token error quotes the token: %v", err)
	}
}

func TestKindOfAndIsRejected(t *testing.T) {
	if KindOf(nil) != "" || KindOf(errors.New("x")) != "" || IsRejected(errors.New("x")) {
		t.Fatal("non-kantata errors must have no kind")
	}
	wrapped := fmt.Errorf("test connection %q: %w", "Main", newError(KindRejected, 401, "d", nil))
	if KindOf(wrapped) != KindRejected || !IsRejected(wrapped) {
		t.Fatal("KindOf/IsRejected must see through wrapping")
	}
	for kind, msg := range userMessages {
		if msg == "" {
			t.Errorf("kind %q has no user message", kind)
		}
	}
}

func TestParseMe(t *testing.T) {
	for name, tc := range map[string]struct {
		body string
		want Identity
	}{
		"kantata": {meOKBody, Identity{"123", "Jane Doe", "jane@example.com"}},
		"numeric ids": {`{"count":1,"results":[{"key":"users","id":123}],"users":{"123":{"id":123,"full_name":"A","email_address":"a@b"}}}`,
			Identity{"123", "A", "a@b"}},
		"no inner id": {`{"results":[{"key":"users","id":"7"}],"users":{"7":{"full_name":"B"}}}`, Identity{"7", "B", ""}},
		"first result wins": {`{"results":[{"key":"users","id":"1"},{"key":"users","id":"2"}],"users":{"1":{"full_name":"One"},"2":{"full_name":"Two"}}}`,
			Identity{"1", "One", ""}},
	} {
		got, err := parseMe([]byte(tc.body), testToken)
		if err != nil || got != tc.want {
			t.Errorf("%s: parseMe = %+v, %v; want %+v", name, got, err, tc.want)
		}
	}
	for _, bad := range []string{`null`, `{}`, `{"results":null}`, `{"results":[{"key":"users","id":true}]}`, `{"results":[{"key":"users","id":"1"}],"users":null}`,
		`{"results":[{"key":"users","id":"\u200b\u202e"}],"users":{"\u200b\u202e":{"full_name":"A"}}}`} {
		if id, err := parseMe([]byte(bad), testToken); err == nil {
			t.Errorf("parseMe(%s) = %+v, want an error", bad, id)
		}
	}
}

func FuzzParseMe(f *testing.F) {
	for _, s := range []string{
		meOKBody, meUnauthorizedBody, "", "null", "{}", "[]", `{"results":[{"key":"users","id":""}]}`,
		`{"results":[{"key":"users","id":1e400}],"users":{}}`,
		`{"results":[{"key":"users","id":" 1 "}],"users":{"1":{}}}`,
		`{"results":[{"key":"users","id":"1"}],"users":{"1":{"id":{"x":1}}}}`,
		`{"results":[{"key":"users","id":"\u200b"}],"users":{"\u200b":{"full_name":"\u001b]0;x\u0007"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		id, err := parseMe(body, testToken)
		if err == nil && strings.TrimSpace(id.UserID) == "" {
			t.Fatalf("parseMe(%q) returned an identity without a user id: %+v", body, id)
		}
		if err != nil && id != (Identity{}) {
			t.Fatalf("parseMe(%q) returned both an identity and an error", body)
		}
		for _, s := range []string{id.UserID, id.FullName, id.Email} {
			if u := hasUnsafe(s); u != "" {
				t.Fatalf("parseMe(%q) returned an identity holding %s", body, u)
			}
		}
	})
}

func BenchmarkParseMe(b *testing.B) {
	body := []byte(meOKBody)
	for b.Loop() {
		if _, err := parseMe(body, testToken); err != nil {
			b.Fatal(err)
		}
	}
}

// A Retry-After over MaxRetryAfter ends the check even when the timeout
// would allow the wait.
func TestMeRetryAfterOverCap(t *testing.T) {
	srv, k := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "3600")
		fixed(http.StatusTooManyRequests, meRateLimitedBody)(w, r, n)
	})
	c := fastChecker(srv.URL)
	c.Timeout = 3 * time.Hour
	_, err := c.Me(context.Background(), testToken)
	e := wantKind(t, err, KindRateLimited)
	if k.count() != 1 || !strings.Contains(e.Detail, "cap") {
		t.Fatalf("requests=%d detail=%q, want 1 request and a cap note", k.count(), e.Detail)
	}
}

// hasUnsafe reports the first character of s no screen may get, or "".
func hasUnsafe(s string) string {
	if i := safetext.Find(s); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Sprintf("%U at byte %d of %q", r, i, s)
	}
	return ""
}

// What Kantata sends about the user is made safe as it is parsed, so an
// identity never holds a character a terminal obeys or one that reorders or
// hides text; the user is still recognised.
func TestParseMeCleansServerText(t *testing.T) {
	me := func(id, name, email string) string {
		b, _ := json.Marshal(map[string]any{
			"count": 1, "results": []any{map[string]string{"key": "users", "id": id}},
			"users": map[string]any{id: map[string]string{"id": id, "full_name": name, "email_address": email}},
		})
		return string(b)
	}
	for _, tc := range []struct {
		name string
		body string
		want Identity
	}{
		{"title change in the name", me("1", "Jane\x1b]0;pwned\x07 Doe", "jane@example.com"),
			Identity{"1", "Jane\uFFFD]0;pwned\uFFFD Doe", "jane@example.com"}},
		{"screen clear in the name", me("1", "\x1b[2JJane Doe", "jane@example.com"),
			Identity{"1", "\uFFFD[2JJane Doe", "jane@example.com"}},
		{"OSC 8 link in the name", me("1", "\x1b]8;;http://evil\x1b\\Jane\x1b]8;;\x1b\\", "j@example.com"),
			Identity{"1", "\uFFFD]8;;http://evil\uFFFD\\Jane\uFFFD]8;;\uFFFD\\", "j@example.com"}},
		{"8-bit CSI in the name", me("1", "\u009b31mJane", "j@example.com"), Identity{"1", "\uFFFD31mJane", "j@example.com"}},
		{"right-to-left override in the name", me("1", "\u202eeoD enaJ\u202c", "j@example.com"), Identity{"1", "eoD enaJ", "j@example.com"}},
		{"zero-width space in the name", me("1", "Jane\u200bDoe", "j@example.com"), Identity{"1", "JaneDoe", "j@example.com"}},
		{"line break in the name", me("1", "Jane\nDoe", "j@example.com"), Identity{"1", "Jane Doe", "j@example.com"}},
		{"escape sequence in the email", me("1", "Jane", "jane@example.com\x1b[8m"), Identity{"1", "Jane", "jane@example.com\uFFFD[8m"}},
		{"bidi in the email", me("1", "Jane", "moc.elpmaxe@\u202eenaj"), Identity{"1", "Jane", "moc.elpmaxe@enaj"}},
		{"escape sequence in the user ID", me("7\x1b[2J", "Jane", "j@example.com"), Identity{"7\uFFFD[2J", "Jane", "j@example.com"}},
		{"invalid UTF-8 in the name", `{"results":[{"key":"users","id":"1"}],"users":{"1":{"full_name":"Jan` + "\xff" + `e"}}}`,
			Identity{"1", "Jan\uFFFDe", ""}},
		{"a name that is only invisible characters", me("1", "\u202e\u200b", "j@example.com"), Identity{"1", "", "j@example.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMe([]byte(tc.body), testToken)
			if err != nil || got != tc.want {
				t.Fatalf("parseMe = %+v, %v; want %+v", got, err, tc.want)
			}
			for _, s := range []string{got.UserID, got.FullName, got.Email} {
				if u := hasUnsafe(s); u != "" {
					t.Errorf("identity holds %s", u)
				}
			}
		})
	}
}

// Kantata's error bodies reach the technical detail, which is shown and kept
// with the connection: their text is made safe there too.
func TestMeErrorBodiesCleaned(t *testing.T) {
	const evil = `{"errors":[{"type":"oauth\u001b]0;pwned\u0007","message":"Invalid \u001b[2J\u202eOAuth\u202c \u001b]8;;http://evil\u001b\\click\u001b]8;;\u001b\\ \u009b31m"}]}`
	for _, tc := range []struct {
		name   string
		status int
		kind   Kind
	}{
		{"401", http.StatusUnauthorized, KindRejected},
		{"500", http.StatusInternalServerError, KindServerError},
		{"unexpected status", http.StatusForbidden, KindBadResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, fixed(tc.status, evil))
			_, err := fastChecker(srv.URL).Me(context.Background(), testToken)
			e := wantKind(t, err, tc.kind)
			if !strings.Contains(e.Detail, "Invalid") || !strings.Contains(e.Detail, "OAuth") {
				t.Errorf("detail lost Kantata's words: %q", e.Detail)
			}
			for what, s := range map[string]string{"Error()": e.Error(), "TechnicalDetail": e.TechnicalDetail(), "UserMessage": e.UserMessage()} {
				if u := hasUnsafe(s); u != "" {
					t.Errorf("%s holds %s", what, u)
				}
			}
		})
	}
}
