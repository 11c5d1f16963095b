package fakekantata

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testClientID = "client-abc"
	testSecret   = "s3cret value/with+chars&="
	testState    = "state-0123456789"
)

// callback is a tiny loopback app that records what the browser brings back.
type callback struct {
	URL string // full redirect URI, .../callback
	mu  sync.Mutex
	got []url.Values
}

func newCallback(t *testing.T) *callback {
	t.Helper()
	cb := &callback{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb.mu.Lock()
		cb.got = append(cb.got, r.URL.Query())
		cb.mu.Unlock()
		_, _ = io.WriteString(w, "callback received")
	}))
	t.Cleanup(ts.Close)
	cb.URL = ts.URL + "/callback"
	return cb
}

func (cb *callback) calls() []url.Values {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	return append([]url.Values(nil), cb.got...)
}

func httpClient() *http.Client { return &http.Client{Timeout: 20 * time.Second} }

func noRedirectClient() *http.Client {
	return &http.Client{
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func setup(t *testing.T) (*Server, *callback) {
	t.Helper()
	s := New(t)
	cb := newCallback(t)
	s.AddClient(testClientID, testSecret, "http://127.0.0.1:1/other", cb.URL)
	return s, cb
}

func authorizeURL(s *Server, params url.Values) string {
	return s.AuthURL() + "?" + params.Encode()
}

func baseParams(cb *callback) url.Values {
	return url.Values{
		"client_id":     {testClientID},
		"response_type": {"code"},
		"redirect_uri":  {cb.URL},
		"state":         {testState},
	}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", u, err)
	}
	return resp, string(body)
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// consentForm fetches the consent page and returns the form it would post.
func consentForm(t *testing.T, authURL string) url.Values {
	t.Helper()
	resp, body := get(t, httpClient(), authURL)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent page: status %d, body %s", resp.StatusCode, body)
	}
	for _, want := range []string{testClientID, `id="authorize"`, `id="deny"`, `method="post"`, `action="/oauth/authorize"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("consent page lacks %q:\n%s", want, body)
		}
	}
	form := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		form.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	if len(form) == 0 {
		t.Fatalf("consent page has no hidden inputs:\n%s", body)
	}
	return form
}

// decide posts the consent form with the decision, following redirects to
// the callback. It returns the final response status.
func decide(t *testing.T, s *Server, form url.Values, decision string) int {
	t.Helper()
	form = cloneValues(form)
	form.Set("decision", decision)
	resp, err := httpClient().PostForm(s.AuthURL(), form)
	if err != nil {
		t.Fatalf("POST consent: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// authorize runs the browser part of the flow and returns the code.
func authorize(t *testing.T, s *Server, cb *callback, params url.Values) string {
	t.Helper()
	before := len(cb.calls())
	if st := decide(t, s, consentForm(t, authorizeURL(s, params)), "authorize"); st != http.StatusOK {
		t.Fatalf("after Authorize: status %d", st)
	}
	calls := cb.calls()
	if len(calls) != before+1 {
		t.Fatalf("callback called %d times, want 1", len(calls)-before)
	}
	q := calls[len(calls)-1]
	if q.Get("state") != params.Get("state") {
		t.Fatalf("callback state %q, want %q", q.Get("state"), params.Get("state"))
	}
	if q.Get("error") != "" {
		t.Fatalf("callback error %q: %q", q.Get("error"), q.Get("error_description"))
	}
	code := q.Get("code")
	if code == "" {
		t.Fatalf("callback has no code: %v", q)
	}
	return code
}

type tokenResult struct {
	status int
	body   string
	json   map[string]any
}

func (r tokenResult) str(key string) string {
	s, _ := r.json[key].(string)
	return s
}

// exchange posts a token request; basic selects client_secret_basic.
func exchange(t *testing.T, s *Server, form url.Values, id, secret string, basic bool) tokenResult {
	t.Helper()
	form = cloneValues(form)
	if !basic {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	req, err := http.NewRequest(http.MethodPost, s.TokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		// RFC 6749 2.3.1: form-encode before Basic.
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		t.Fatalf("token request: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := tokenResult{status: resp.StatusCode, body: string(b)}
	_ = json.Unmarshal(b, &r.json)
	return r
}

func codeForm(code, redirectURI string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
}

func wantTokenError(t *testing.T, r tokenResult, status int, code string) {
	t.Helper()
	if r.status != status || r.str("error") != code {
		t.Fatalf("token response: status %d error %q, want %d %q; body %s", r.status, r.str("error"), status, code, r.body)
	}
}

func wantToken(t *testing.T, r tokenResult) string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("token response: status %d, body %s", r.status, r.body)
	}
	if !strings.EqualFold(r.str("token_type"), "bearer") {
		t.Fatalf("token_type %q, want bearer", r.str("token_type"))
	}
	tok := r.str("access_token")
	if tok == "" {
		t.Fatalf("no access_token in %s", r.body)
	}
	return tok
}

type meReply struct {
	status int
	header http.Header
	body   []byte
}

func me(t *testing.T, s *Server, token string) meReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.APIBaseURL()+"/api/v1/users/me.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		t.Fatalf("users/me: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return meReply{resp.StatusCode, resp.Header, b}
}

func wantMeUser(t *testing.T, r meReply, id, name, email string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("users/me: status %d, body %s", r.status, r.body)
	}
	var got struct {
		Count   int `json:"count"`
		Results []struct {
			Key, ID string
		} `json:"results"`
		Users map[string]struct {
			ID           string `json:"id"`
			FullName     string `json:"full_name"`
			EmailAddress string `json:"email_address"`
		} `json:"users"`
		Meta map[string]int `json:"meta"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("users/me body is not JSON: %v", err)
	}
	if got.Count != 1 || len(got.Results) != 1 || got.Results[0].Key != "users" || got.Results[0].ID != id {
		t.Fatalf("users/me results = %+v, want one users/%s", got.Results, id)
	}
	u := got.Users[id]
	if u.ID != id || u.FullName != name || u.EmailAddress != email {
		t.Fatalf("users/me user = %+v, want %s %s %s", u, id, name, email)
	}
	if got.Meta["page_size"] != 20 || got.Meta["count"] != 1 {
		t.Fatalf("users/me meta = %v", got.Meta)
	}
}

func wantUnauthorized(t *testing.T, r meReply) {
	t.Helper()
	if r.status != http.StatusUnauthorized || string(r.body) != UnauthorizedBody {
		t.Fatalf("users/me: status %d body %s, want 401 %s", r.status, r.body, UnauthorizedBody)
	}
}

func TestCodeFlowClientSecretPost(t *testing.T) {
	s, cb := setup(t)
	code := authorize(t, s, cb, baseParams(cb))
	r := exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false)
	tok := wantToken(t, r)
	if _, ok := r.json["refresh_token"]; ok {
		t.Errorf("refresh_token issued without SetIssueRefreshToken: %s", r.body)
	}
	wantMeUser(t, me(t, s, tok), DefaultUserID, DefaultFullName, DefaultEmail)

	// The exact body the brief documents for the default user.
	want := `{"count":1,"results":[{"key":"users","id":"12345"}],"users":{"12345":{"id":"12345","full_name":"Jane Doe","email_address":"jane@example.com"}},"meta":{"count":1,"page_count":1,"page_number":1,"page_size":20}}`
	if got := strings.TrimSpace(string(me(t, s, tok).body)); got != want {
		t.Errorf("users/me body\n got %s\nwant %s", got, want)
	}

	form, basic := s.LastTokenRequest()
	if basic || form.Get("client_secret") != "REDACTED" || form.Get("code") != code {
		t.Errorf("LastTokenRequest = %v basic=%v; want redacted secret, the code, no basic", form, basic)
	}
	if q := s.LastAuthorizeQuery(); q.Get("state") != testState || q.Get("redirect_uri") != cb.URL {
		t.Errorf("LastAuthorizeQuery = %v", q)
	}
}

func TestCodeFlowClientSecretBasic(t *testing.T) {
	s, cb := setup(t)
	code := authorize(t, s, cb, baseParams(cb))
	tok := wantToken(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, true))
	wantMeUser(t, me(t, s, tok), DefaultUserID, DefaultFullName, DefaultEmail)
	if _, basic := s.LastTokenRequest(); !basic {
		t.Error("LastTokenRequest did not see the Basic header")
	}
}

func TestNoStateNoScopeAccepted(t *testing.T) {
	s, cb := setup(t)
	p := baseParams(cb)
	p.Del("state")
	code := authorize(t, s, cb, p)
	if calls := cb.calls(); calls[len(calls)-1].Has("state") {
		t.Errorf("callback got a state the client never sent: %v", calls[len(calls)-1])
	}
	wantToken(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false))

	p.Set("state", "ab") // fosite alone wants 8+ characters; Kantata does not
	code = authorize(t, s, cb, p)
	wantToken(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false))
}

func TestWrongSecretIsInvalidClient(t *testing.T) {
	s, cb := setup(t)
	code := authorize(t, s, cb, baseParams(cb))
	for _, basic := range []bool{false, true} {
		wantTokenError(t, exchange(t, s, codeForm(code, cb.URL), testClientID, "wrong", basic), http.StatusUnauthorized, "invalid_client")
	}
	wantTokenError(t, exchange(t, s, codeForm(code, cb.URL), "no-such-client", testSecret, false), http.StatusUnauthorized, "invalid_client")
	// The code was not burnt by the failed attempts.
	wantToken(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false))
}

func TestCodeReuseIsInvalidGrantAndRevokes(t *testing.T) {
	s, cb := setup(t)
	code := authorize(t, s, cb, baseParams(cb))
	tok := wantToken(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false))
	wantTokenError(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false), http.StatusBadRequest, "invalid_grant")
	// RFC 6749 4.1.2: tokens issued from a replayed code should be revoked.
	wantUnauthorized(t, me(t, s, tok))
}

func TestBadAndExpiredCodes(t *testing.T) {
	s, cb := setup(t)
	wantTokenError(t, exchange(t, s, codeForm("not-a-code", cb.URL), testClientID, testSecret, false), http.StatusBadRequest, "invalid_grant")

	s.SetCodeLifespan(-time.Second)
	code := authorize(t, s, cb, baseParams(cb))
	wantTokenError(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false), http.StatusBadRequest, "invalid_grant")
}

func TestTokenRedirectURIMustMatch(t *testing.T) {
	s, cb := setup(t)
	code := authorize(t, s, cb, baseParams(cb))
	wantTokenError(t, exchange(t, s, codeForm(code, "http://127.0.0.1:1/other"), testClientID, testSecret, false), http.StatusBadRequest, "invalid_grant")
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestPKCE(t *testing.T) {
	const verifier = "verifier-0123456789-0123456789-0123456789-0123456789"
	const other = "another-verifier-0123456789-0123456789-0123456789-01"
	cases := []struct {
		name, method, challenge, verifier string
		ok                                bool
	}{
		{"S256 right verifier", "S256", s256(verifier), verifier, true},
		{"S256 wrong verifier", "S256", s256(verifier), other, false},
		{"S256 missing verifier", "S256", s256(verifier), "", false},
		{"plain right verifier", "plain", verifier, verifier, true},
		{"plain wrong verifier", "plain", verifier, other, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, cb := setup(t)
			p := baseParams(cb)
			p.Set("code_challenge", c.challenge)
			p.Set("code_challenge_method", c.method)
			code := authorize(t, s, cb, p)
			f := codeForm(code, cb.URL)
			if c.verifier != "" {
				f.Set("code_verifier", c.verifier)
			}
			r := exchange(t, s, f, testClientID, testSecret, false)
			if c.ok {
				wantToken(t, r)
			} else {
				wantTokenError(t, r, http.StatusBadRequest, "invalid_grant")
			}
		})
	}
}

func TestUnregisteredRedirectURIShowsErrorPage(t *testing.T) {
	s, cb := setup(t)
	u, _ := url.Parse(cb.URL)
	otherPort := "http://127.0.0.1:1" + u.Port() + "/callback" // a loopback URI fosite alone would accept
	cases := map[string]url.Values{}
	for name, ru := range map[string]string{
		"other port":     otherPort,
		"other path":     strings.TrimSuffix(cb.URL, "/callback") + "/evil",
		"other host":     "http://evil.example/callback",
		"trailing slash": cb.URL + "/",
	} {
		p := baseParams(cb)
		p.Set("redirect_uri", ru)
		cases[name] = p
	}
	unknown := baseParams(cb)
	unknown.Set("client_id", "no-such-client")
	cases["unknown client"] = unknown

	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				var resp *http.Response
				var err error
				if method == http.MethodGet {
					resp, err = noRedirectClient().Get(authorizeURL(s, p))
				} else {
					f := cloneValues(p)
					f.Set("decision", "authorize")
					resp, err = noRedirectClient().PostForm(s.AuthURL(), f)
				}
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
					t.Fatalf("%s: status %d Location %q, want 400 and no redirect", method, resp.StatusCode, resp.Header.Get("Location"))
				}
				if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "An error has occurred") {
					t.Fatalf("%s: want an HTML error page, got %s %s", method, resp.Header.Get("Content-Type"), body)
				}
			}
		})
	}
	if n := len(cb.calls()); n != 0 {
		t.Fatalf("callback was called %d times", n)
	}
}

func TestDenyRedirectsAccessDenied(t *testing.T) {
	s, cb := setup(t)
	if st := decide(t, s, consentForm(t, authorizeURL(s, baseParams(cb))), "deny"); st != http.StatusOK {
		t.Fatalf("after Deny: status %d", st)
	}
	calls := cb.calls()
	if len(calls) != 1 {
		t.Fatalf("callback called %d times, want 1", len(calls))
	}
	q := calls[0]
	if q.Get("error") != "access_denied" || q.Get("error_description") == "" || q.Get("state") != testState || q.Has("code") {
		t.Fatalf("deny callback query = %v", q)
	}
}

func TestOtherAuthorizeErrorsRedirect(t *testing.T) {
	s, cb := setup(t)
	p := baseParams(cb)
	p.Set("response_type", "token")
	resp, err := noRedirectClient().Get(authorizeURL(s, p))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), cb.URL+"?") {
		t.Fatalf("status %d Location %q, want a redirect to the callback", resp.StatusCode, resp.Header.Get("Location"))
	}
	if e := loc.Query().Get("error"); e == "" || loc.Query().Get("state") != testState {
		t.Fatalf("redirect query = %v", loc.Query())
	}
}

func TestUsersMeAuth(t *testing.T) {
	s, cb := setup(t)
	wantUnauthorized(t, me(t, s, ""))
	wantUnauthorized(t, me(t, s, "made-up-token"))

	code := authorize(t, s, cb, baseParams(cb))
	tok := wantToken(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false))
	wantMeUser(t, me(t, s, tok), DefaultUserID, DefaultFullName, DefaultEmail)

	// A token from another server with the same shape is rejected.
	other, ocb := setup(t)
	ocode := authorize(t, other, ocb, baseParams(ocb))
	otok := wantToken(t, exchange(t, other, codeForm(ocode, ocb.URL), testClientID, testSecret, false))
	wantUnauthorized(t, me(t, s, otok))

	// SetUser applies to tokens issued afterwards only.
	s.SetUser("777", "Zoë Ådmin", "zoe@example.org")
	code2 := authorize(t, s, cb, baseParams(cb))
	tok2 := wantToken(t, exchange(t, s, codeForm(code2, cb.URL), testClientID, testSecret, false))
	wantMeUser(t, me(t, s, tok2), "777", "Zoë Ådmin", "zoe@example.org")
	wantMeUser(t, me(t, s, tok), DefaultUserID, DefaultFullName, DefaultEmail)

	s.RevokeAll()
	wantUnauthorized(t, me(t, s, tok))
	wantUnauthorized(t, me(t, s, tok2))

	// Authorizing again after revocation works.
	code3 := authorize(t, s, cb, baseParams(cb))
	wantMeUser(t, me(t, s, wantToken(t, exchange(t, s, codeForm(code3, cb.URL), testClientID, testSecret, false))), "777", "Zoë Ådmin", "zoe@example.org")
}

func TestRefreshToken(t *testing.T) {
	s, cb := setup(t)
	s.SetIssueRefreshToken(true)
	code := authorize(t, s, cb, baseParams(cb))
	r := exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false)
	wantToken(t, r)
	rt := r.str("refresh_token")
	if rt == "" {
		t.Fatalf("no refresh_token: %s", r.body)
	}
	r2 := exchange(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, testClientID, testSecret, false)
	tok2 := wantToken(t, r2)
	wantMeUser(t, me(t, s, tok2), DefaultUserID, DefaultFullName, DefaultEmail)

	s.RevokeAll()
	wantTokenError(t, exchange(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r2.str("refresh_token")}}, testClientID, testSecret, false), http.StatusBadRequest, "invalid_grant")
}

func TestTokenModes(t *testing.T) {
	s, cb := setup(t)
	form := func() url.Values { return codeForm(authorize(t, s, cb, baseParams(cb)), cb.URL) }

	s.SetTokenMode(TokenServerError)
	if r := exchange(t, s, form(), testClientID, testSecret, false); r.status != http.StatusInternalServerError {
		t.Errorf("TokenServerError: status %d", r.status)
	}

	s.SetTokenMode(TokenGarbage)
	r := exchange(t, s, form(), testClientID, testSecret, false)
	if r.status != http.StatusOK || json.Valid([]byte(r.body)) {
		t.Errorf("TokenGarbage: status %d body %q, want 200 and not JSON", r.status, r.body)
	}

	s.SetTokenMode(TokenSlow)
	s.SetSlowDelay(10 * time.Millisecond)
	wantToken(t, exchange(t, s, form(), testClientID, testSecret, false))

	// A client that gives up before the delay ends sees a timeout.
	s.SetSlowDelay(time.Minute)
	f := form()
	f.Set("client_id", testClientID)
	f.Set("client_secret", testSecret)
	c := &http.Client{Timeout: 100 * time.Millisecond}
	_, err := c.PostForm(s.TokenURL(), f)
	var ue *url.Error
	if !errors.As(err, &ue) || !ue.Timeout() {
		t.Errorf("TokenSlow with short client timeout: err = %v, want a timeout", err)
	}

	s.SetTokenMode(TokenOK)
	wantToken(t, exchange(t, s, form(), testClientID, testSecret, false))
	if n := s.TokenRequests(); n != 5 {
		t.Errorf("TokenRequests = %d, want 5", n)
	}
}

func TestMeModes(t *testing.T) {
	s, cb := setup(t)
	code := authorize(t, s, cb, baseParams(cb))
	tok := wantToken(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false))

	s.SetMeMode(MeUnauthorized)
	wantUnauthorized(t, me(t, s, tok))

	s.SetMeMode(MeRateLimited)
	s.SetRateLimitCount(2)
	for i := 0; i < 2; i++ {
		r := me(t, s, tok)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "0" {
			t.Fatalf("MeRateLimited request %d: status %d Retry-After %q", i, r.status, r.header.Get("Retry-After"))
		}
	}
	wantMeUser(t, me(t, s, tok), DefaultUserID, DefaultFullName, DefaultEmail)
	s.SetRateLimitCount(1 << 30)
	for i := 0; i < 3; i++ {
		if r := me(t, s, tok); r.status != http.StatusTooManyRequests {
			t.Fatalf("always-limited request %d: status %d", i, r.status)
		}
	}

	s.SetMeMode(MeServerError)
	if r := me(t, s, tok); r.status != http.StatusInternalServerError {
		t.Errorf("MeServerError: status %d", r.status)
	}

	s.SetMeMode(MeSlow)
	s.SetSlowDelay(10 * time.Millisecond)
	wantMeUser(t, me(t, s, tok), DefaultUserID, DefaultFullName, DefaultEmail)
	wantUnauthorized(t, me(t, s, "bad")) // slow still checks the token

	s.SetMeMode(MeBadJSON)
	r := me(t, s, tok)
	var shape struct {
		Results []any `json:"results"`
		Users   map[string]any
	}
	if r.status != http.StatusOK || json.Unmarshal(r.body, &shape) != nil || len(shape.Results) != 0 || len(shape.Users) != 0 {
		t.Errorf("MeBadJSON: status %d body %s, want 200 JSON without results/users", r.status, r.body)
	}

	s.SetMeMode(MeOversized)
	r = me(t, s, tok)
	if r.status != http.StatusOK || len(r.body) <= 5<<20 {
		t.Errorf("MeOversized: status %d, %d bytes; want 200 and > 5 MiB", r.status, len(r.body))
	}
	wantMeUser(t, r, DefaultUserID, DefaultFullName, DefaultEmail) // well-formed, only too big

	s.SetMeMode(MeOK)
	wantMeUser(t, me(t, s, tok), DefaultUserID, DefaultFullName, DefaultEmail)
	if n := s.MeRequests(); n != 13 {
		t.Errorf("MeRequests = %d, want 13", n)
	}
}

// SetMeErrorMessage puts any text into users/me's error bodies, as a
// hostile server could; "" restores Kantata's.
func TestMeErrorMessage(t *testing.T) {
	s, cb := setup(t)
	code := authorize(t, s, cb, baseParams(cb))
	tok := wantToken(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false))
	const msg = "Invalid \x1b]0;pwned\x07\u202eOAuth"
	message := func(r meReply) string {
		var body struct {
			Errors []struct{ Type, Message string }
		}
		if err := json.Unmarshal(r.body, &body); err != nil || len(body.Errors) != 1 {
			t.Fatalf("status %d body %s: not one Kantata error (%v)", r.status, r.body, err)
		}
		return body.Errors[0].Message
	}

	s.SetMeErrorMessage(msg)
	for _, mode := range []MeMode{MeUnauthorized, MeServerError} {
		s.SetMeMode(mode)
		if got := message(me(t, s, tok)); got != msg {
			t.Errorf("mode %d: message %q, want %q", mode, got, msg)
		}
	}
	s.SetMeMode(MeOK)
	if got := message(me(t, s, "made-up")); got != msg {
		t.Errorf("refused token: message %q, want %q", got, msg)
	}
	wantMeUser(t, me(t, s, tok), DefaultUserID, DefaultFullName, DefaultEmail)

	s.SetMeErrorMessage("")
	s.SetMeMode(MeUnauthorized)
	wantUnauthorized(t, me(t, s, tok))
	s.SetMeMode(MeServerError)
	if r := me(t, s, tok); string(r.body) != `{"errors":[{"type":"system","message":"Internal Server Error"}]}` {
		t.Errorf("MeServerError body %s", r.body)
	}
}

func TestCloseReleasesSlowHandlers(t *testing.T) {
	s := New(t)
	s.SetMeMode(MeSlow)
	s.SetSlowDelay(time.Hour)
	started := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		close(started)
		resp, err := httpClient().Get(s.MeURL())
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-started
	for s.MeRequests() == 0 {
		time.Sleep(time.Millisecond)
	}
	s.Close() // must not wait an hour
	<-errc
	s.Close() // idempotent
}

func TestConcurrentFlows(t *testing.T) {
	s, cb := setup(t)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := baseParams(cb)
			resp, err := httpClient().Get(authorizeURL(s, p))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			f := cloneValues(p)
			f.Set("decision", "authorize")
			resp, err = noRedirectClient().PostForm(s.AuthURL(), f)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			loc, _ := url.Parse(resp.Header.Get("Location"))
			code := loc.Query().Get("code")
			f2 := codeForm(code, cb.URL)
			f2.Set("client_id", testClientID)
			f2.Set("client_secret", testSecret)
			resp, err = httpClient().PostForm(s.TokenURL(), f2)
			if err != nil {
				t.Error(err)
				return
			}
			var tr map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&tr)
			resp.Body.Close()
			tok, _ := tr["access_token"].(string)
			req, _ := http.NewRequest(http.MethodGet, s.MeURL(), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err = httpClient().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("concurrent flow: users/me status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
}
