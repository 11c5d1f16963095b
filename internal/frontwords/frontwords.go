// Package frontwords is the test of the engines' words: the window and the
// command line show the same messages, so a message must not name a thing
// of one front — a button of the window, a click, the command line's name.
// Each front adds its own advice.
package frontwords

import (
	"strings"
	"testing"
)

// Words are the words of one front, compared without regard to case.
var Words = []string{"Save & authorize", "click", "button", "kantata-connect"}

// Check fails t for each of Words that msg names; what says whose message
// it is.
func Check(t testing.TB, what, msg string) {
	t.Helper()
	for _, w := range Words {
		if strings.Contains(strings.ToLower(msg), strings.ToLower(w)) {
			t.Errorf("%s %q names %q, a front's word", what, msg, w)
		}
	}
}
