// Package safetext makes text safe to display: what a server sends (a
// Kantata user's name, an error description) and what people type (names)
// may hold characters that a terminal obeys or that change how the text
// around them reads. It is the one place that decides which characters
// those are; store, kantata, oauth, connect, setupfile, diagnose and the
// command line all use it.
package safetext

import (
	"fmt"
	"strings"
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
//   - bidi controls and zero-width characters are dropped: they show
//     nothing themselves, and only change how the text around them reads.
//
// Clean does not trim: callers that want that trim.
func Clean(s string) string {
	if Find(s) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch k := kindOf(r); {
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
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return i
			}
			continue
		}
		if kindOf(r) != safe {
			return i
		}
	}
	return -1
}

// IsInvisible reports whether Clean drops r (a bidi control or a
// zero-width character).
func IsInvisible(r rune) bool { return kindOf(r) == invisible }

// Describe names r for a message, in plain words where it has a common
// name: "U+202E (right-to-left override)", "U+0007".
func Describe(r rune) string {
	if name, ok := invisibleNames[r]; ok {
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

func kindOf(r rune) kind {
	switch {
	case r >= 0x20 && r < 0x7f:
		return safe // the common case first
	case r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r' ||
		r == '\u0085' || r == '\u2028' || r == '\u2029':
		return spaceLike
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return control
	}
	if _, ok := invisibleNames[r]; ok {
		return invisible
	}
	return safe
}

// invisibleNames are the bidi controls and zero-width characters Clean
// drops, by their common names.
var invisibleNames = map[rune]string{
	'\u061C': "Arabic letter mark",
	'\u200E': "left-to-right mark",
	'\u200F': "right-to-left mark",
	'\u202A': "left-to-right embedding",
	'\u202B': "right-to-left embedding",
	'\u202C': "pop directional formatting",
	'\u202D': "left-to-right override",
	'\u202E': "right-to-left override",
	'\u2066': "left-to-right isolate",
	'\u2067': "right-to-left isolate",
	'\u2068': "first strong isolate",
	'\u2069': "pop directional isolate",
	'\u200B': "zero-width space",
	'\u200C': "zero-width non-joiner",
	'\u200D': "zero-width joiner",
	'\u2060': "word joiner",
	'\uFEFF': "zero-width no-break space",
}
