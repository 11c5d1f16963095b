package setupfile_test

import (
	"testing"

	"github.com/kantata-connect/kantata-connect/internal/frontwords"
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
			frontwords.Check(t, "message", msg)
		})
	}
}
