package spec

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/mlforge/mlforge/internal/text"
)

// FieldError is one problem with a spec: the field it concerns and what is
// wrong, e.g. Path "model.params.n_neighbors" and Msg `expected an integer ≥
// 1, got "five"`. Path is empty for problems with the document as a whole,
// such as invalid JSON.
type FieldError struct {
	Path string
	Msg  string
}

// Error returns "path: msg", or msg alone when Path is empty.
func (e *FieldError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// BadInput marks the error as the user's input rather than a bug (see
// ml.IsBadInput).
func (e *FieldError) BadInput() bool { return true }

// Errors is every problem found in a spec, in field order. Parse and Validate
// return an Errors holding at least one *FieldError, never an empty one.
type Errors []*FieldError

// Error joins the problems, one per line.
func (e Errors) Error() string {
	msgs := make([]string, len(e))
	for i, fe := range e {
		msgs[i] = fe.Error()
	}
	return strings.Join(msgs, "\n")
}

// BadInput marks the errors as the user's input rather than a bug.
func (e Errors) BadInput() bool { return true }

// Unwrap returns the individual errors, so that errors.As finds a
// *FieldError.
func (e Errors) Unwrap() []error {
	out := make([]error, len(e))
	for i, fe := range e {
		out[i] = fe
	}
	return out
}

// Has reports whether one of the problems concerns one of the fields
// (a path equal to one of them or inside it: "data" has "data.train" and
// "data[\"x\"]").
func (e Errors) Has(fields ...string) bool {
	for _, fe := range e {
		for _, f := range fields {
			if fe.Path == f || strings.HasPrefix(fe.Path, f+".") || strings.HasPrefix(fe.Path, f+"[") {
				return true
			}
		}
	}
	return false
}

// fieldOrder is the order of the top-level fields in which Validate
// reports problems.
var fieldOrder = []string{"name", "data.train", "data.test", "data.target", "data.split", "data", "preprocess", "seed", "model",
	"criterion", "optimizer", "scheduler", "batch_size", "grad_clip", "epochs", "transforms", "target_transforms", "labels", "metrics", "output"}

func fieldRank(path string) int {
	for i, f := range fieldOrder {
		if path == f || strings.HasPrefix(path, f+".") || strings.HasPrefix(path, f+"[") {
			return i
		}
	}
	return len(fieldOrder)
}

// Merge adds more problems to err (nil, or an Errors from Validate) and
// returns the result, nil when there are none: each new problem goes before
// the first of err's whose field comes later in the spec, so that problems
// found after Validate (by train.Check, which reads the data) read in field
// order with Validate's. The list is capped as Validate's is.
func Merge(err error, more ...*FieldError) error {
	var list Errors
	if err != nil {
		var e Errors
		var fe *FieldError
		switch {
		case errors.As(err, &e):
			list = append(list, e...)
		case errors.As(err, &fe):
			list = append(list, fe)
		default:
			list = append(list, &FieldError{Msg: err.Error()})
		}
	}
	for _, m := range more {
		r := fieldRank(m.Path)
		at := len(list)
		for i, fe := range list {
			if fieldRank(fe.Path) > r {
				at = i
				break
			}
		}
		list = append(list[:at], append(Errors{m}, list[at:]...)...)
	}
	if len(list) == 0 {
		return nil
	}
	return capped(list)
}

// maxErrors bounds the problems reported at once, so that a spec with
// thousands of bad entries yields a readable message.
const maxErrors = 50

// capped returns list cut to maxErrors entries, the last saying how many were
// left out.
func capped(list Errors) Errors {
	if len(list) <= maxErrors {
		return list
	}
	out := append(Errors(nil), list[:maxErrors-1]...)
	return append(out, &FieldError{Msg: fmt.Sprintf("... and %d more problems", len(list)-(maxErrors-1))})
}

// errs collects problems.
type errs struct{ list Errors }

func (c *errs) add(path, msg string) { c.list = append(c.list, &FieldError{Path: path, Msg: msg}) }

func (c *errs) err() error {
	if len(c.list) == 0 {
		return nil
	}
	return capped(c.list)
}

var bareKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// joinKey appends an object key to a field path: "data" + "train" is
// "data.train". Keys that are not plain identifiers are quoted, as in
// `data["my key"]`, so that a path is never ambiguous.
func joinKey(path, key string) string {
	if !bareKey.MatchString(key) {
		return path + "[" + quote(abbrev(key)) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// joinIndex appends an array index to a field path: "metrics[0]".
func joinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// quote writes s as a JSON string without escaping <, > and & (text.Quote).
func quote(s string) string { return text.Quote(s) }

// abbrev shortens s for an error message (text.Abbrev).
func abbrev(s string) string { return text.Abbrev(s) }
