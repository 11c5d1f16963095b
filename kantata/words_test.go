package kantata

import (
	"net/http"
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/frontwords"
)

func TestMessagesNameNoFront(t *testing.T) {
	kinds := []Kind{KindRejected, KindRateLimited, KindServerError, KindNetwork, KindTimeout,
		KindBadResponse, KindTooLarge, KindCanceled, KindInvalidInput, KindRedirected, KindUntrustedCertificate,
		KindProxyAuth}
	if len(kinds) != len(userMessages) {
		t.Errorf("%d kinds listed here, %d with a message: list every kind", len(kinds), len(userMessages))
	}
	msgs := map[string]string{}
	for _, k := range kinds {
		msgs[string(k)] = newError(k, 0, "detail", nil).UserMessage()
		msgs["project count, "+string(k)] = countRequest.error(k, 0, "detail", nil).UserMessage()
	}
	// Messages built beside the standard ones.
	msgs["redirected, naming where"] = redirectedError(meRequest, DefaultAPIBaseURL+mePath, &http.Response{StatusCode: 307,
		Header: http.Header{"Location": {"http://evil.example/api/v1/users/me.json"}}}, "token").UserMessage()
	for name, msg := range msgs {
		t.Run(name, func(t *testing.T) {
			if msg == "" {
				t.Fatal("no user message")
			}
			frontwords.Check(t, "message", msg)
		})
	}
}
