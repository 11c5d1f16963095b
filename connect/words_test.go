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
	texts := map[string]string{"no projects warning": connect.NoProjectsWarning}
	for name, err := range errs {
		texts[name], _ = connect.Explain(err)
	}
	for name, msg := range texts {
		t.Run(name, func(t *testing.T) {
			if msg == "" || strings.HasPrefix(msg, "Something went wrong") {
				t.Fatalf("no user message: %q", msg)
			}
			for _, w := range []string{"Save & authorize", "click", "kantata-connect"} {
				if strings.Contains(strings.ToLower(msg), strings.ToLower(w)) {
					t.Errorf("message %q names %q, a front's word", msg, w)
				}
			}
		})
	}
}
