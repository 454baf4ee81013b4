package store

import (
	"context"
	"testing"
)

// TestSweepRows: a sweep's children are made once (a restarted parent
// keeps them), pending children are not unfinished for recovery, a wake
// is claimed once, launching gives a pending child its job once, the
// table lists top-level runs unless asked for a parent's, cancel reaches
// the children, and deleting the parent deletes them; on both backends.
func TestSweepRows(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		p := &Run{ID: NewID(), Name: "p", Class: "LogisticRegression", Spec: []byte(`{}`)}
		if err := s.CreateRun(ctx, p); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.StartRun(ctx, p.ID, 0); !ok || err != nil {
			t.Fatal(ok, err)
		}
		kids := func(n int) []*Run {
			var out []*Run
			for i := 0; i < n; i++ {
				out = append(out, &Run{ID: NewID(), Name: "p-trial", Class: "LogisticRegression", Spec: []byte(`{}`)})
			}
			return out
		}
		if ok, err := s.StartSweep(ctx, p.ID, 1, 2, kids(3)); ok || err != nil {
			t.Fatalf("another attempt started the sweep: %v %v", ok, err)
		}
		if ok, err := s.StartSweep(ctx, p.ID, 0, 2, kids(3)); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if ok, _ := s.ClaimWake(ctx, p.ID, 0); !ok {
			t.Fatal("no claim")
		}
		if ok, _ := s.ClaimWake(ctx, p.ID, 0); ok {
			t.Fatal("claimed twice")
		}
		// A restarted parent keeps its children.
		if ok, err := s.StartSweep(ctx, p.ID, 0, 2, kids(5)); !ok || err != nil {
			t.Fatal(ok, err)
		}
		c, err := s.Children(ctx, p.ID)
		if err != nil || len(c) != 3 || c[2].ChildIndex != 2 || c[0].ParentID != p.ID || c[0].Sweep != SweepPending {
			t.Fatalf("children %v %v", c, err)
		}
		un, _ := s.Unfinished(ctx)
		if len(un) != 1 || un[0].ID != p.ID || un[0].Sweep != SweepWaiting || un[0].MaxParallel != 2 {
			t.Fatalf("unfinished %+v", un)
		}
		launched := 0
		for i := range 2 {
			if ok, err := s.LaunchChild(ctx, c[0].ID, func(context.Context, Tx) error { launched++; return nil }); err != nil || ok != (i == 0) || launched != 1 {
				t.Fatal(i, ok, err, launched)
			}
		}
		n, _ := s.CountChildren(ctx, p.ID)
		if n != (SweepCounts{Pending: 2, Active: 1, Total: 3}) {
			t.Fatalf("counts %+v", n)
		}
		if ids, _ := s.PendingChildren(ctx, p.ID, 5); len(ids) != 2 || ids[0] != c[1].ID {
			t.Fatalf("pending %v", ids)
		}
		page, err := s.QueryRuns(ctx, RunQuery{})
		if err != nil || len(page.Runs) != 1 || page.Runs[0].ID != p.ID {
			t.Fatalf("table %v %v", page, err)
		}
		if page, _ = s.QueryRuns(ctx, RunQuery{Parent: p.ID}); len(page.Runs) != 3 {
			t.Fatalf("children in the table: %d", len(page.Runs))
		}
		if page, _ = s.QueryRuns(ctx, RunQuery{Filter: "parent = '" + p.ID + "'"}); len(page.Runs) != 3 {
			t.Fatalf("children by filter: %d", len(page.Runs))
		}
		if list, _ := s.ListRuns(ctx, ListOptions{}); len(list) != 1 {
			t.Fatalf("ListRuns: %d", len(list))
		}
		cancelled, running, err := s.CancelChildren(ctx, p.ID)
		if err != nil || len(cancelled) != 3 || len(running) != 0 {
			t.Fatal(cancelled, running, err)
		}
		if ok, _ := s.FinishRun(ctx, p.ID, 0, Cancelled, nil, "cancelled"); !ok {
			t.Fatal("parent not finished")
		}
		if err := s.DeleteRun(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetRun(ctx, c[1].ID); err != ErrNotFound {
			t.Fatalf("child after its parent's delete: %v", err)
		}
	})
}
