package fynelocale

import (
	"os"
	"testing"
)

func TestCWithCodeset(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		wantName string // "" when nothing is to change
	}{
		{"LANG=C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, "LANG"},
		{"LANG=C.utf8", map[string]string{"LANG": "C.utf8"}, "LANG"},
		{"LANG=POSIX.UTF-8", map[string]string{"LANG": "POSIX.UTF-8"}, "LANG"},
		{"LANG=C@euro", map[string]string{"LANG": "C@euro"}, "LANG"},
		{"LC_ALL over LANG", map[string]string{"LC_ALL": "C.UTF-8", "LANG": "en_US.UTF-8"}, "LC_ALL"},
		{"LC_MESSAGES over LANG", map[string]string{"LC_MESSAGES": "C.UTF-8", "LANG": "de_DE.UTF-8"}, "LC_MESSAGES"},
		// go-locale itself reads these as "no locale".
		{"LANG=C", map[string]string{"LANG": "C"}, ""},
		{"LANG=POSIX", map[string]string{"LANG": "POSIX"}, ""},
		{"unset", map[string]string{}, ""},
		// Real languages parse.
		{"LANG=en_US.UTF-8", map[string]string{"LANG": "en_US.UTF-8"}, ""},
		{"LANG=Ca_ES", map[string]string{"LANG": "ca_ES.UTF-8"}, ""},
		{"LC_ALL wins over a C LANG", map[string]string{"LC_ALL": "fr_FR.UTF-8", "LANG": "C.UTF-8"}, ""},
		// go-locale takes the languages from LANGUAGE then.
		{"LANGUAGE set", map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "fr"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, value, ok := cWithCodeset(func(k string) string { return tc.env[k] })
			if tc.wantName == "" {
				if ok {
					t.Errorf("cWithCodeset = %s=%q, want nothing to change", name, value)
				}
				return
			}
			if !ok || name != tc.wantName || value != tc.env[tc.wantName] {
				t.Errorf("cWithCodeset = %s=%q, %v; want %s=%q", name, value, ok, tc.wantName, tc.env[tc.wantName])
			}
		})
	}
}

func TestRestore(t *testing.T) {
	saved := rewritten
	t.Cleanup(func() { rewritten = saved })

	t.Setenv("LC_MESSAGES", "C")
	rewritten.name, rewritten.value, rewritten.done = "LC_MESSAGES", "C.UTF-8@euro", true
	Restore()
	if got := os.Getenv("LC_MESSAGES"); got != "C.UTF-8@euro" {
		t.Errorf("after Restore LC_MESSAGES = %q, want C.UTF-8@euro", got)
	}
	// Names of no glibc locale stay plain C: Fyne would log about them
	// each time the window asks for the locale.
	for _, v := range []string{"POSIX.UTF-8", "C@euro"} {
		os.Setenv("LC_MESSAGES", "C")
		rewritten.name, rewritten.value, rewritten.done = "LC_MESSAGES", v, true
		Restore()
		if got := os.Getenv("LC_MESSAGES"); got != "C" {
			t.Errorf("Restore of %s: LC_MESSAGES = %q, want C", v, got)
		}
	}

	// A call after the first changes nothing.
	os.Setenv("LC_MESSAGES", "C")
	rewritten.name, rewritten.value, rewritten.done = "LC_MESSAGES", "C.UTF-8", true
	Restore()
	os.Setenv("LC_MESSAGES", "de_DE.UTF-8")
	Restore()
	if got := os.Getenv("LC_MESSAGES"); got != "de_DE.UTF-8" {
		t.Errorf("second Restore set LC_MESSAGES to %q", got)
	}
}
