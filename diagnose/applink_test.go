package diagnose_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/diagnose"
	"github.com/kantata-connect/kantata-connect/internal/connecttest"
	"github.com/kantata-connect/kantata-connect/store"
)

// An app-link client's report names the kind, the link and its handler.
func TestDiagnoseAppLink(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	f := connecttest.NewWith(t, nil, store.CallbackAppLink)
	report, err := diagnose.Report(context.Background(), f.Store, f.Conn.ID, diagnose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"through the app's own link", "com.kantataconnect.desktop:/callback", "App link handler"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
}
