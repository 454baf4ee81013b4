package ml

import (
	"errors"
	"fmt"
)

// ErrNotFitted is returned by methods that need a fitted estimator.
var ErrNotFitted = errors.New("estimator is not fitted yet: call Fit first")

// NotFittedError wraps ErrNotFitted with the estimator's class name.
func NotFittedError(class string) error {
	return fmt.Errorf("%s: %w", class, ErrNotFitted)
}

// ParamError reports a bad hyperparameter.
type ParamError struct {
	Param    string // JSON name, e.g. "n_neighbors"
	Expected string // e.g. "an integer ≥ 1"
	Got      string // the offending value as the user wrote it, JSON-encoded
	Msg      string // optional free text used instead of Expected/Got
}

func (e *ParamError) Error() string {
	if e.Msg != "" {
		return e.Param + ": " + e.Msg
	}
	return fmt.Sprintf("%s: expected %s, got %s", e.Param, e.Expected, e.Got)
}

// BadInput marks the error as the user's input rather than a bug.
func (e *ParamError) BadInput() bool { return true }

// DataError reports input data that an estimator cannot use: wrong shape, NaN
// or infinite values, too few samples or classes.
type DataError struct {
	Msg string
}

func (e *DataError) Error() string { return e.Msg }

// BadInput marks the error as the user's input rather than a bug.
func (e *DataError) BadInput() bool { return true }

// DataErrorf formats a *DataError.
func DataErrorf(format string, args ...any) error {
	return &DataError{Msg: fmt.Sprintf(format, args...)}
}

// IsBadInput reports whether err (or any error it wraps) is caused by user
// input: a spec, data file, parameter or model file that is wrong. Such
// errors implement BadInput() bool. The CLI exits with 2 for them.
func IsBadInput(err error) bool {
	var bi interface{ BadInput() bool }
	return errors.As(err, &bi) && bi.BadInput()
}
