package cli

import (
	"io"
	"runtime"
	"strings"
)

// shellGOOS is the system whose terminal the words are for; tests set it.
var shellGOOS = runtime.GOOS

// forShell puts text in the words of this system's terminal. On Windows a
// variable is %NAME%, not $NAME, and cmd pipes a secret with echo rather
// than printf.
func forShell(text string) string {
	if shellGOOS != "windows" {
		return text
	}
	return windowsWords.Replace(text)
}

var windowsWords = strings.NewReplacer(
	`printf '%s\n' "$SECRET_1" "$SECRET_2" | `, `(echo %SECRET_1%& echo %SECRET_2%)| `,
	`printf '%s\n' "$SECRET" | `, `echo %SECRET%| `,
	"$"+"KANTATA_CONNECT_CONFIG_DIR", "%KANTATA_CONNECT_CONFIG_DIR%",
	"$BROWSER", "%BROWSER%",
)

// plainPunctuation is typographic punctuation in the ASCII that every code
// page reads alike: “quotes” become "quotes", … three dots, a dash a
// hyphen. Output a Windows console does not show goes through it: cmd's
// type and a PowerShell 5.1 pipe read a program's output in the OEM code
// page (437, 850), where UTF-8's “ would read as â€œ. Names and users keep
// their letters: they are the user's data.
var plainPunctuation = strings.NewReplacer(
	"“", `"`, "”", `"`, "„", `"`, "‘", "'", "’", "'",
	"…", "...", "—", "-", "–", "-", "·", "-", "→", "->", "›", ">",
)

// needsPlainPunctuation reports whether w is this Windows program's
// standard output or error redirected to a file or a pipe: a console shows
// every character (Go writes to it in UTF-16), a file or pipe gets bytes
// whose reader may not take them as UTF-8.
func needsPlainPunctuation(w io.Writer) bool {
	return shellGOOS == "windows" && redirected(w)
}
