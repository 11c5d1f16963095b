package cli

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// On Windows the help names variables as cmd spells them and pipes a
// secret with echo; elsewhere it stays as it is.
func TestHelpInTheWordsOfTheTerminal(t *testing.T) {
	defer func(goos string) { shellGOOS = goos }(shellGOOS)
	posixVar := regexp.MustCompile(`\$[A-Z]`)
	all := mainHelp
	for _, text := range topicHelp {
		all += text
	}
	t.Run("windows", func(t *testing.T) {
		shellGOOS = "windows"
		got := forShell(all)
		if m := posixVar.FindAllString(got, -1); len(m) > 0 || strings.Contains(got, "printf") {
			t.Errorf("Windows help still has POSIX words: %q, printf %v", m, strings.Contains(got, "printf"))
		}
		for _, want := range []string{"default %KANTATA_CONNECT_CONFIG_DIR%, else", "(%BROWSER%",
			`echo %SECRET%| kantata-connect client add "Kantata production" --client-id abc123`,
			"(echo %SECRET_1%& echo %SECRET_2%)| kantata-connect import setup.json"} {
			if !strings.Contains(got, want) {
				t.Errorf("Windows help lacks %q", want)
			}
		}
	})
	t.Run("linux", func(t *testing.T) {
		shellGOOS = "linux"
		if got := forShell(all); got != all || !strings.Contains(got, "$KANTATA_CONNECT_CONFIG_DIR") {
			t.Error("the help changed on Linux")
		}
	})
}

// Output that no console shows gets ASCII punctuation: a PowerShell 5.1
// pipe or cmd's type reads it in the OEM code page.
func TestPlainPunctuationWhenRedirected(t *testing.T) {
	for _, tc := range []struct {
		name  string
		plain bool
		in    string
		want  string
	}{
		{"redirected", true, "“Production” works… as Jürgen Müller · 42 projects — ok\n",
			"\"Production\" works... as Jürgen Müller - 42 projects - ok\n"},
		{"on a console", false, "“Production” works\n", "“Production” works\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if _, err := (terminal{&b, tc.plain}).Write([]byte(tc.in)); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("wrote %q, want %q", b.String(), tc.want)
			}
		})
	}
}
