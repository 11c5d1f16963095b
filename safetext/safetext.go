// Package safetext is the app's small text toolkit. Above all it makes
// text safe to display: what a server sends (a Kantata user's name, an
// error description) and what people type (names) may hold characters that
// a terminal obeys or that change how the text around them reads. It is the
// one place that decides which characters those are (Clean, Find), bounds
// text on a character boundary (Cut), keeps secrets out of text (Redact,
// Redacted) and counts in words (Count); store, kantata, oauth, connect,
// setupfile, diagnose and both fronts use it.
package safetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean returns s safe to show on one line, in a terminal or a window:
//
//   - invalid UTF-8 becomes U+FFFD;
//   - line breaks, tabs and the line and paragraph separators (U+2028,
//     U+2029) become a space, so words they part stay apart;
//   - every other control character — C0 (ESC included, so no escape
//     sequence survives), DEL and C1 (the 8-bit CSI U+009B included) —
//     becomes U+FFFD, so a reader sees that something was there;
//   - invisible characters are dropped: they show nothing themselves, and
//     only change how the text around them reads or make two texts that
//     look alike differ (see IsInvisible).
//
// Clean does not trim: callers that want that trim.
func Clean(s string) string {
	if Find(s) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var sc scanner
	for i := 0; i < len(s); {
		r, size, k := sc.next(s, i)
		switch {
		case r == utf8.RuneError && size <= 1:
			// One U+FFFD for a run of invalid bytes, as strings.ToValidUTF8.
			b.WriteRune(utf8.RuneError)
			for i += size; i < len(s); i += size {
				if r, size = utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || size > 1 {
					break
				}
			}
			continue
		case k == spaceLike:
			b.WriteByte(' ')
		case k == control:
			b.WriteRune(utf8.RuneError)
		case k == invisible:
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Lines is Clean for text of several lines: each line is cleaned and the
// line breaks ("\n") between them are kept.
func Lines(s string) string {
	if Find(s) < 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Clean(l)
	}
	return strings.Join(lines, "\n")
}

// Find returns the byte index of the first character in s that Clean would
// change, or -1 when Clean returns s as it is.
func Find(s string) int {
	var sc scanner
	for i := 0; i < len(s); {
		_, size, k := sc.next(s, i)
		if k != safe {
			return i
		}
		i += size
	}
	return -1
}

// Cut shortens s to at most max characters (runes), ending it with "…"
// when it was longer; it never cuts a character in two. Text that comes
// from a server is bounded with it, at a length a person can read.
func Cut(s string, max int) string {
	if max < 1 || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			// No space before the "…", and no joiner or selector left
			// hanging without the character it would join.
			return strings.TrimRightFunc(s[:i], func(r rune) bool { return unicode.IsSpace(r) || IsInvisible(r) }) + "…"
		}
		n++
	}
	return s
}

// IsInvisible reports whether r is an invisible character: one that shows
// nothing by itself, chosen by Unicode property rather than by list —
// every format character (category Cf: bidi controls, zero-width
// characters, the soft hyphen, invisible operators, tag characters,
// interlinear annotation marks, Arabic number marks…), every other
// default-ignorable code point (the combining grapheme joiner, the Hangul
// fillers), the variation selectors, and U+2800 (braille blank). Clean
// drops them, except where they show (see scanner); a name that holds one
// is refused with the character named (Describe).
func IsInvisible(r rune) bool {
	return r == '\u2800' ||
		unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// Describe names r for a message, in plain words where it has a common
// name: "U+202E (right-to-left override)", "U+0007".
func Describe(r rune) string {
	if name := invisibleName(r); name != "" {
		return fmt.Sprintf("U+%04X (%s)", r, name)
	}
	return fmt.Sprintf("U+%04X", r)
}

type kind int

const (
	safe      kind = iota
	spaceLike      // becomes a space
	control        // becomes U+FFFD
	invisible      // dropped
)

// scanner walks a text for Clean and Find. Whether an invisible character
// shows depends on its neighbours, so it remembers what came before:
//
//   - a zero-width joiner (U+200D) between two emoji makes one picture of
//     them (👩‍💻): kept there;
//   - a variation selector (U+FE0E, U+FE0F) right after an emoji picks its
//     text or colour form (❤️): kept there;
//   - a zero-width non-joiner (U+200C) between two letters of the Arabic
//     script keeps them from joining, as Persian, Urdu and Kurdish spell
//     words (می‌خواهم): kept there, where it visibly changes the word.
//
// Everywhere else, and for every other invisible character (tag characters
// included, so subdivision flags show as a plain black flag), it is
// dropped.
type scanner struct {
	emoji  bool // the last character kept ends an emoji (with its modifiers)
	arabic bool // the last character kept is a letter of the Arabic script
}

// next classifies the character at s[i:] and returns it with its size.
func (sc *scanner) next(s string, i int) (rune, int, kind) {
	r, size := utf8.DecodeRuneInString(s[i:])
	k := kindOf(r, size)
	if k == invisible && sc.shows(r, s[i+size:]) {
		k = safe
	}
	switch {
	case k != safe:
		// Dropped or replaced: the characters around it keep their state,
		// so cleaning twice gives what cleaning once gave.
		if k != invisible {
			sc.emoji, sc.arabic = false, false
		}
	case r == '\u200D':
		sc.emoji, sc.arabic = false, false
	case isEmojiModifier(r) || r == '\uFE0E' || r == '\uFE0F':
		// stays an emoji
	default:
		sc.emoji = isEmoji(r)
		sc.arabic = isArabicLetter(r)
	}
	return r, size, k
}

// shows reports whether the invisible r shows here, between what came
// before (the scanner's state) and rest.
func (sc *scanner) shows(r rune, rest string) bool {
	following, _ := utf8.DecodeRuneInString(rest)
	switch r {
	case '\u200D':
		return sc.emoji && isEmoji(following)
	case '\uFE0E', '\uFE0F':
		return sc.emoji
	case '\u200C':
		return sc.arabic && isArabicLetter(following)
	}
	return false
}

func kindOf(r rune, size int) kind {
	switch {
	case r >= 0x20 && r < 0x7f:
		return safe // the common case first
	case r == utf8.RuneError && size <= 1:
		return control // invalid UTF-8
	case r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' ||
		r == '\u0085' || r == '\u2028' || r == '\u2029':
		return spaceLike
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return control
	case IsInvisible(r):
		return invisible
	}
	return safe
}

// isEmoji: emoji are the "other symbols" (category So: pictographs,
// dingbats, regional indicators); close enough for deciding where a joiner
// may stand, since a joiner between two symbols changes no word.
// U+FFFD, a symbol too, stands for what was broken: never an emoji.
func isEmoji(r rune) bool { return r > 0x7f && r != utf8.RuneError && unicode.Is(unicode.So, r) }

// isEmojiModifier: the five skin tones (category Sk), which belong to the
// emoji before them.
func isEmojiModifier(r rune) bool { return r >= 0x1F3FB && r <= 0x1F3FF }

func isArabicLetter(r rune) bool { return unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r) }

// invisibleName is r's common name, or "" when r is not invisible.
func invisibleName(r rune) string {
	if name, ok := invisibleNames[r]; ok {
		return name
	}
	for _, rg := range invisibleRanges {
		if r >= rg.lo && r <= rg.hi {
			return rg.name
		}
	}
	if IsInvisible(r) {
		return "invisible formatting character"
	}
	return ""
}

// invisibleNames are the invisible characters people meet most, by their
// common names.
var invisibleNames = map[rune]string{
	'\u00AD': "soft hyphen",
	'\u034F': "combining grapheme joiner",
	'\u061C': "Arabic letter mark",
	'\u115F': "Hangul choseong filler",
	'\u1160': "Hangul jungseong filler",
	'\u180E': "Mongolian vowel separator",
	'\u200B': "zero-width space",
	'\u200C': "zero-width non-joiner",
	'\u200D': "zero-width joiner",
	'\u200E': "left-to-right mark",
	'\u200F': "right-to-left mark",
	'\u202A': "left-to-right embedding",
	'\u202B': "right-to-left embedding",
	'\u202C': "pop directional formatting",
	'\u202D': "left-to-right override",
	'\u202E': "right-to-left override",
	'\u2060': "word joiner",
	'\u2061': "function application",
	'\u2062': "invisible times",
	'\u2063': "invisible separator",
	'\u2064': "invisible plus",
	'\u2066': "left-to-right isolate",
	'\u2067': "right-to-left isolate",
	'\u2068': "first strong isolate",
	'\u2069': "pop directional isolate",
	'\u2800': "braille pattern blank",
	'\u3164': "Hangul filler",
	'\uFEFF': "zero-width no-break space",
	'\uFFA0': "halfwidth Hangul filler",
}

// invisibleRanges name the invisible characters that come in blocks.
var invisibleRanges = []struct {
	lo, hi rune
	name   string
}{
	{0x0600, 0x0605, "Arabic number mark"},
	{0x180B, 0x180F, "Mongolian variation selector"},
	{0x206A, 0x206F, "deprecated format character"},
	{0xFE00, 0xFE0F, "variation selector"},
	{0xFFF9, 0xFFFB, "interlinear annotation mark"},
	{0xE0000, 0xE007F, "tag character"},
	{0xE0100, 0xE01EF, "variation selector"},
}
