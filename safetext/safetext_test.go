package safetext_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kantata-connect/kantata-connect/safetext"
)

// unsafe reports the first character no terminal should receive, or "":
// a control character, or an invisible one other than a joiner or a
// variation selector standing where it shows (see emojiOrArabicJoin).
func unsafe(s string) string {
	if !utf8.ValidString(s) {
		return "invalid UTF-8"
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r < 0x20 && r != '\n', r == 0x7f, r >= 0x80 && r <= 0x9f,
			r == 0x2028, r == 0x2029:
			return safetext.Describe(r)
		case unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector),
			r == 0x2800:
			if !joinShows(rs, i) {
				return safetext.Describe(r)
			}
		}
	}
	return ""
}

// joinShows is the test's own reading of the keep rules: a ZWJ between two
// symbols (emoji), a VS15/VS16 after one, a ZWNJ between Arabic letters.
func joinShows(rs []rune, i int) bool {
	emoji := func(r rune) bool { return r > 0x7f && r != 0xfffd && unicode.Is(unicode.So, r) }
	arabic := func(r rune) bool { return unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r) }
	prev := func() rune { // skipping the skin tones and selectors that belong to an emoji
		for j := i - 1; j >= 0; j-- {
			if r := rs[j]; !(r >= 0x1f3fb && r <= 0x1f3ff) && r != 0xfe0e && r != 0xfe0f {
				return r
			}
		}
		return 0
	}
	var next rune
	if i+1 < len(rs) {
		next = rs[i+1]
	}
	switch rs[i] {
	case 0x200d:
		return emoji(prev()) && emoji(next)
	case 0xfe0e, 0xfe0f:
		return emoji(prev())
	case 0x200c:
		return i > 0 && arabic(rs[i-1]) && arabic(next)
	}
	return false
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

		// Invisible by Unicode property, not by list (issue 19): each of
		// these made "Production" and a look-alike list identically.
		{"soft hyphen", "Produc\u00adtion", "Production"},
		{"tag characters", "Production\U000E0020\U000E0041\U000E007F", "Production"},
		{"language tag", "\U000E0001Prod", "Prod"},
		{"combining grapheme joiner", "Prod\u034fuction", "Production"},
		{"invisible operators", "a\u2061b\u2062c\u2063d\u2064e", "abcde"},
		{"Mongolian vowel separator", "Prod\u180euction", "Production"},
		{"Hangul fillers", "\u115fJane\u1160 \u3164Doe\uffa0", "Jane Doe"},
		{"interlinear annotation", "\ufff9Jane\ufffaDoe\ufffb", "JaneDoe"},
		{"deprecated format characters", "a\u206ab\u206bc\u206cd\u206de\u206ef\u206fg", "abcdefg"},
		{"Arabic number marks", "\u0600\u0601\u0602\u0603\u0604\u0605١٢", "١٢"},
		{"braille blank", "Jane\u2800Doe", "JaneDoe"},
		{"variation selector after a letter", "Prod\ufe0fuction", "Production"},
		{"ideographic variation selector", "葛\U000E0100", "葛"},
		{"Khmer inherent vowels", "a\u17b4b\u17b5c", "abc"},

		// Where a joiner or selector shows, it stays.
		{"emoji ZWJ sequence stays", "👩\u200d💻", "👩\u200d💻"},
		{"ZWJ after a skin tone stays", "👩\U0001F3FD\u200d💻", "👩\U0001F3FD\u200d💻"},
		{"heart on fire: VS16 then ZWJ", "\u2764\ufe0f\u200d\U0001F525", "\u2764\ufe0f\u200d\U0001F525"},
		{"rainbow flag", "\U0001F3F3\ufe0f\u200d\U0001F308", "\U0001F3F3\ufe0f\u200d\U0001F308"},
		{"text-style selector after an emoji", "\u2764\ufe0e", "\u2764\ufe0e"},
		{"Persian ZWNJ between letters stays", "می\u200cخواهم", "می\u200cخواهم"},
		{"ZWJ between a letter and an emoji goes", "a\u200d💻", "a💻"},
		{"ZWJ after an emoji before a letter goes", "💻\u200da", "💻a"},
		{"ZWJ at the end goes", "👩\u200d", "👩"},
		{"two ZWJs: one stays", "👩\u200d\u200d💻", "👩\u200d💻"},
		{"ZWNJ between Latin letters goes", "Produc\u200ction", "Production"},
		{"ZWNJ after an Arabic letter, before a Latin one, goes", "ب\u200cb", "بb"},
		{"subdivision flag becomes a black flag", "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", "\U0001F3F4"},

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

// TestInvisibleByProperty: every character the review found passing
// (issue 19) is invisible, with a name a message can show.
func TestInvisibleByProperty(t *testing.T) {
	var found []rune
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			found = append(found, r)
		}
	}
	add(0x00ad, 0x00ad)   // soft hyphen
	add(0xe0000, 0xe007f) // tag characters
	add(0x034f, 0x034f)   // combining grapheme joiner
	add(0x2061, 0x2064)   // invisible operators
	add(0x180e, 0x180e)   // Mongolian vowel separator
	for _, r := range []rune{0x115f, 0x1160, 0x3164, 0xffa0} {
		add(r, r) // Hangul fillers
	}
	add(0xfff9, 0xfffb) // interlinear annotation marks
	add(0x206a, 0x206f) // deprecated format characters
	add(0x0600, 0x0605) // Arabic number marks
	add(0x2800, 0x2800) // braille blank
	for _, r := range found {
		if !safetext.IsInvisible(r) {
			t.Errorf("IsInvisible(%U) = false", r)
		}
		if d := safetext.Describe(r); !strings.Contains(d, "(") {
			t.Errorf("Describe(%U) = %q names no character", r, d)
		}
		if got := safetext.Clean("a" + string(r) + "b"); got != "ab" {
			t.Errorf("Clean(a %U b) = %q; want \"ab\"", r, got)
		}
	}
	for _, r := range []rune{'a', ' ', 'é', '山', 'م', '🙂', 0xfffd, 0x00a0} {
		if safetext.IsInvisible(r) {
			t.Errorf("IsInvisible(%U) = true for a character that shows", r)
		}
	}
}

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short stays", "Jane Doe", 20, "Jane Doe"},
		{"exactly max stays", "abcde", 5, "abcde"},
		{"long is cut with an ellipsis", "abcdefgh", 5, "abcd…"},
		{"counts characters, not bytes", "ééééééé", 4, "ééé…"},
		{"never cuts a character in two", "山田太郎山田太郎", 3, "山田…"},
		{"no space before the ellipsis", "Jane Doe Smith", 6, "Jane…"},
		{"no joiner left hanging", "ab👩\u200d💻x", 5, "ab👩…"},
		{"no limit", "abc", 0, "abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := safetext.Cut(tc.in, tc.max)
			if got != tc.want {
				t.Errorf("Cut(%q, %d) = %q; want %q", tc.in, tc.max, got, tc.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Cut(%q, %d) = %q is not valid UTF-8", tc.in, tc.max, got)
			}
			if tc.max > 0 && utf8.RuneCountInString(got) > tc.max {
				t.Errorf("Cut(%q, %d) = %q is longer than %d characters", tc.in, tc.max, got, tc.max)
			}
		})
	}
}

// FuzzClean: whatever goes in, nothing a terminal obeys comes out.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"\x1b]0;pwned\x07", "\x9b31m", "\u202eevil", "Jane\u200bDoe", "a\nb",
		// issue 19: invisible by property, and where a joiner shows
		"Produc\u00adtion", "Production\U000E0020", "a\u034fb\u2061c\u180ed", "\u115f\u1160\u3164\uffa0",
		"\ufff9a\ufffb\u206a\u0600\u2800", "👩\U0001F3FD\u200d💻", "\u2764\ufe0f\u200d\U0001F525",
		"می\u200cخواهم", "👩\u200d\u200d💻", "\U0001F3F4\U000E0067\U000E007F"} {
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
		if again := safetext.Clean(got); again != got {
			t.Errorf("Clean is not idempotent: Clean(%q) = %q, then %q", s, got, again)
		}
		if (got != s) != (safetext.Find(s) >= 0) {
			t.Errorf("Find(%q) = %d disagrees with Clean's %q", s, safetext.Find(s), got)
		}
		if cut := safetext.Cut(got, 7); utf8.RuneCountInString(cut) > 7 || safetext.Find(cut) >= 0 {
			t.Errorf("Cut(%q, 7) = %q is too long or not clean", got, cut)
		}
	})
}
