package ml

import (
	"context"

	"github.com/mlforge/mlforge/event"
)

// Event is one progress report from long work (event.Event, declared in
// the leaf package event so that jobs and the service need not import ml).
type Event = event.Event

// Reporter receives progress events (event.Reporter).
type Reporter = event.Reporter

// ReporterFunc adapts a function to Reporter (event.ReporterFunc).
type ReporterFunc = event.ReporterFunc

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
