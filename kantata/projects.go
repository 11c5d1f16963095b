package kantata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// workspacesPath asks for the smallest page of the workspaces (projects) the
// user can see: the list envelope's count is the total, whatever the page.
const workspacesPath = "/api/v1/workspaces.json?per_page=1"

// countRequest is the project count. Its failures say what stopped the
// count: the identity check before it worked.
var countRequest = request{path: workspacesPath, check: "project count", messages: countMessages,
	rejectedWith: "Kantata refused to list the projects: “%s”."}

// ProjectCount asks Kantata how many projects (workspaces) the token's user
// can see: GET {APIBaseURL}/api/v1/workspaces.json?per_page=1, reading the
// list envelope's count. It has the same timeout, 429 retries, body limit and
// redirect rule as Me; failures are *Error with the same Kinds, in words
// that say the projects could not be counted.
func (c Checker) ProjectCount(ctx context.Context, accessToken string) (int, error) {
	var n int
	err := c.get(ctx, accessToken, countRequest, func(body []byte, token string) (err error) {
		n, err = parseCount(body, token)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// maxCount bounds a believable count; beyond it the answer is not Kantata's.
const maxCount = 1<<31 - 1

// countResponse is the part of Kantata's list envelope the count reads:
// {"count":42,"results":[{"key":"workspaces","id":"7"}],"workspaces":{...},"meta":{...}}.
type countResponse struct {
	Count   *json.RawMessage `json:"count"`
	Results *[]struct {
		Key string `json:"key"`
	} `json:"results"`
}

// parseCount reads count, a whole number of at least the results on the
// page, from a list of workspaces. Its errors quote the body with the
// token removed before they are cut.
func parseCount(body []byte, token string) (int, error) {
	var r countResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, fmt.Errorf("not Kantata's list JSON: %w", err)
	}
	if r.Count == nil {
		return 0, errors.New("no count in the workspaces list")
	}
	raw := strings.TrimSpace(string(*r.Count))
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < 0 || n > maxCount {
		return 0, fmt.Errorf("count is %s, not a whole number from 0 to %d", clip(raw, 40, token), maxCount)
	}
	if r.Results == nil {
		return 0, errors.New("no results in the workspaces list")
	}
	for i, res := range *r.Results {
		if res.Key != "workspaces" {
			return 0, fmt.Errorf("results[%d].key is %q, want \"workspaces\"", i, clip(res.Key, 40, token))
		}
	}
	if int64(len(*r.Results)) > n {
		return 0, fmt.Errorf("count is %d but the page holds %d results", n, len(*r.Results))
	}
	return int(n), nil
}
