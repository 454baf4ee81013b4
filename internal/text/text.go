// Package text holds the small string helpers that error messages across
// the project share.
package text

import "unicode/utf8"

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
