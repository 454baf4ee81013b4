package ml

import (
	"errors"
	"fmt"

	"github.com/mlforge/mlforge/event"
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

// DataError reports input data that an estimator cannot use: wrong shape,
// NaN or infinite values, too few samples or classes (event.DataError).
type DataError = event.DataError

// DataErrorf formats a *DataError.
func DataErrorf(format string, args ...any) error { return event.DataErrorf(format, args...) }

// IsBadInput reports whether err (or any error it wraps) is caused by user
// input (event.IsBadInput). The CLI exits with 2 for such errors.
func IsBadInput(err error) bool { return event.IsBadInput(err) }
