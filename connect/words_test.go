package connect_test

import (
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/connect"
)

// The messages of the engine packages name no front: no window button, no
// command. oauth, kantata and store check their own; these are this
// package's.
func TestMessagesNameNoFront(t *testing.T) {
	errs := map[string]error{
		"not authorized": &connect.NotAuthorizedError{Name: "Production"},
	}
	for name, err := range errs {
		t.Run(name, func(t *testing.T) {
			msg, _ := connect.Explain(err)
			if msg == "" || strings.HasPrefix(msg, "Something went wrong") {
				t.Fatalf("%v has no user message: %q", err, msg)
			}
			for _, w := range []string{"Save & authorize", "click", "kantata-connect"} {
				if strings.Contains(strings.ToLower(msg), strings.ToLower(w)) {
					t.Errorf("message %q names %q, a front's word", msg, w)
				}
			}
		})
	}
}
