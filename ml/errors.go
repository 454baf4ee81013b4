package ml

import (
	"errors"
	"fmt"

	"github.com/mlforge/mlforge/param"
)

// ErrNotFitted is returned by methods that need a fitted estimator.
var ErrNotFitted = errors.New("estimator is not fitted yet: call Fit first")

// NotFittedError wraps ErrNotFitted with the estimator's class name.
func NotFittedError(class string) error {
	return fmt.Errorf("%s: %w", class, ErrNotFitted)
}

// ParamError reports a bad hyperparameter: Param names it (a JSON name,
// e.g. "n_neighbors"), Expected and Got say what was wrong ("an integer ≥
// 1", the value as written) or Msg says it in full. It is param.Error, the
// one error of every parameter schema.
type ParamError = param.Error

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
