package kantata

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Kantata's list envelope for workspaces, one per page.
const countOKBody = `{"count":42,"results":[{"key":"workspaces","id":"1001"}],` +
	`"workspaces":{"1001":{"id":"1001","title":"Project 1"}},` +
	`"meta":{"count":42,"page_count":42,"page_number":1,"page_size":1}}`

func TestProjectCountRequest(t *testing.T) {
	srv, k := serve(t, fixed(http.StatusOK, countOKBody))
	n, err := fastChecker(srv.URL+"/prefix/").ProjectCount(context.Background(), " "+testToken+"\n")
	if err != nil || n != 42 {
		t.Fatalf("ProjectCount = %d, %v; want 42", n, err)
	}
	if k.count() != 1 || k.methods[0] != http.MethodGet || k.paths[0] != "/prefix/api/v1/workspaces.json" {
		t.Fatalf("requests %d: %v %v, want one GET /prefix/api/v1/workspaces.json", k.count(), k.methods, k.paths)
	}
	if k.auth[0] != "Bearer "+testToken || !strings.Contains(k.accept[0], "application/json") {
		t.Fatalf("Authorization %q, Accept %q", k.auth[0], k.accept[0])
	}
}

func TestParseCount(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want int
	}{
		{"kantata", countOKBody, 42},
		{"none", `{"count":0,"results":[],"workspaces":{},"meta":{"count":0}}`, 0},
		{"more on the page than asked", `{"count":3,"results":[{"key":"workspaces","id":"1"},{"key":"workspaces","id":"2"}]}`, 3},
		{"count with spaces around it", `{"count": 7 ,"results":[]}`, 7},
		{"the largest believable count", fmt.Sprintf(`{"count":%d,"results":[]}`, maxCount), maxCount},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCount([]byte(tc.body), testToken)
			if err != nil || got != tc.want {
				t.Fatalf("parseCount = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, body, why string }{
		{"not JSON", "<html>down for maintenance</html>", "not Kantata's list JSON"},
		{"empty", "", "not Kantata's list JSON"},
		{"null", "null", "no count"},
		{"no count", `{"results":[]}`, "no count"},
		{"count null", `{"count":null,"results":[]}`, "no count"},
		{"count a string", `{"count":"42","results":[]}`, "not a whole number"},
		{"count negative", `{"count":-1,"results":[]}`, "not a whole number"},
		{"count a fraction", `{"count":4.5,"results":[]}`, "not a whole number"},
		{"count huge", `{"count":1e400,"results":[]}`, "not a whole number"},
		{"count past the bound", fmt.Sprintf(`{"count":%d,"results":[]}`, int64(maxCount)+1), "not a whole number"},
		{"no results", `{"count":3}`, "no results"},
		{"users/me's answer", `{"count":1,"results":[{"key":"users","id":"1"}],"users":{"1":{}}}`, `want "workspaces"`},
		{"fewer counted than listed", `{"count":0,"results":[{"key":"workspaces","id":"1"}]}`, "page holds 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCount([]byte(tc.body), testToken)
			if err == nil || got != 0 {
				t.Fatalf("parseCount = %d, %v; want an error", got, err)
			}
			if !strings.Contains(err.Error(), tc.why) {
				t.Errorf("error %q does not say %q", err, tc.why)
			}
		})
	}
}

// The failures a stub can produce and the stand-in can't: each keeps the
// token out of every text and says the count, not the identity, failed.
func TestProjectCountFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    func(http.ResponseWriter, *http.Request, int)
		kind Kind
	}{
		{"redirect", func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Location", "http://127.0.0.2/api/v1/workspaces.json?t="+testToken)
			w.WriteHeader(http.StatusFound)
		}, KindRedirected},
		{"too large", fixed(http.StatusOK, `{"count":1,"pad":"`+strings.Repeat("x", MaxBodyBytes)+`"}`), KindTooLarge},
		{"not found", fixed(http.StatusNotFound, `{"errors":[{"type":"system","message":"Not found"}]}`), KindBadResponse},
		{"token echoed in garbage", func(w http.ResponseWriter, r *http.Request, _ int) {
			fmt.Fprintf(w, `{"count":"%s","results":[{"key":"%s"}]}`, testToken, testToken)
		}, KindBadResponse},
		{"stalls past the timeout", stall(true), KindTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, tc.h)
			c := fastChecker(srv.URL)
			if tc.kind == KindTimeout {
				c.Timeout = 100 * time.Millisecond
			}
			_, err := c.ProjectCount(context.Background(), testToken)
			e := wantKind(t, err, tc.kind)
			if e.UserMessage() != countMessages[tc.kind] && tc.kind != KindRedirected {
				t.Errorf("UserMessage %q is not the count's words for %s", e.UserMessage(), tc.kind)
			}
			if !strings.HasPrefix(err.Error(), "kantata project count: ") {
				t.Errorf("Error() = %q, want it to name the project count", err)
			}
			for what, text := range map[string]string{"Error": err.Error(), "UserMessage": e.UserMessage(),
				"TechnicalDetail": e.TechnicalDetail()} {
				if strings.Contains(text, testToken[:len(testToken)/2]) || strings.Contains(text, testToken[len(testToken)/2:]) {
					t.Errorf("%s leaks the token: %s", what, text)
				}
			}
		})
	}
}

// Every Kind has its own words for a failed count, distinct from the
// identity check's: those say the user could not be told.
func TestCountMessagesPerKind(t *testing.T) {
	for kind := range userMessages {
		t.Run(string(kind), func(t *testing.T) {
			msg := countMessages[kind]
			if msg == "" {
				t.Fatalf("kind %q has no words for a failed count", kind)
			}
			if strings.Contains(msg, "which user") {
				t.Errorf("count message %q speaks of the identity", msg)
			}
		})
	}
}

func FuzzParseCount(f *testing.F) {
	for _, s := range []string{countOKBody, "", "null", "{}", `{"count":-1,"results":[]}`, `{"count":1e400,"results":[]}`,
		`{"count":1,"results":[{"key":"users"}]}`, `{"count":"\u001b[2J","results":[]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := parseCount(body, testToken)
		if err == nil && (n < 0 || n > maxCount) {
			t.Fatalf("parseCount(%q) = %d, outside 0..%d", body, n, maxCount)
		}
		if err != nil && n != 0 {
			t.Fatalf("parseCount(%q) returned both %d and an error", body, n)
		}
	})
}
