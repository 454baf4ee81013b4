// Package event holds the few types that every layer of mlforge shares and
// that therefore belong to none of them: the progress Event that long work
// reports (estimators, network training, jobs, the service's event stream)
// and the mark that an error is the user's input rather than a bug
// (IsBadInput, DataError). It imports nothing of the project, so that any
// package may import it.
package event

import (
	"errors"
	"fmt"
)

// Event is one progress report from long work: an iteration of an iterative
// estimator, or a step or epoch of network training.
type Event struct {
	Kind    string             `json:"kind"`              // "iter", "step", "epoch", "stage" or "log"; "history": an epoch a resumed run had trained before
	Step    int                `json:"step,omitempty"`    // 1-based iteration or step
	Total   int                `json:"total,omitempty"`   // planned iterations or steps, 0 if unknown
	Epoch   int                `json:"epoch,omitempty"`   // 1-based epoch, networks only
	Epochs  int                `json:"epochs,omitempty"`  // planned epochs
	Loss    *float64           `json:"loss,omitempty"`    // training loss, if known
	Metrics map[string]float64 `json:"metrics,omitempty"` // e.g. "val_accuracy", "lr"
	Message string             `json:"message,omitempty"` // for "stage" and "log"
}

// Reporter receives progress events. Implementations must be safe for use by
// one goroutine at a time and should return quickly.
type Reporter interface {
	Report(Event)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Event)

// Report calls f(e).
func (f ReporterFunc) Report(e Event) { f(e) }

// IsBadInput reports whether err (or any error it wraps) is caused by user
// input: a spec, data file, parameter or model file that is wrong. Such
// errors implement BadInput() bool. The CLI exits with 2 for them.
func IsBadInput(err error) bool {
	var bi interface{ BadInput() bool }
	return errors.As(err, &bi) && bi.BadInput()
}

// DataError reports input data that cannot be used: wrong shape, NaN or
// infinite values, too few samples or classes.
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
