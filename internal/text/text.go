// Package text holds the small string helpers that error messages across
// the project share.
package text

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxAbbrev is the most characters (runes) Abbrev returns.
const MaxAbbrev = 40

// Abbrev shortens s for an error message: a string of more than MaxAbbrev
// characters becomes its first MaxAbbrev-3 characters and "...". It counts
// and cuts characters, never bytes, so a multi-byte UTF-8 character is never
// cut in two; invalid UTF-8 counts one character per bad byte and is kept as
// it is.
func Abbrev(s string) string {
	if utf8.RuneCountInString(s) <= MaxAbbrev {
		return s
	}
	n, cut := 0, 0
	for i := range s {
		if n == MaxAbbrev-3 {
			cut = i
			break
		}
		n++
	}
	return s[:cut] + "..."
}

// Quote writes s as a JSON string without escaping <, > and &, for error
// messages: control characters and the line separators U+2028 and U+2029
// are escaped, everything else is kept as written.
func Quote(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029:
			sb.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			sb.WriteString(strings.Repeat("0", 4-len(h)) + h)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// List joins names for a message, listing at most ten and saying how many
// more there are.
func List(names []string) string {
	const most = 10
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
}
