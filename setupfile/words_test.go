package setupfile_test

import (
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/setupfile"
)

// The messages of setup files name no front: no window button, no command.
func TestMessagesNameNoFront(t *testing.T) {
	errs := map[string]interface{ UserMessage() string }{
		"import canceled": setupfile.ErrImportCanceled.(interface{ UserMessage() string }),
	}
	for _, p := range []setupfile.FileProblem{setupfile.ProblemNotExport, setupfile.ProblemNewer, setupfile.ProblemDamaged, setupfile.ProblemTooLarge} {
		errs["import file "+string(p)] = &setupfile.ImportFileError{Problem: p, Reason: "a client has no name"}
	}
	for name, err := range errs {
		t.Run(name, func(t *testing.T) {
			msg := err.UserMessage()
			if msg == "" {
				t.Fatalf("%v has no user message", err)
			}
			for _, w := range []string{"Save & authorize", "click", "kantata-connect"} {
				if strings.Contains(strings.ToLower(msg), strings.ToLower(w)) {
					t.Errorf("message %q names %q, a front's word", msg, w)
				}
			}
		})
	}
}
