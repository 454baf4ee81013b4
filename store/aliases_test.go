package store

import (
	"context"
	"errors"
	"testing"

	"github.com/mlforge/mlforge/internal/pgtest"
)

func TestAliases(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		a, b := &Run{ID: NewID(), Name: "iris", Class: "LogisticRegression", Spec: []byte(`{}`)}, &Run{ID: NewID(), Name: "iris", Class: "SVC", Spec: []byte(`{}`)}
		for _, r := range []*Run{a, b} {
			if err := s.CreateRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.ResolveAlias(ctx, "iris", "champion"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("resolve before set: %v, want ErrNotFound", err)
		}
		if err := s.SetAlias(ctx, "iris", "champion", a.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.SetAlias(ctx, "iris", "champion", b.ID); err != nil { // moves it
			t.Fatal(err)
		}
		if err := s.SetAlias(ctx, "iris", "old", a.ID); err != nil {
			t.Fatal(err)
		}
		if id := try(s.ResolveAlias(ctx, "iris", "champion")).must(t, "resolve"); id != b.ID {
			t.Fatalf("champion = %s, want %s", id, b.ID)
		}
		list := try(s.Aliases(ctx, "iris")).must(t, "aliases")
		if len(list) != 2 || list[0].Alias != "champion" || list[1].Alias != "old" || list[1].RunID != a.ID {
			t.Fatalf("aliases = %+v", list)
		}
		if l := try(s.Aliases(ctx, "wine")).must(t, "aliases of another name"); len(l) != 0 {
			t.Fatalf("aliases of wine = %+v", l)
		}
		if err := s.DeleteAlias(ctx, "iris", "champion"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAlias(ctx, "iris", "champion"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete: %v, want ErrNotFound", err)
		}
		// Deleting a run removes the aliases that point at it.
		if err := s.DeleteRun(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if l := try(s.Aliases(ctx, "iris")).must(t, "aliases after delete"); len(l) != 0 {
			t.Fatalf("aliases after the run's delete = %+v", l)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// TestConcurrentOpen: processes that start together on one PostgreSQL
// database create the tables under an advisory lock, not in a race on
// CREATE TABLE IF NOT EXISTS.
func TestConcurrentOpen(t *testing.T) {
	url := pgtest.URL(t)
	errs := make(chan error, 6)
	for range 6 {
		go func() {
			s, err := Open(context.Background(), url)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range 6 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
