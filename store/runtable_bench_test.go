package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// BenchmarkQueryRuns10k lists one page of 50 out of 10,000 runs, as the
// page's runs table asks for it: sorted by a final metric, a parameter or
// the creation time, with and without a filter, on each backend.
func BenchmarkQueryRuns10k(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			s := seeded10k(b, backend)
			for _, q := range []RunQuery{
				{},
				{Sort: "metric.accuracy", Desc: true},
				{Sort: "param.lr"},
				{Sort: "duration", Desc: true, Filter: "param.lr > 0.01 AND metric.accuracy >= 0.5"},
				{Sort: "name", Filter: "run-99"},
			} {
				b.Run(fmt.Sprintf("sort=%s/filter=%q", q.Sort, q.Filter), func(b *testing.B) {
					for b.Loop() {
						if _, err := s.QueryRuns(ctx, q); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// seeded10k opens a fresh store on backend, closed at the end of b, with
// seed10k's runs.
func seeded10k(b *testing.B, backend string) *Store {
	url, _, _ := freshDB[backend](b)
	s, err := Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	seed10k(b, s)
	return s
}

// seed10k inserts 10,000 finished runs in one transaction.
func seed10k(b *testing.B, s *Store) {
	b.Helper()
	ctx := context.Background()
	base := time.Now().Add(-24 * time.Hour)
	err := s.sqlTx(ctx, func(tx *sql.Tx) error {
		for i := range 10000 {
			spec, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("run-%d", i), "data": map[string]any{"train": "builtin:iris"},
				"model": map[string]any{"class": "LogisticRegression", "params": map[string]any{"lr": float64(i%100) / 1000, "C": i % 7, "solver": []string{"lbfgs", "adam"}[i%2]}}})
			result := fmt.Sprintf(`{"metrics": {"test": {"accuracy": %g, "f1_macro": %g}, "train": {"accuracy": 1}}, "timings": {"fit_s": 1.5}}`, float64(i%1000)/1000, float64(i%997)/997)
			created := ms(base.Add(time.Duration(i) * time.Second))
			if _, err := tx.ExecContext(ctx, `INSERT INTO mlf_runs (id, name, status, class, spec, result, attempt, created_at, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9)`,
				fmt.Sprintf("%013x%08x", created, i), fmt.Sprintf("run-%d", i), string(Succeeded), "LogisticRegression", string(spec), result, created, created+10, created+10+int64(i%5000)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkQueryRunsSweeps10k lists the newest page of 10,000 runs when
// every run on it is a sweep parent with 6 children (300 more rows), each
// page counting its parents' children in one grouped query
// (childCounts), beside the same page of plain runs.
func BenchmarkQueryRunsSweeps10k(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			s := seeded10k(b, backend)
			b.Run("plain", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.QueryRuns(ctx, RunQuery{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			page, err := s.QueryRuns(ctx, RunQuery{})
			if err != nil {
				b.Fatal(err)
			}
			for _, p := range page.Runs {
				if _, err := s.db.ExecContext(ctx, `UPDATE mlf_runs SET max_parallel = 2 WHERE id = $1`, p.ID); err != nil {
					b.Fatal(err)
				}
				for i := range 6 {
					if _, err := s.db.ExecContext(ctx, `INSERT INTO mlf_runs (id, name, status, class, spec, attempt, created_at, parent_id, child_index) VALUES ($1, $2, $3, $4, '{}', 0, $5, $6, $7)`,
						NewID(), p.Name+"-trial", string(Succeeded), p.Class, ms(p.CreatedAt), p.ID, i); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Run("plain-next-page", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.QueryRuns(ctx, RunQuery{Offset: 50}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("parents", func(b *testing.B) {
				for b.Loop() {
					pg, err := s.QueryRuns(ctx, RunQuery{})
					if err != nil || len(pg.Children) != len(pg.Runs) {
						b.Fatal(len(pg.Children), err)
					}
				}
			})
		})
	}
}
