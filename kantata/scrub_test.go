package kantata

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// slashToken is a token with "/" in it, which some servers' JSON writes as
// "\/": the raw body then does not hold the token as it was sent, only the
// text decoded from it does.
const slashToken = "tok/SECRET/8f3a9c1e5b7d"

// TestDetailRedactedBeforeCut: a server echoes the token, JSON-escaped, into
// the fields of its answer that the detail quotes cut short, with the token
// placed across the cut. The token is removed before the cut, so no part of
// it survives; nor does its escaped spelling in the quoted start of a body.
func TestDetailRedactedBeforeCut(t *testing.T) {
	esc := strings.ReplaceAll(slashToken, "/", `\/`)
	pad := func(n int) string { return strings.Repeat("x", n) }
	// Keeps the start of the body, which the detail quotes, clear of the token.
	const lead = `{"lead":"` + `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx` + `",`
	cases := []struct {
		name   string
		status int
		body   string
		kind   Kind
	}{
		{"Kantata's error message across the cut", 401,
			`{"errors":[{"type":"oauth","message":"` + pad(200-len("oauth: ")-8) + esc + `"}]}`, KindRejected},
		{"Kantata's error message across the cut, 5xx", 503,
			lead + `"errors":[{"type":"oauth","message":"` + pad(200-len("oauth: ")-12) + esc + `"}]}`, KindServerError},
		{"results key across the cut", 200,
			lead + `"results":[{"key":"` + pad(40-8) + esc + `","id":"1"}]}`, KindBadResponse},
		{"results id across the cut", 200,
			lead + `"results":[{"key":"users","id":"` + pad(40-10) + esc + `"}],"users":{}}`, KindBadResponse},
		{"users id across the cut", 200,
			lead + `"results":[{"key":"users","id":"1"}],"users":{"1":{"id":"` + pad(40-6) + esc + `"}}}`, KindBadResponse},
		{"escaped token in the quoted start of the body", 500, `{"echo":"` + esc + `"}`, KindServerError},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := serve(t, fixed(c.status, c.body))
			_, err := fastChecker(srv.URL).Me(context.Background(), slashToken)
			e := wantKind(t, err, c.kind)
			for what, text := range map[string]string{"Error": err.Error(), "UserMessage": e.UserMessage(),
				"TechnicalDetail": e.TechnicalDetail(), "%+v": fmt.Sprintf("%+v", err)} {
				for n := 6; n <= len(slashToken); n++ {
					for _, part := range []string{slashToken[:n], slashToken[len(slashToken)-n:]} {
						if strings.Contains(text, part) {
							t.Fatalf("%s holds %q, part of the token: %s", what, part, text)
						}
					}
				}
			}
		})
	}
}
