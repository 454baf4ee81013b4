package store

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestSweepInTable: QueryRuns counts a sweep parent's children (one
// grouped query for the page), DeleteRuns refuses a trial of a sweep not
// finished with a *TrialError, naming every run refused before deleting
// any, and a parent deleted in bulk takes its children, named or not; on
// both backends.
func TestSweepInTable(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		mk := func(name string) *Run {
			r := &Run{ID: NewID(), Name: name, Class: "Ridge", Spec: []byte(`{}`)}
			if err := s.CreateRun(ctx, r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		finish := func(id string, st Status) {
			t.Helper()
			if ok, err := s.FinishRun(ctx, id, 0, st, nil, ""); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
		plain := mk("plain")
		finish(plain.ID, Succeeded)
		p := mk("p")
		if ok, err := s.StartRun(ctx, p.ID, 0); !ok || err != nil {
			t.Fatal(ok, err)
		}
		kids := []*Run{{ID: NewID(), Name: "p-1"}, {ID: NewID(), Name: "p-2"}, {ID: NewID(), Name: "p-3"}, {ID: NewID(), Name: "p-4"}}
		if ok, err := s.StartSweep(ctx, p.ID, 0, 2, kids); !ok || err != nil {
			t.Fatal(ok, err)
		}
		finish(kids[0].ID, Succeeded)
		finish(kids[1].ID, Failed)
		finish(kids[2].ID, Cancelled)

		page := try(s.QueryRuns(ctx, RunQuery{Sort: "name"})).must(t, "QueryRuns")
		if len(page.Runs) != 2 || len(page.Children) != 1 || page.Children[p.ID] != (ChildCounts{Total: 4, Done: 3, Failed: 1}) {
			t.Fatalf("counts %+v of %d runs", page.Children, len(page.Runs))
		}
		if page := try(s.QueryRuns(ctx, RunQuery{Parent: p.ID})).must(t, "QueryRuns(parent)"); page.Children != nil || len(page.Runs) != 4 {
			t.Fatalf("children listed with counts %+v", page.Children)
		}

		_, err := s.DeleteRuns(ctx, []string{plain.ID, kids[0].ID, kids[3].ID})
		var te *TrialError
		var nd *NotDoneError
		var re *RefusedError
		if !errors.As(err, &re) || len(re.Runs) != 2 || !errors.As(err, &te) || te.ID != kids[0].ID || te.Parent != p.ID || te.ParentStatus != Running ||
			!errors.As(err, &nd) || nd.ID != kids[3].ID || !strings.Contains(err.Error(), "is a trial of sweep "+p.ID+", which is running") {
			t.Fatalf("a trial of a running sweep: %v", err)
		}
		if n := try(s.CountRuns(ctx, "")).must(t, "CountRuns"); n != 6 {
			t.Fatalf("a refused request deleted runs: %d left", n)
		}
		finish(kids[3].ID, Succeeded)
		finish(p.ID, Succeeded)
		if names, err := s.DeleteRuns(ctx, []string{kids[0].ID}); err != nil || len(names) != 1 || names[0] != "p-1" {
			t.Fatalf("a trial of a finished sweep: %v %v", names, err)
		}
		if names, err := s.DeleteRuns(ctx, []string{kids[1].ID, p.ID, plain.ID, p.ID}); err != nil || strings.Join(names, ",") != "p-2,p,plain,p" {
			t.Fatalf("the parent with a child named: %v %v", names, err)
		}
		if n := try(s.CountRuns(ctx, "")).must(t, "CountRuns"); n != 0 {
			t.Fatalf("%d runs left", n)
		}
	})
}
