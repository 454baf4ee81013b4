package data

import (
	"strconv"
	"strings"
)

// Error reports a problem with input data: a malformed file, a column that
// cannot be used, missing values, or a split that cannot be made. Its text
// says where (file, line, column) and what was expected, for example
//
//	train.csv line 7: expected 5 fields, got 4
//	train.csv: column "age": 3 missing values (lines 4, 17, 230); add {"type": "SimpleImputer"} to preprocess
type Error struct {
	File   string // file or data set name; "" when there is none
	Line   int    // 1-based line in the file; 0 when the problem is not on one line
	Column string // column name; "" when the problem is not in one column
	Msg    string // what is wrong and what was expected
	Err    error  // the underlying error, if any (for errors.Is)
}

// Error formats e as "FILE line N: column "C": MSG", leaving out the parts
// that are not set.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Column != "" {
		b.WriteString("column ")
		b.WriteString(strconv.Quote(e.Column))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// BadInput marks the error as the user's input rather than a bug (see
// ml.IsBadInput).
func (e *Error) BadInput() bool { return true }

// quoteList formats names as `"a", "b", "c"`, keeping at most max of them and
// saying how many more there are.
func quoteList(names []string, max int) string {
	var b strings.Builder
	for i, n := range names {
		if i == max {
			b.WriteString(", and ")
			b.WriteString(strconv.Itoa(len(names) - max))
			b.WriteString(" more")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}
