package kantata

import (
	"strings"
	"testing"
)

// frontWords are the words of one front: a button of the window, the
// command line's name. The window and the command line show the same
// messages, so these must not be in them; each front adds its own advice.
var frontWords = []string{"Save & authorize", "click", "kantata-connect"}

func TestMessagesNameNoFront(t *testing.T) {
	kinds := []Kind{KindRejected, KindRateLimited, KindServerError, KindNetwork, KindTimeout,
		KindBadResponse, KindTooLarge, KindCanceled, KindInvalidInput}
	if len(kinds) != len(userMessages) {
		t.Errorf("%d kinds listed here, %d with a message: list every kind", len(kinds), len(userMessages))
	}
	for _, k := range kinds {
		t.Run(string(k), func(t *testing.T) {
			msg := newError(k, 0, "detail", nil).UserMessage()
			if msg == "" {
				t.Fatal("no user message")
			}
			for _, w := range frontWords {
				if strings.Contains(strings.ToLower(msg), strings.ToLower(w)) {
					t.Errorf("message %q names %q, a front's word", msg, w)
				}
			}
		})
	}
}
