package jobs

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/mlforge/mlforge/store"
)

// TestCreate: Create stores the run and its job in one transaction: the
// run trains, and a run whose row cannot be inserted (a duplicate id)
// leaves no job behind. An insert-only manager queues without training.
func TestCreate(t *testing.T) {
	for backend, path := range openBoth(t) {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			url := dbURL(t, backend, path)
			var started atomic.Int32
			st, m := start(t, url, 2, &started)
			defer stop(t, st, m)
			run := &store.Run{ID: store.NewID(), Name: "a", Class: "SVC", Spec: json.RawMessage(`{}`)}
			if err := m.Create(ctx, run); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the created run to succeed", func() bool {
				r, err := st.GetRun(ctx, run.ID)
				return err == nil && r.Status == store.Succeeded
			})
			jobsNow := func() int {
				var n int
				if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			before := jobsNow()
			dup := &store.Run{ID: run.ID, Name: "a", Class: "SVC", Spec: json.RawMessage(`{}`)}
			if err := m.Create(ctx, dup); err == nil {
				t.Fatal("Create of a duplicate id succeeded")
			}
			if n := jobsNow(); n != before {
				t.Fatalf("river_job rows %d → %d after a failed Create", before, n)
			}
			if backend == "postgres" {
				ins, err := New(ctx, Config{Store: st, DB: url, InsertOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				if err := ins.Start(ctx); err != nil {
					t.Fatal(err)
				}
				r2 := &store.Run{ID: store.NewID(), Name: "b", Class: "SVC", Spec: json.RawMessage(`{}`)}
				if err := ins.Create(ctx, r2); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "the insert-only manager's run to be trained by the other", func() bool {
					r, err := st.GetRun(ctx, r2.ID)
					return err == nil && r.Status == store.Succeeded
				})
				if err := ins.Stop(ctx); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
