package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/mlforge/mlforge/store"
)

// Sweeps: a run whose spec is a search or a cross-validation fans out
// (Config.Fanout) as child runs, one per trial (candidate or fold), each
// trained by its own job on the same queue, so that any worker of any
// process takes it.
//
// The design, on River:
//   - The parent's first job makes every child in one transaction,
//     pending (a row without a job), and marks the parent waiting
//     (store.StartSweep); then it snoozes (river.JobSnooze), which frees
//     its worker slot without spending an attempt.
//   - Each time the parent's job wakes (every SetSweepPollEvery), it claims
//     the parent (store.ClaimWake: a duplicate wake claims nothing and
//     ends), gives jobs to pending children until max_parallel are queued
//     or running (store.LaunchChild, the job inserted in the transaction
//     that marks the child launched), and snoozes again. It never busy-
//     waits in a slot: while children train, the parent holds none.
//   - When every child is done, the job that woke gathers them
//     (Run.Trials) and trains the parent as any run (the refit and the
//     save), with its heartbeat; a failed child is a failed trial, and
//     only all of them failing fails the parent (the runner says so).
//   - Cancelling the parent cancels its children (queued ones at once,
//     running ones within a step), and its next wake ends it cancelled.
//
// Crash safety: a child is a run like any other (heartbeats, recovery,
// attempts). A waiting parent has no attempt in flight: recovery does not
// requeue it but queues another wake (at a start on SQLite, or on
// PostgreSQL when its last wake is older than StaleAfter), which the claim
// makes harmless when the snoozed job is still there. A parent that dies
// while gathering or refitting is recovered as any run, and its next
// attempt finds its children made (StartSweep keeps them).

// sweepPoll is how often a waiting sweep parent looks at its children
// (SetSweepPollEvery), in nanoseconds.
var sweepPoll atomic.Int64

func init() { sweepPoll.Store(int64(time.Second)) }

// SetSweepPollEvery sets how often a waiting sweep parent looks at its
// children (default a second), and returns the previous value: tests
// shorten it, or lengthen it, while workers run.
func SetSweepPollEvery(d time.Duration) time.Duration { return time.Duration(sweepPoll.Swap(int64(d))) }

// Fanout is how a run fans out: its children (Name, Class and Spec set;
// the manager sets the rest) and how many may be queued or running at
// once.
type Fanout struct {
	Children    []*store.Run
	MaxParallel int
	// Note, without children, is logged on the run: why it trains in one
	// process.
	Note string
}

// startSweep makes the children of run (running under attempt) and marks
// it waiting; its job then snoozes to wake at once.
func (m *Manager) startSweep(ctx context.Context, run *store.Run, rec *Recorder, fo *Fanout) error {
	for _, c := range fo.Children {
		c.ID = store.NewID()
	}
	if fo.MaxParallel <= 0 {
		fo.MaxParallel = len(fo.Children)
	}
	rec.log(fmt.Sprintf("a sweep of %d trials, each a child run; at most %d train at once", len(fo.Children), fo.MaxParallel))
	rec.close()
	ok, err := m.cfg.Store.StartSweep(ctx, run.ID, run.Attempt, fo.MaxParallel, fo.Children)
	if err != nil || !ok {
		return err
	}
	m.Broker.Notify(run.ID)
	return river.JobSnooze(0)
}

// wake is a waiting parent's job waking: it launches children up to
// max_parallel and snoozes, ends the sweep cancelled, or returns the run
// with its trials to train (gather, refit, save).
func (m *Manager) wake(ctx context.Context, run *store.Run) (*store.Run, error) {
	st := m.cfg.Store
	ok, err := st.ClaimWake(ctx, run.ID, run.Attempt)
	if err != nil || !ok {
		return nil, err // another wake has it, or it is over
	}
	claimed := run
	if run, err = st.GetRun(ctx, run.ID); err != nil {
		return nil, m.sleep(ctx, claimed, err)
	}
	if run.CancelRequested {
		m.cancelChildren(ctx, run.ID)
		if ok, err := st.FinishRun(ctx, run.ID, run.Attempt, store.Cancelled, nil, "cancelled"); err != nil || !ok {
			return nil, err
		}
		m.emitStatus(ctx, run.ID, store.Cancelled, "cancelled with its children", run.Attempt)
		return nil, nil
	}
	c, err := st.CountChildren(ctx, run.ID)
	if err != nil {
		return nil, m.sleep(ctx, run, err)
	}
	if c.Total > 0 && c.Done < c.Total {
		if n := run.MaxParallel - c.Active; n > 0 && c.Pending > 0 {
			ids, err := st.PendingChildren(ctx, run.ID, n)
			if err != nil {
				return nil, m.sleep(ctx, run, err)
			}
			for _, id := range ids {
				ok, err := st.LaunchChild(ctx, id, func(ctx context.Context, tx store.Tx) error {
					return m.insertTx(ctx, tx, TrainArgs{RunID: id, Attempt: 0})
				})
				if err != nil {
					return nil, m.sleep(ctx, run, err)
				}
				if ok {
					c.Active++
					c.Pending--
					m.emitLog(ctx, run.ID, fmt.Sprintf("child run %s queued: %d of %d trials launched", id, c.Total-c.Pending, c.Total))
				}
			}
		}
		return nil, m.sleep(ctx, run, nil)
	}
	kids, err := st.Children(ctx, run.ID)
	if err != nil {
		return nil, m.sleep(ctx, run, err)
	}
	failed := 0
	for _, k := range kids {
		t := store.Trial{Index: k.ChildIndex, Status: k.Status, Error: k.Error, Result: k.Result}
		if k.Status != store.Succeeded {
			failed++
			if t.Error == "" {
				t.Error = string(k.Status)
			}
			t.Result = nil
		}
		run.Trials = append(run.Trials, t)
	}
	m.emitLog(ctx, run.ID, fmt.Sprintf("the %d trials are done (%d failed); gathering them", len(kids), failed))
	return run, nil
}

// sleep marks a claimed parent waiting and snoozes its job; a passing
// error (the database busy) is logged, not fatal: the next wake retries.
func (m *Manager) sleep(ctx context.Context, run *store.Run, err error) error {
	if err != nil {
		m.log.Warn("sweep: looking at the children failed; trying again", "run", run.ID, "err", err)
	}
	ok, err := m.cfg.Store.SetWaiting(context.WithoutCancel(ctx), run.ID, run.Attempt)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	return river.JobSnooze(time.Duration(sweepPoll.Load()))
}

// cancelChildren cancels the unfinished children of parent: queued ones
// at once, running ones through their contexts here and their heartbeats
// elsewhere.
func (m *Manager) cancelChildren(ctx context.Context, parent string) {
	cancelled, running, err := m.cfg.Store.CancelChildren(ctx, parent)
	if err != nil {
		m.log.Warn("sweep: cancelling the children failed", "run", parent, "err", err)
		return
	}
	m.mu.Lock()
	for _, id := range running {
		if cancel, ok := m.running[id]; ok {
			cancel()
		}
	}
	m.mu.Unlock()
	for _, id := range cancelled {
		m.emitStatus(ctx, id, store.Cancelled, "cancelled with its sweep", 0)
	}
}

// emitLog appends a log event to a run's log.
func (m *Manager) emitLog(ctx context.Context, id, msg string) {
	seq, err := m.cfg.Store.LastEventSeq(ctx, id)
	if err != nil {
		return
	}
	data, _ := json.Marshal(map[string]string{"message": msg})
	_ = m.cfg.Store.Append(ctx, id, nil, []store.Event{{Seq: seq + 1, Type: "log", Data: data, Time: time.Now()}})
	m.Broker.Notify(id)
}

// fanout asks Config.Fanout about a top-level run, panics made errors.
func (m *Manager) fanout(ctx context.Context, run *store.Run) (fo *Fanout, err error) {
	if m.cfg.Fanout == nil || run.ParentID != "" {
		return nil, nil
	}
	defer func() {
		if r := recover(); r != nil {
			fo, err = nil, fmt.Errorf("internal error: %v", r)
		}
	}()
	return m.cfg.Fanout(ctx, run)
}

// isSnooze reports whether err is River's snooze.
func isSnooze(err error) bool {
	var se *river.JobSnoozeError
	return errors.As(err, &se)
}
