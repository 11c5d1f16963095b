package linkhandler_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/linkhandler"
)

// TestPackagingNamesTheLink: make package's desktop entry takes the link
// as %u (FyneApp.toml) and names the scheme that oauth.AppLinkScheme holds
// (scripts/package-link.sh), which cannot import it.
func TestPackagingNamesTheLink(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]string{
		"FyneApp.toml":            `ExecParams = " %u"`,
		"scripts/package-link.sh": `mime_type="MimeType=` + linkhandler.MimeType + `;"`,
	} {
		data, err := os.ReadFile(filepath.Join("..", file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %s", file, want)
		}
	}
}
