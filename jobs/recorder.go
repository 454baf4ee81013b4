package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/store"
)

// Recorder turns a run's progress into metric points and events and writes
// them to the store in batches (one transaction every FlushEvery), waking SSE
// listeners after each batch. It implements event.Reporter.
type Recorder struct {
	st     *store.Store
	broker *Broker
	runID  string

	mu     sync.Mutex
	seq    int64
	points []store.Point
	events []store.Event
	step   int
	// Fast step and iteration events are sampled: at most one per
	// SampleEvery, the latest kept pending so the last one always lands.
	lastStep      time.Time
	pending       *event.Event
	pendingStored bool // the pending event's points are stored already
	pendingStep   int  // and their step
	stepPoints    int  // points stored of sampled-away steps
	// nonFinite holds the series that had a NaN or infinite value.
	nonFinite map[string]bool
	// stored holds the points (series and step) that earlier attempts of
	// the run stored: a resumed or restarted attempt records a step only
	// once, and fills in the epochs its checkpoint holds (kind "history")
	// that the process that trained them died before storing.
	stored map[pointKey]bool

	done chan struct{}
	wg   sync.WaitGroup
}

type pointKey struct {
	series string
	step   int
}

func newRecorder(ctx context.Context, st *store.Store, b *Broker, runID string, attempt int) (*Recorder, error) {
	seq, err := st.LastEventSeq(ctx, runID)
	if err != nil {
		return nil, err
	}
	r := &Recorder{st: st, broker: b, runID: runID, seq: seq, done: make(chan struct{})}
	if attempt > 0 {
		pts, err := st.Points(ctx, runID)
		if err != nil {
			return nil, err
		}
		r.stored = make(map[pointKey]bool, len(pts))
		for _, p := range pts {
			r.stored[pointKey{p.Series, p.Step}] = true
		}
	}
	r.wg.Add(1)
	go r.loop()
	return r, nil
}

func (r *Recorder) loop() {
	defer r.wg.Done()
	t := time.NewTicker(FlushEvery)
	defer t.Stop()
	for {
		select {
		case <-r.done:
			r.flush()
			return
		case <-t.C:
			r.flush()
		}
	}
}

func (r *Recorder) flush() {
	r.mu.Lock()
	if r.pending != nil {
		r.record(*r.pending, r.pendingStored)
		r.pending = nil
	}
	pts, evs := r.points, r.events
	r.points, r.events = nil, nil
	r.mu.Unlock()
	if len(pts) == 0 && len(evs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for try := 0; try < 5; try++ {
		if err := r.st.Append(ctx, r.runID, pts, evs); err == nil {
			break
		}
		time.Sleep(time.Duration(try+1) * 100 * time.Millisecond)
	}
	r.broker.Notify(r.runID)
}

func (r *Recorder) add(typ string, v any) {
	data, _ := json.Marshal(v)
	r.seq++
	r.events = append(r.events, store.Event{Seq: r.seq, Type: typ, Data: data, Time: time.Now()})
}

func (r *Recorder) point(series string, step, epoch int, value float64) {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		// The store keeps finite values only (SQLite turns NaN into NULL,
		// which would fail the whole batch): say so once per series.
		if r.nonFinite == nil {
			r.nonFinite = map[string]bool{}
		}
		if !r.nonFinite[series] {
			r.nonFinite[series] = true
			r.add("log", map[string]string{"message": fmt.Sprintf("%s is %v at step %d; non-finite values are not recorded", series, value, step)})
		}
		return
	}
	if r.stored[pointKey{series, step}] {
		return
	}
	p := store.Point{Series: series, Step: step, Epoch: epoch, Value: value, Time: time.Now()}
	r.points = append(r.points, p)
	r.add("metric", p)
}

// SampleEvery is the least time between two step or iteration events
// (progress and live metric events) of a run; epochs, stages and logs are
// always sent. The metric points of every step are stored all the same, up
// to MaxStepPoints a run, so that a reload draws every step.
var SampleEvery = 50 * time.Millisecond

// MaxStepPoints is how many metric points of sampled-away steps one run
// stores at most; past it only the sampled steps' points are stored.
var MaxStepPoints = 200_000

// Report records an event.Event: a progress event, and a metric point for its
// loss and each metric. Step and iteration events closer together than
// SampleEvery are sampled, so a fast loop cannot flood the event stream;
// their points are stored (up to MaxStepPoints).
func (r *Recorder) Report(e event.Event) {
	// Training is CPU-bound and may keep every core busy; yielding at each
	// report lets request handlers waiting for a core run within about one
	// training step, so the API stays responsive while runs train.
	runtime.Gosched()
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e.Kind {
	case "stage", "log":
		r.add("log", map[string]string{"message": e.Message})
		return
	case "history": // points only, those not stored
		if r.stored != nil && e.Step > 0 {
			if e.Loss != nil {
				r.point("epoch_loss", e.Step, e.Epoch, *e.Loss)
			}
			for k, v := range e.Metrics {
				r.point(k, e.Step, e.Epoch, v)
			}
		}
		return
	case "epoch", "fold", "trial": // every one is kept: a fold or search trial is a point of its series
		if r.pending != nil {
			r.record(*r.pending, r.pendingStored)
		}
	default:
		if time.Since(r.lastStep) < SampleEvery && e.Step != e.Total {
			e.Metrics = maps.Clone(e.Metrics)
			stored := false
			if r.stepPoints < MaxStepPoints {
				r.pendingStep = r.number(e)
				pts := r.pointsOf(e, r.pendingStep)
				r.points = append(r.points, pts...)
				r.stepPoints += len(pts)
				stored = true
			}
			r.pending, r.pendingStored = &e, stored
			return
		}
		r.lastStep = time.Now()
	}
	r.pending = nil
	r.record(e, false)
}

// number is e's step for its points: its own, or the run's count when it
// has none.
func (r *Recorder) number(e event.Event) int {
	if e.Step == 0 {
		r.step++
		return r.step
	}
	return e.Step
}

// pointsOf is the finite metric points of e at step.
func (r *Recorder) pointsOf(e event.Event, step int) []store.Point {
	var out []store.Point
	now := time.Now()
	ok := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if e.Loss != nil && ok(*e.Loss) {
		out = append(out, store.Point{Series: "loss", Step: step, Epoch: e.Epoch, Value: *e.Loss, Time: now})
	} else if e.Loss != nil {
		r.point("loss", step, e.Epoch, *e.Loss) // says so once
	}
	for k, v := range e.Metrics {
		if ok(v) {
			out = append(out, store.Point{Series: k, Step: step, Epoch: e.Epoch, Value: v, Time: now})
		} else {
			r.point(k, step, e.Epoch, v)
		}
	}
	return out
}

// record adds e's progress event and its metric points and events;
// stored says its points are in r.points already (events only).
func (r *Recorder) record(e event.Event, stored bool) {
	r.add("progress", finiteEvent(e))
	if stored {
		for _, p := range r.pointsOf(e, r.pendingStep) {
			r.add("metric", p)
		}
		return
	}
	step := r.number(e)
	prefix := ""
	if e.Kind == "epoch" {
		prefix = "epoch_"
	}
	if e.Loss != nil {
		r.point(prefix+"loss", step, e.Epoch, *e.Loss)
	}
	for k, v := range e.Metrics {
		r.point(k, step, e.Epoch, v)
	}
}

// finiteEvent returns e without non-finite loss or metrics, which JSON
// cannot carry (point records them as a log line instead).
func finiteEvent(e event.Event) event.Event {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	if e.Loss != nil && bad(*e.Loss) {
		e.Loss = nil
	}
	for _, v := range e.Metrics {
		if bad(v) {
			e.Metrics = maps.Clone(e.Metrics)
			maps.DeleteFunc(e.Metrics, func(_ string, v float64) bool { return bad(v) })
			break
		}
	}
	return e
}

// Metrics records final metric values (e.g. "test_accuracy") as points.
func (r *Recorder) Metrics(values map[string]float64, step int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, v := range values {
		r.point(k, step, 0, v)
	}
}

func (r *Recorder) log(msg string) {
	r.mu.Lock()
	r.add("log", map[string]string{"message": msg})
	r.mu.Unlock()
}

func (r *Recorder) status(st store.Status, msg string, attempt int) {
	r.mu.Lock()
	r.add("status", map[string]any{"status": st, "message": msg, "attempt": attempt})
	r.mu.Unlock()
	r.flush()
}

// statusEvent makes the next status event without recording it, for the
// caller to store with the run's final state. Call it after close.
func (r *Recorder) statusEvent(st store.Status, msg string, attempt int) store.Event {
	data, _ := json.Marshal(map[string]any{"status": st, "message": msg, "attempt": attempt})
	r.seq++
	return store.Event{Seq: r.seq, Type: "status", Data: data, Time: time.Now()}
}

func (r *Recorder) close() {
	close(r.done)
	r.wg.Wait()
}

// Broker wakes listeners of a run when new events are stored.
type Broker struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// NewBroker returns an empty Broker.
func NewBroker() *Broker { return &Broker{subs: map[string]map[chan struct{}]struct{}{}} }

// Subscribe returns a channel that receives a value (coalesced) whenever
// runID has new events, and a function to unsubscribe.
func (b *Broker) Subscribe(runID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs[runID] == nil {
		b.subs[runID] = map[chan struct{}]struct{}{}
	}
	b.subs[runID][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[runID], ch)
		if len(b.subs[runID]) == 0 {
			delete(b.subs, runID)
		}
		b.mu.Unlock()
	}
}

// Notify wakes every listener of runID.
func (b *Broker) Notify(runID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[runID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
