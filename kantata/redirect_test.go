package kantata

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// bystander is a server the check must not reach: it records the
// Authorization header of every request and answers as users/me would, so
// a check that followed a redirect to it would name its user.
type bystander struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string
}

func newBystander(t *testing.T, ip string) *bystander {
	t.Helper()
	b := &bystander{}
	b.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.auth = append(b.auth, r.Header.Get("Authorization"))
		b.mu.Unlock()
		fixed(http.StatusOK, meOKBody)(w, r, 0)
	}))
	ln, err := net.Listen("tcp4", ip+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	b.Listener.Close()
	b.Listener = ln
	b.Start()
	t.Cleanup(b.Close)
	return b
}

func (b *bystander) got() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.auth...)
}

// TestMeFollowsNoRedirect: users/me follows no redirect at all, not to
// another scheme or host and not within the API's own origin either. The
// check fails with KindRedirected naming where Kantata pointed; the address
// it pointed at gets no request.
func TestMeFollowsNoRedirect(t *testing.T) {
	cases := []struct {
		name   string
		status int
		tls    bool   // the API is https, with the caller's own client trusting it
		to     string // "scheme": http on 127.0.0.1, another port; "host": 127.0.0.2; "path": same origin
		want   string // in the message
	}{
		{"307 from https to http on the same host, caller's client", http.StatusTemporaryRedirect, true, "scheme", "http://127.0.0.1:"},
		{"301 from https to http on the same host, caller's client", http.StatusMovedPermanently, true, "scheme", "http://127.0.0.1:"},
		{"302 to another host", http.StatusFound, false, "host", "127.0.0.2:"},
		{"308 to another host", http.StatusPermanentRedirect, false, "host", "127.0.0.2:"},
		{"303 to another path on the same origin", http.StatusSeeOther, false, "path", "/elsewhere/me.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b *bystander
			switch c.to {
			case "scheme":
				b = newBystander(t, "127.0.0.1")
			case "host":
				b = newBystander(t, "127.0.0.2")
			}
			k := &kantataStub{}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				k.record(r)
				if r.URL.Path != mePath {
					fixed(http.StatusOK, meOKBody)(w, r, 0)
					return
				}
				// A hostile answer also echoes the token into the Location.
				loc := "/elsewhere/me.json?t=" + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				if b != nil {
					loc = b.URL + mePath + "?t=" + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
				}
				w.Header().Set("Location", loc)
				w.WriteHeader(c.status)
			})
			var srv *httptest.Server
			if c.tls {
				srv = httptest.NewTLSServer(h)
			} else {
				srv = httptest.NewServer(h)
			}
			t.Cleanup(srv.Close)
			checker := fastChecker(srv.URL)
			if c.tls {
				checker.HTTPClient = srv.Client()
			}

			_, err := checker.Me(context.Background(), testToken)

			if b != nil {
				if got := b.got(); len(got) != 0 {
					t.Errorf("the address the redirect pointed at got %d requests (Authorization %q)", len(got), got)
				}
			}
			if k.count() != 1 {
				t.Errorf("the API got %d requests, want 1", k.count())
			}
			if c.tls && checker.HTTPClient.CheckRedirect != nil {
				t.Error("the caller's HTTP client was changed")
			}
			e := wantKind(t, err, KindRedirected)
			if e.Status != c.status {
				t.Errorf("Status = %d, want %d", e.Status, c.status)
			}
			if !strings.Contains(e.UserMessage(), c.want) || !strings.Contains(e.UserMessage(), "API address") {
				t.Errorf("UserMessage %q lacks %q or the API address", e.UserMessage(), c.want)
			}
			for _, want := range []string{fmt.Sprintf("HTTP %d", c.status), "Location", c.want} {
				if !strings.Contains(e.TechnicalDetail(), want) {
					t.Errorf("TechnicalDetail %q lacks %q", e.TechnicalDetail(), want)
				}
			}
			for what, text := range map[string]string{"Error": err.Error(), "UserMessage": e.UserMessage(),
				"TechnicalDetail": e.TechnicalDetail(), "%+v": fmt.Sprintf("%+v", err)} {
				if strings.Contains(text, testToken) {
					t.Errorf("%s holds the token: %s", what, text)
				}
			}
		})
	}
}
