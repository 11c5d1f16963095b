package safetext_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// unsafe reports the first character no terminal should receive, or "".
func unsafe(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	for _, r := range s {
		switch {
		case r < 0x20 && r != '\n', r == 0x7f, r >= 0x80 && r <= 0x9f,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
			r == 0x200e, r == 0x200f, r == 0x061c,
			r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff,
			r == 0x2028, r == 0x2029:
			return safetext.Describe(r)
		}
	}
	return ""
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain text stays", "Jane Doe <jane@example.com>", "Jane Doe <jane@example.com>"},
		{"letters of any script stay", "Zoë Ångström — 山田 太郎 مريم", "Zoë Ångström — 山田 太郎 مريم"},
		{"emoji sequences stay", "🙂👍🏽", "🙂👍🏽"},
		{"a real U+FFFD stays", "a\uFFFDb", "a\uFFFDb"},
		{"empty", "", ""},

		{"OSC title change", "\x1b]0;pwned\x07", "\uFFFD]0;pwned\uFFFD"},
		{"screen clear", "\x1b[2J", "\uFFFD[2J"},
		{"OSC 8 fake link", "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\", "\uFFFD]8;;http://evil\uFFFD\\click\uFFFD]8;;\uFFFD\\"},
		{"colour in a name", "Jane \x1b[31mDoe\x1b[0m", "Jane \uFFFD[31mDoe\uFFFD[0m"},
		{"8-bit CSI", "\u009b31m", "\uFFFD31m"},
		{"8-bit CSI as a raw byte", "\x9b31m", "\uFFFD31m"},
		{"other C1: NEL is a line break", "a\u0085b", "a b"},
		{"C1 OSC", "\u009d0;pwned\u009c", "\uFFFD0;pwned\uFFFD"},
		{"DEL", "a\x7fb", "a\uFFFDb"},
		{"NUL between words", "Jane\x00Doe", "Jane\uFFFDDoe"},
		{"bell", "ding\a", "ding\uFFFD"},
		{"backspace overwrites", "admin\b\b\b\b\buser", "admin\uFFFD\uFFFD\uFFFD\uFFFD\uFFFDuser"},

		{"line breaks part words", "one\ntwo\r\nthree\rfour", "one two  three four"},
		{"tabs part words", "a\tb\vc\fd", "a b c d"},
		{"line and paragraph separators", "a\u2028b\u2029c", "a b c"},

		{"right-to-left override", "\u202eevil\u202c", "evil"},
		{"filename spoof", "invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"every bidi embedding and override", "\u202aa\u202bb\u202cc\u202dd\u202ee", "abcde"},
		{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", "abc"},
		{"bidi marks", "a\u200eb\u200fc\u061cd", "abcd"},
		{"zero-width space", "Jane\u200bDoe", "JaneDoe"},
		{"zero-width joiners", "a\u200cb\u200dc", "abc"},
		{"word joiner and BOM", "\ufeffa\u2060b", "ab"},

		{"invalid UTF-8", "caf\xe9", "caf\uFFFD"},
		{"a run of invalid bytes is one U+FFFD", "a\xff\xfe\xfdb", "a\uFFFDb"},
		{"a cut-off rune", "ab\xe2\x80", "ab\uFFFD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := safetext.Clean(tc.in)
			if got != tc.want {
				t.Errorf("Clean(%q) = %q; want %q", tc.in, got, tc.want)
			}
			if u := unsafe(got); u != "" {
				t.Errorf("Clean(%q) = %q still holds %s", tc.in, got, u)
			}
			if again := safetext.Clean(got); again != got {
				t.Errorf("Clean is not idempotent: Clean(%q) = %q", got, again)
			}
			if changes := got != tc.in; changes != (safetext.Find(tc.in) >= 0) {
				t.Errorf("Find(%q) = %d, but Clean changes it: %v", tc.in, safetext.Find(tc.in), changes)
			}
		})
	}
}

func TestLinesKeepsLineBreaks(t *testing.T) {
	in := "first \x1b[2Jline\n  second\u202e line\r\n\nlast\x07"
	want := "first \uFFFD[2Jline\n  second line \n\nlast\uFFFD"
	if got := safetext.Lines(in); got != want {
		t.Errorf("Lines(%q) = %q; want %q", in, got, want)
	}
	if got := safetext.Lines("a\nb\n"); got != "a\nb\n" {
		t.Errorf("Lines changed clean text: %q", got)
	}
}

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want int
	}{
		{"clean", "Jane Doe", -1},
		{"control", "ab\x1bc", 2},
		{"bidi after a multi-byte letter", "é\u202e", 2},
		{"invalid UTF-8", "a\xffb", 1},
		{"a real U+FFFD is fine", "\uFFFD", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := safetext.Find(tc.in); got != tc.want {
				t.Errorf("Find(%q) = %d; want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	for r, want := range map[rune]string{
		'\u202e': "U+202E (right-to-left override)",
		'\u200b': "U+200B (zero-width space)",
		'\ufeff': "U+FEFF (zero-width no-break space)",
		'\a':     "U+0007",
	} {
		if got := safetext.Describe(r); got != want {
			t.Errorf("Describe(%U) = %q; want %q", r, got, want)
		}
		if safetext.IsInvisible(r) != strings.Contains(want, "(") {
			t.Errorf("IsInvisible(%U) = %v", r, safetext.IsInvisible(r))
		}
	}
}

// FuzzClean: whatever goes in, nothing a terminal obeys comes out.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"\x1b]0;pwned\x07", "\x9b31m", "\u202eevil", "Jane\u200bDoe", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safetext.Clean(s)
		if u := unsafe(got); u != "" {
			t.Errorf("Clean(%q) = %q holds %s", s, got, u)
		}
		if strings.Contains(got, "\n") {
			t.Errorf("Clean(%q) = %q holds a line break", s, got)
		}
		if u := unsafe(strings.ReplaceAll(safetext.Lines(s), "\n", "")); u != "" {
			t.Errorf("Lines(%q) holds %s", s, u)
		}
	})
}
