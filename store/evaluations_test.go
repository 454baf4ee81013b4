package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

func TestEvaluations(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		run := &Run{ID: NewID(), Name: "m", Class: "Sequential", Spec: json.RawMessage(`{}`)}
		if err := s.CreateRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if err := s.AddEvaluation(ctx, &Evaluation{ID: NewID(), RunID: NewID(), Data: "dataset:x", Result: json.RawMessage(`{}`)}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("AddEvaluation of a missing run = %v, want ErrNotFound", err)
		}
		// IDs in the order made (NewID sorts by millisecond only).
		var ids []string
		for i := 0; i < MaxEvaluations+2; i++ {
			e := &Evaluation{ID: fmt.Sprintf("%021x", i+1), RunID: run.ID, Data: "dataset:x", Result: json.RawMessage(`{"rows":1}`)}
			if err := s.AddEvaluation(ctx, e); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
		}
		got := try(s.Evaluations(ctx, run.ID)).must(t, "Evaluations")
		if len(got) != MaxEvaluations || got[0].ID != ids[len(ids)-1] || string(got[0].Result) != `{"rows":1}` || got[0].Data != "dataset:x" {
			t.Fatalf("Evaluations: %d, first %+v", len(got), got[0])
		}
		if err := s.DeleteRun(ctx, run.ID); err != nil {
			t.Fatal(err)
		}
		if got := try(s.Evaluations(ctx, run.ID)).must(t, "Evaluations"); len(got) != 0 {
			t.Fatalf("%d evaluations left after DeleteRun", len(got))
		}
	})
}
