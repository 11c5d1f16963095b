package fakekantata

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// workspaces asks the list with query (e.g. "per_page=1") and token.
func workspaces(t *testing.T, s *Server, query, token string) meReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.APIBaseURL()+"/api/v1/workspaces.json?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient().Do(req)
	if err != nil {
		t.Fatalf("workspaces: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return meReply{resp.StatusCode, resp.Header, b}
}

type listBody struct {
	Count   int `json:"count"`
	Results []struct {
		Key, ID string
	} `json:"results"`
	Workspaces map[string]struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"workspaces"`
	Meta map[string]int `json:"meta"`
}

func wantList(t *testing.T, r meReply) listBody {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("workspaces: status %d, body %s", r.status, r.body)
	}
	var got listBody
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("workspaces body is not JSON: %v: %s", err, r.body)
	}
	for _, res := range got.Results {
		if res.Key != "workspaces" {
			t.Errorf("result %+v is not a workspace", res)
		}
		if w, ok := got.Workspaces[res.ID]; !ok || w.ID != res.ID || w.Title == "" {
			t.Errorf("result %+v has no workspace entry: %+v", res, got.Workspaces)
		}
	}
	return got
}

func token(t *testing.T) (*Server, string) {
	s, cb := setup(t)
	code := authorize(t, s, cb, baseParams(cb))
	return s, wantToken(t, exchange(t, s, codeForm(code, cb.URL), testClientID, testSecret, false))
}

// The list is Kantata's envelope: count is the total whatever the page size,
// results and the workspaces map hold one page.
func TestWorkspacesCountAndPages(t *testing.T) {
	s, tok := token(t)
	for _, tc := range []struct {
		name       string
		count      int
		query      string
		page, size int
		results    int
		pageCount  int
	}{
		{"default count, per_page=1", DefaultProjectCount, "per_page=1", 1, 1, 1, DefaultProjectCount},
		{"default page size", DefaultProjectCount, "", 1, 20, 20, 3},
		{"last page", DefaultProjectCount, "per_page=20&page=3", 3, 20, 2, 3},
		{"past the last page", 5, "per_page=20&page=2", 2, 20, 0, 1},
		{"no projects", 0, "per_page=1", 1, 1, 0, 0},
		{"one project", 1, "per_page=1", 1, 1, 1, 1},
		{"per_page over Kantata's 200", 500, "per_page=1000", 1, 200, 200, 3},
		{"per_page not a number", 3, "per_page=x", 1, 20, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.SetProjectCount(tc.count)
			got := wantList(t, workspaces(t, s, tc.query, tok))
			if got.Count != tc.count || len(got.Results) != tc.results || len(got.Workspaces) != tc.results {
				t.Errorf("count %d with %d results (%d workspaces), want %d with %d", got.Count, len(got.Results), len(got.Workspaces), tc.count, tc.results)
			}
			want := map[string]int{"count": tc.count, "page_count": tc.pageCount, "page_number": tc.page, "page_size": tc.size}
			for k, v := range want {
				if got.Meta[k] != v {
					t.Errorf("meta %s = %d, want %d (%v)", k, got.Meta[k], v, got.Meta)
				}
			}
			if q, _ := url.ParseQuery(tc.query); s.LastWorkspacesQuery().Encode() != q.Encode() {
				t.Errorf("LastWorkspacesQuery = %v, want %v", s.LastWorkspacesQuery(), q)
			}
		})
	}
}

// The list checks the token as users/me does: a made-up or revoked one gets
// Kantata's 401.
func TestWorkspacesAuth(t *testing.T) {
	s, tok := token(t)
	for _, tc := range []struct{ name, token string }{{"no token", ""}, {"made-up token", "made-up"}} {
		t.Run(tc.name, func(t *testing.T) {
			wantUnauthorized(t, workspaces(t, s, "per_page=1", tc.token))
		})
	}
	t.Run("revoked token", func(t *testing.T) {
		wantList(t, workspaces(t, s, "per_page=1", tok))
		s.RevokeAll()
		wantUnauthorized(t, workspaces(t, s, "per_page=1", tok))
	})
}

func TestWorkspacesModes(t *testing.T) {
	s, tok := token(t)
	t.Run("unauthorized", func(t *testing.T) {
		s.SetWorkspacesMode(WorkspacesUnauthorized)
		wantUnauthorized(t, workspaces(t, s, "per_page=1", tok))
		if r := me(t, s, tok); r.status != http.StatusOK {
			t.Errorf("users/me status %d: the workspaces mode reached it", r.status)
		}
	})
	t.Run("rate limited, then through", func(t *testing.T) {
		s.SetWorkspacesMode(WorkspacesRateLimited)
		s.SetWorkspacesRateLimitCount(2)
		for i := 0; i < 2; i++ {
			r := workspaces(t, s, "per_page=1", tok)
			if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "0" {
				t.Fatalf("request %d: status %d Retry-After %q", i, r.status, r.header.Get("Retry-After"))
			}
		}
		if got := wantList(t, workspaces(t, s, "per_page=1", tok)); got.Count != DefaultProjectCount {
			t.Errorf("count %d after the 429s, want %d", got.Count, DefaultProjectCount)
		}
	})
	t.Run("server error", func(t *testing.T) {
		s.SetWorkspacesMode(WorkspacesServerError)
		r := workspaces(t, s, "per_page=1", tok)
		if r.status != http.StatusInternalServerError || string(r.body) != `{"errors":[{"type":"system","message":"Internal Server Error"}]}` {
			t.Errorf("status %d body %s", r.status, r.body)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		s.SetWorkspacesMode(WorkspacesGarbage)
		r := workspaces(t, s, "per_page=1", tok)
		var v any
		if r.status != http.StatusOK || json.Unmarshal(r.body, &v) == nil {
			t.Errorf("status %d body %s, want 200 and not JSON", r.status, r.body)
		}
	})
	t.Run("slow", func(t *testing.T) {
		s.SetWorkspacesMode(WorkspacesSlow)
		s.SetSlowDelay(50 * time.Millisecond)
		start := time.Now()
		wantList(t, workspaces(t, s, "per_page=1", tok))
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Errorf("answered in %s, before the slow delay", d)
		}
		wantUnauthorized(t, workspaces(t, s, "per_page=1", "made-up")) // slow still checks the token
	})
	s.SetWorkspacesMode(WorkspacesOK)
	wantList(t, workspaces(t, s, "per_page=1", tok))
	if n := s.WorkspacesRequests(); n != 9 {
		t.Errorf("WorkspacesRequests = %d, want 9", n)
	}
}
