package ml

import "context"

// Event is one progress report from long work: an iteration of an iterative
// estimator, or a step or epoch of network training.
type Event struct {
	Kind    string             `json:"kind"`              // "iter", "step", "epoch", "stage" or "log"
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

type nopReporter struct{}

func (nopReporter) Report(Event) {}

type reporterKey struct{}

// WithProgress returns a context that carries r, so that long work started
// with it reports to r.
func WithProgress(ctx context.Context, r Reporter) context.Context {
	return context.WithValue(ctx, reporterKey{}, r)
}

// ProgressFrom returns the Reporter carried by ctx, or one that drops events.
func ProgressFrom(ctx context.Context) Reporter {
	if r, ok := ctx.Value(reporterKey{}).(Reporter); ok && r != nil {
		return r
	}
	return nopReporter{}
}
