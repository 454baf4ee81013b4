package jobs

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/store"
)

// TestRecoverStranded plays the runs a worker killed between River's fetch
// and StartRun leaves behind (the job "running" in River, the run queued),
// with recover called by hand as the sweep would. On PostgreSQL a queued
// run is requeued (attempt raised, no crash counted, a new job) when its
// attempt has no job that will run, once its job's attempted_at (and the
// run) are older than StaleAfter; a job just fetched, a job waiting in a
// busy queue, a run just queued and a sweep's pending child are left alone.
// On SQLite the start's recover(all) already requeues every queued run.
func TestRecoverStranded(t *testing.T) {
	for backend, path := range openBoth(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			st, m := idleManager(t, backend, path)
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := st.DB().ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			// job sets the state of run id's job (SQLite keeps args as a blob).
			job := func(id, set string) {
				t.Helper()
				where := `args->>'run_id' = $1`
				if backend == "sqlite" {
					where = `json_extract(args, '$.run_id') = $1`
				}
				exec(`UPDATE river_job SET `+set+` WHERE `+where, id)
			}
			quiet := func(id string) { exec(`UPDATE mlf_runs SET created_at = 0 WHERE id = $1`, id) }
			newRun := func(name string, withJob bool) *store.Run {
				t.Helper()
				r := &store.Run{ID: store.NewID(), Name: name, Class: "X", Spec: json.RawMessage(`{}`)}
				create := st.CreateRun
				if withJob {
					create = m.Create
				}
				if err := create(ctx, r); err != nil {
					t.Fatal(err)
				}
				return r
			}
			ago, now := `now() - interval '1 hour'`, `now()`
			if backend == "sqlite" {
				ago, now = `datetime('now', '-1 hour')`, `datetime('now')`
			}

			dead := newRun("dead", true) // fetched an hour ago by a worker that died
			job(dead.ID, `state = 'running', attempt = 1, attempted_at = `+ago)
			quiet(dead.ID)
			starting := newRun("starting", true) // fetched just now by a live worker
			job(starting.ID, `state = 'running', attempt = 1, attempted_at = `+now)
			quiet(starting.ID)
			waiting := newRun("waiting", true) // a busy queue: its job is available
			quiet(waiting.ID)
			discarded := newRun("discarded", true) // its job ended without starting it
			job(discarded.ID, `state = 'discarded', attempt = 1, attempted_at = `+ago+`, finalized_at = `+ago)
			quiet(discarded.ID)
			gone := newRun("gone", false) // its job lost (a requeue cut before the insert)
			quiet(gone.ID)
			fresh := newRun("fresh", false)         // made a moment ago (Enqueue's job comes next)
			requeuing := newRun("requeuing", false) // requeued elsewhere a moment ago: its job comes next
			quiet(requeuing.ID)
			if err := st.Append(ctx, requeuing.ID, nil, []store.Event{{Seq: 1, Type: "status", Data: json.RawMessage(`{"status":"queued"}`), Time: time.Now()}}); err != nil {
				t.Fatal(err)
			}
			parent := newRun("parent", false)
			if ok, err := st.StartRun(ctx, parent.ID, 0); !ok || err != nil {
				t.Fatalf("StartRun(parent) = %v, %v", ok, err)
			}
			child := &store.Run{Name: "child", Class: "X", Spec: json.RawMessage(`{}`), ID: store.NewID()}
			if ok, err := st.StartSweep(ctx, parent.ID, 0, 1, []*store.Run{child}); !ok || err != nil {
				t.Fatalf("StartSweep = %v, %v", ok, err)
			}
			quiet(child.ID) // pending: a row without a job, for its parent to launch

			passes := 2 // the sweep's second pass finds the requeued runs' new jobs
			if backend == "sqlite" {
				passes = 1 // one start
			}
			for range passes {
				if err := m.recover(ctx, backend == "sqlite"); err != nil {
					t.Fatal(err)
				}
			}
			requeued := map[string]bool{dead.ID: true, discarded.ID: true, gone.ID: true}
			if backend == "sqlite" { // every queued run, at a start
				requeued[starting.ID], requeued[waiting.ID], requeued[fresh.ID], requeued[requeuing.ID] = true, true, true, true
			}
			for _, r := range []*store.Run{dead, starting, waiting, discarded, gone, fresh, requeuing, child} {
				got, err := st.GetRun(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				wantAttempt := 0
				if requeued[r.ID] {
					wantAttempt = 1
				}
				if got.Status != store.Queued || got.Attempt != wantAttempt || got.Crashes != 0 {
					t.Errorf("%s: %s, attempt %d, %d crashes; want queued, attempt %d, no crash", r.Name, got.Status, got.Attempt, got.Crashes, wantAttempt)
				}
				if got.Sweep != r.Sweep && r.ID != child.ID {
					t.Errorf("%s: sweep %q", r.Name, got.Sweep)
				}
				if !requeued[r.ID] {
					continue
				}
				var n int
				q := `SELECT COUNT(*) FROM river_job WHERE state = 'available' AND args->>'run_id' = $1 AND (args->>'attempt')::int = 1`
				if backend == "sqlite" {
					q = `SELECT COUNT(*) FROM river_job WHERE state = 'available' AND json_extract(args, '$.run_id') = $1 AND json_extract(args, '$.attempt') = 1`
				}
				if err := st.DB().QueryRowContext(ctx, q, r.ID).Scan(&n); err != nil || n != 1 {
					t.Errorf("%s: %d jobs for attempt 1 (%v), want 1", r.Name, n, err)
				}
				evs, _ := st.Events(ctx, r.ID, 0, 0)
				if backend == "postgres" && (len(evs) == 0 || !strings.Contains(string(evs[len(evs)-1].Data), "the worker that took its job stopped before starting it")) {
					t.Errorf("%s: events %v", r.Name, evs)
				}
			}
			if c, _ := st.Children(ctx, parent.ID); len(c) != 1 || c[0].Sweep != store.SweepPending {
				t.Errorf("the pending child after recovery: %+v", c)
			}

			// The requeue and a live worker's start exclude each other: the
			// first to write keeps the attempt.
			a, b := newRun("a", false), newRun("b", false)
			if ok, _ := st.StartRun(ctx, a.ID, 0); !ok {
				t.Fatal("StartRun(a) failed")
			}
			if ok, err := st.RequeueQueued(ctx, a.ID, 0); ok || err != nil {
				t.Errorf("RequeueQueued took a run a worker had started: %v, %v", ok, err)
			}
			if ok, err := st.RequeueQueued(ctx, b.ID, 0); !ok || err != nil {
				t.Fatalf("RequeueQueued(b) = %v, %v", ok, err)
			}
			if ok, _ := st.StartRun(ctx, b.ID, 0); ok {
				t.Error("a worker started attempt 0 of a run requeued to attempt 1")
			}
		})
	}
}
