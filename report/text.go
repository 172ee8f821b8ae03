package report

import (
	"strings"
	"unicode/utf8"
)

// Sanitize returns s as the documents draw it: valid UTF-8, line breaks
// normalised to "\n", tabs and other control characters turned into
// spaces, and every character the embedded fonts lack (an emoji, a CJK
// ideograph…) replaced by U+FFFD, so that any text a person types renders
// without failing.
func Sanitize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r >= 0x20 && r < 0x7F: // printable ASCII: both fonts have it
			b.WriteByte(byte(r))
		case r == '\n':
			b.WriteByte('\n')
		case r == '\r' || r == '\t' || r == '\u00A0':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0):
			b.WriteByte(' ')
		case r == utf8.RuneError && n == 1:
			b.WriteRune(replacement)
		case r >= 0xFE00 && r <= 0xFE0F, r == 0x200D: // variation selectors, zero-width joiner
		case covered(r):
			b.WriteRune(r)
		default:
			b.WriteRune(replacement)
		}
	}
	return b.String()
}
