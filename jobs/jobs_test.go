package jobs

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/pgtest"
	"github.com/mlforge/mlforge/store"
)

func init() {
	HeartbeatEvery = 50 * time.Millisecond
	FlushEvery = 20 * time.Millisecond
	SampleEvery = 0
}

func TestRecorderSamplesFastSteps(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &store.Run{ID: store.NewID(), Name: "r", Class: "X", Spec: json.RawMessage(`{}`)}
	st.CreateRun(context.Background(), r)
	defer func(sample, flush time.Duration) { SampleEvery, FlushEvery = sample, flush }(SampleEvery, FlushEvery)
	// No flush during the loop either: a flush records the pending step,
	// and a slow machine (or the race detector) may take longer than
	// FlushEvery to run the 10,000 reports.
	SampleEvery, FlushEvery = time.Hour, time.Hour
	rec, err := newRecorder(context.Background(), st, NewBroker(), r.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10000; i++ {
		loss := float64(i)
		rec.Report(event.Event{Kind: "iter", Step: i, Total: 20000, Loss: &loss})
	}
	one := 0.5
	rec.Report(event.Event{Kind: "epoch", Epoch: 1, Epochs: 1, Loss: &one})
	rec.close()
	pts, _ := st.Points(context.Background(), r.ID)
	// Every step's point is stored (the chart draws every step), and the
	// epoch's loss; the events are sampled: the first step, the last
	// pending step (sent before the epoch) and the epoch.
	if len(pts) != 10001 || pts[0].Series != "epoch_loss" {
		t.Fatalf("%d points, first %+v", len(pts), pts[0])
	}
	for i, p := range pts[1:] {
		if p.Step != i+1 || p.Value != float64(i+1) {
			t.Fatalf("point %d = %+v", i, p)
		}
	}
	evs, _ := st.Events(context.Background(), r.ID, 0, 100000)
	progress := 0
	for _, e := range evs {
		if e.Type == "progress" {
			progress++
		}
	}
	if progress != 3 {
		t.Fatalf("%d progress events, want 3 (sampled)", progress)
	}

	// Past MaxStepPoints only the sampled steps' points are stored: the
	// first step, 100 more, the last.
	defer func(n int) { MaxStepPoints = n }(MaxStepPoints)
	MaxStepPoints = 100
	r2 := &store.Run{ID: store.NewID(), Name: "r2", Class: "X", Spec: json.RawMessage(`{}`)}
	st.CreateRun(context.Background(), r2)
	rec, err = newRecorder(context.Background(), st, NewBroker(), r2.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 10000; i++ {
		loss := float64(i)
		rec.Report(event.Event{Kind: "iter", Step: i, Total: 20000, Loss: &loss})
	}
	rec.close()
	if pts, _ := st.Points(context.Background(), r2.ID); len(pts) != 102 || pts[100].Step != 101 || pts[101].Step != 10000 {
		t.Fatalf("with MaxStepPoints 100: %d points", len(pts))
	}
}

// fakeRunner trains for steps steps of 10 ms, reporting a loss each step.
func fakeRunner(steps int, started *atomic.Int32) Runner {
	return func(ctx context.Context, run *store.Run, rec Progress) (json.RawMessage, error) {
		started.Add(1)
		for i := 1; i <= steps; i++ {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
			loss := 1 / float64(i)
			rec.Report(event.Event{Kind: "step", Step: i, Total: steps, Loss: &loss})
		}
		return json.RawMessage(`{"ok":true}`), nil
	}
}

func openBoth(t *testing.T) map[string]string {
	return map[string]string{
		"sqlite":   filepath.Join(t.TempDir(), "mlforge.db"),
		"postgres": "",
	}
}

func dbURL(t *testing.T, backend, sqlitePath string) string {
	if backend == "postgres" {
		return pgtest.URL(t)
	}
	return sqlitePath
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func start(t *testing.T, url string, steps int, started *atomic.Int32) (*store.Store, *Manager) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(ctx, Config{Store: st, DB: url, Workers: 2, Runner: fakeRunner(steps, started)})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return st, m
}

func stop(t *testing.T, st *store.Store, m *Manager) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Stop(ctx); err != nil {
		t.Error(err)
	}
	st.Close()
}

func TestRunsCancelAndRecover(t *testing.T) {
	for backend, path := range openBoth(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			url := dbURL(t, backend, path)
			var started atomic.Int32
			st, m := start(t, url, 5, &started)

			var ids []string
			for i := 0; i < 3; i++ {
				r := &store.Run{ID: store.NewID(), Name: "r", Class: "X", Spec: json.RawMessage(`{}`)}
				if err := st.CreateRun(ctx, r); err != nil {
					t.Fatal(err)
				}
				if err := m.Enqueue(ctx, r); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, r.ID)
			}
			for _, id := range ids {
				waitFor(t, "run "+id, func() bool {
					r, _ := st.GetRun(ctx, id)
					return r.Status == store.Succeeded
				})
				pts, _ := st.Points(ctx, id)
				if len(pts) != 5 || pts[4].Value != 0.2 {
					t.Fatalf("points of %s = %v", id, pts)
				}
				evs, _ := st.Events(ctx, id, 0, 0)
				if evs[0].Type != "status" || evs[len(evs)-1].Type != "status" {
					t.Fatalf("events of %s do not start and end with a status: %v", id, evs)
				}
			}

			// Cancel a long run while it trains.
			long := &store.Run{ID: store.NewID(), Name: "long", Class: "X", Spec: json.RawMessage(`{}`)}
			stop(t, st, m)
			st, m = start(t, url, 100000, &started)
			st.CreateRun(ctx, long)
			m.Enqueue(ctx, long)
			waitFor(t, "long run to start", func() bool {
				r, _ := st.GetRun(ctx, long.ID)
				return r.Status == store.Running
			})
			if _, err := m.Cancel(ctx, long.ID); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "cancel", func() bool {
				r, _ := st.GetRun(ctx, long.ID)
				return r.Status == store.Cancelled
			})

			// A run left "running" by a dead process is resumed on start.
			orphan := &store.Run{ID: store.NewID(), Name: "orphan", Class: "X", Spec: json.RawMessage(`{}`)}
			st.CreateRun(ctx, orphan)
			st.StartRun(ctx, orphan.ID, 0)
			if backend == "postgres" {
				// Its heartbeat must look stale to another machine.
				st.DB().ExecContext(ctx, `UPDATE mlf_runs SET heartbeat_at = 0 WHERE id = $1`, orphan.ID)
			}
			stop(t, st, m)
			st, m = start(t, url, 3, &started)
			defer stop(t, st, m)
			waitFor(t, "orphan to finish", func() bool {
				r, _ := st.GetRun(ctx, orphan.ID)
				return r.Status == store.Succeeded && r.Attempt == 1
			})
			evs, _ := st.Events(ctx, orphan.ID, 0, 0)
			var sawResume bool
			for _, e := range evs {
				var d struct{ Message string }
				json.Unmarshal(e.Data, &d)
				if e.Type == "status" && d.Message == "resumed (attempt 2)" {
					sawResume = true
				}
			}
			if !sawResume {
				t.Fatalf("no resume event in %v", evs)
			}
		})
	}
}

// TestCrashLimit plays a run whose every attempt dies with the server: the
// first recovery resumes it, the second fails it with a reason, and later
// starts leave it alone; queued runs found at a start are not crashes. On
// both backends (on PostgreSQL through the stale-heartbeat sweep).
func TestCrashLimit(t *testing.T) {
	for backend, path := range openBoth(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			st, m := idleManager(t, backend, path)
			all := backend == "sqlite"
			die := func(id string, attempt int) {
				t.Helper()
				if ok, err := st.StartRun(ctx, id, attempt); !ok || err != nil {
					t.Fatalf("StartRun(%d) = %v, %v", attempt, ok, err)
				}
				st.DB().ExecContext(ctx, `UPDATE mlf_runs SET heartbeat_at = 0 WHERE id = $1`, id)
			}
			poison := &store.Run{ID: store.NewID(), Name: "poison", Class: "X", Spec: json.RawMessage(`{}`)}
			waiting := &store.Run{ID: store.NewID(), Name: "waiting", Class: "X", Spec: json.RawMessage(`{}`)}
			st.CreateRun(ctx, poison)
			st.CreateRun(ctx, waiting)

			die(poison.ID, 0)
			if err := m.recover(ctx, all); err != nil {
				t.Fatal(err)
			}
			r, _ := st.GetRun(ctx, poison.ID)
			if r.Status != store.Queued || r.Attempt != 1 || r.Crashes != 1 {
				t.Fatalf("after the first crash: %+v", r)
			}
			die(poison.ID, 1)
			for i := 0; i < 3; i++ { // the restarts after the second crash
				if err := m.recover(ctx, all); err != nil {
					t.Fatal(err)
				}
			}
			r, _ = st.GetRun(ctx, poison.ID)
			want := "the server stopped while this run was training, twice; it is not started again"
			if r.Status != store.Failed || r.Error != want || r.Attempt != 1 || r.Crashes != 2 {
				t.Fatalf("after the second crash: %+v", r)
			}
			evs, _ := st.Events(ctx, poison.ID, 0, 0)
			last := evs[len(evs)-1]
			if last.Type != "status" || !strings.Contains(string(last.Data), `"status":"failed"`) || !strings.Contains(string(last.Data), want) {
				t.Fatalf("last event = %s %s", last.Type, last.Data)
			}
			w, _ := st.GetRun(ctx, waiting.ID)
			if w.Status != store.Queued || w.Crashes != 0 {
				t.Fatalf("a queued run found at each start: %+v", w)
			}
		})
	}
}

// idleManager opens backend's store and a Manager that is not started: no
// worker takes the jobs, so a test calls recover by hand as a start, or the
// stale-run sweep, would. Both are closed when the test ends.
func idleManager(t *testing.T, backend, path string) (*store.Store, *Manager) {
	t.Helper()
	ctx := context.Background()
	url := dbURL(t, backend, path)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var started atomic.Int32
	m, err := New(ctx, Config{Store: st, DB: url, Runner: fakeRunner(1, &started)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.closer)
	return st, m
}
