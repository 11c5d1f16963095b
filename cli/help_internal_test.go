package cli

import (
	"flag"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/kantata-connect/kantata-connect/store"
)

// Help can't drift from the flags: every flag a command defines has its
// usage text in its definition, and the command's help names it.
func TestHelpNamesEveryFlag(t *testing.T) {
	for _, tc := range []struct {
		topic string
		args  []string
	}{
		{"list", []string{"list"}},
		{"client", []string{"client", "add", "X"}},
		{"client", []string{"client", "edit", "X"}},
		{"connection", []string{"connection", "add", "X"}},
		{"authorize", []string{"authorize", "X"}},
		{"test", []string{"test", "X"}},
		{"delete", []string{"delete", "connection", "X"}},
		{"delete", []string{"delete", "client", "X"}},
		{"diagnose", []string{"diagnose", "X"}},
		{"export", []string{"export", "X"}},
		{"import", []string{"import", "X"}},
	} {
		t.Run(strings.Join(tc.args[:len(tc.args)-1], " "), func(t *testing.T) {
			var sets []*flag.FlagSet
			flagSetMade = func(fs *flag.FlagSet) { sets = append(sets, fs) }
			defer func() { flagSetMade = nil }()
			// An unknown option stops every command right after its flags
			// are defined, before it opens anything.
			Run(t.Context(), Global{ConfigDir: t.TempDir()}, append(tc.args, "--no-such-option"), Env{})
			if len(sets) != 1 {
				t.Fatalf("%d flag sets made, want 1", len(sets))
			}
			help := topicHelp[tc.topic]
			if help == "" {
				t.Fatalf("no help for %q", tc.topic)
			}
			sets[0].VisitAll(func(f *flag.Flag) {
				if f.Usage == "" {
					t.Errorf("--%s has no usage text in its definition", f.Name)
				}
				where := help
				if f.Name == "config-dir" { // global: the main help has it
					where = mainHelp
				}
				if !strings.Contains(where, "--"+f.Name) {
					t.Errorf("help %s does not mention --%s (%s)", tc.topic, f.Name, f.Usage)
				}
			})
		})
	}
}

// The help's facts come from the constants: no placeholder is left, and
// the defaults it names are the ones the commands apply.
func TestHelpFactsFilled(t *testing.T) {
	placeholder := regexp.MustCompile(`\{[a-zA-Z]+\}`)
	texts := map[string]string{"": mainHelp}
	for k, v := range topicHelp {
		texts[k] = v
	}
	for topic, text := range texts {
		t.Run("topic "+topic, func(t *testing.T) {
			if p := placeholder.FindString(text); p != "" {
				t.Errorf("help %q keeps the placeholder %s", topic, p)
			}
		})
	}
	d := store.DefaultClientSettings()
	for _, want := range []string{"(default " + d.AuthURL + ")", "(default " + d.TokenURL + ")", "(default " + d.APIBaseURL + ")",
		fmt.Sprintf("(default %d)", d.RedirectPort)} {
		if !strings.Contains(topicHelp["client"], want) {
			t.Errorf("client help lacks %q", want)
		}
	}
	if want := "(default 5m; 10m when"; !strings.Contains(topicHelp["authorize"], want) {
		t.Errorf("authorize help lacks %q", want)
	}
}
