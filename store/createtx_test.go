package store

import (
	"context"
	"errors"
	"testing"
)

// TestCreateRunTx: the run is stored with what then did, or not at all.
func TestCreateRunTx(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		boom := errors.New("boom")
		bad := &Run{ID: NewID(), Name: "a", Class: "SVC", Spec: []byte(`{}`)}
		if err := s.CreateRunTx(ctx, bad, func(ctx context.Context, tx Tx) error { return boom }); !errors.Is(err, boom) {
			t.Fatalf("CreateRunTx = %v, want boom", err)
		}
		if _, err := s.GetRun(ctx, bad.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("run of a failed CreateRunTx: %v, want ErrNotFound", err)
		}
		good := &Run{ID: NewID(), Name: "a", Class: "SVC", Spec: []byte(`{}`)}
		err := s.CreateRunTx(ctx, good, func(ctx context.Context, tx Tx) error {
			if (tx.SQL != nil) == (tx.PGX != nil) {
				t.Errorf("tx = %+v: want exactly one of SQL and PGX", tx)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if r := try(s.GetRun(ctx, good.ID)).must(t, "get"); r.Status != Queued {
			t.Fatalf("status %s", r.Status)
		}
	})
}
