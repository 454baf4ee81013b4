package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestRunValues: the runs table's sort keys (mlf_run_values) are filled
// by the migration for the runs a store held before it, and kept in step
// by the triggers with every insert, spec or result update and delete,
// whatever statement makes it; a spec that is not JSON is stored all the
// same (without keys).
func TestRunValues(t *testing.T) {
	ctx := context.Background()
	for backend, empty := range emptyDB(t) {
		t.Run(backend, func(t *testing.T) {
			url, db := empty(t)
			for _, q := range release4682ff5 {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			// A run stored before the migration, with nested and
			// dashed parameter names.
			if _, err := db.Exec(`INSERT INTO mlf_runs (id, name, status, class, spec, result, attempt, created_at) VALUES ('0000000000002aabbccdd', 'before', 'succeeded', 'X', $1, $2, 0, 2)`,
				`{"data": {"train": "builtin:wine"}, "model": {"params": {"lr": 0.5, "max-depth": 3, "opt": {"beta": {"one": 0.9}}, "sizes": [10, 20], "on": true, "a b": 1}}}`,
				`{"metrics": {"test": {"accuracy": 0.25}}}`); err != nil {
				t.Fatal(err)
			}
			s, err := Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			vals := func(id string) string {
				t.Helper()
				rows, err := s.rdb.QueryContext(ctx, `SELECT key, num, txt FROM mlf_run_values WHERE run_id = $1 ORDER BY key`, id)
				out, err := scanRows(rows, err, func(sc rowScanner) (string, error) {
					var k string
					var n *float64
					var x *string
					err := sc.Scan(&k, &n, &x)
					s := k + "="
					if n != nil {
						s += fmt.Sprint(*n)
					}
					if x != nil {
						s += "/" + strings.ReplaceAll(*x, " ", "")
					}
					return s, err
				})
				if err != nil {
					t.Fatal(err)
				}
				return strings.Join(out, " ")
			}
			want := `dataset=/builtin:wine metric.accuracy=0.25/0.25 param.max-depth=3/3 param.on=/true param.opt=/{"beta":{"one":0.9}} param.opt.beta=/{"one":0.9} param.opt.beta.one=0.9/0.9 param.lr=0.5/0.5 param.sizes=/[10,20]`
			sorted := func(s string) string {
				f := strings.Fields(s)
				for i := range f {
					for j := i + 1; j < len(f); j++ {
						if f[j] < f[i] {
							f[i], f[j] = f[j], f[i]
						}
					}
				}
				return strings.Join(f, " ")
			}
			if got := vals("0000000000002aabbccdd"); sorted(got) != sorted(want) {
				t.Errorf("the run made before the migration:\n got %s\nwant %s", got, want)
			}
			// A new run: its parameters at once, its metrics when it
			// finishes, its new spec when the spec is rewritten.
			id := NewID()
			if err := s.CreateRun(ctx, &Run{ID: id, Name: "new", Class: "X", Spec: json.RawMessage(`{"model": {"params": {"lr": 0.1}}}`)}); err != nil {
				t.Fatal(err)
			}
			if got := vals(id); got != "param.lr=0.1/0.1" {
				t.Errorf("created: %s", got)
			}
			if ok, err := s.StartRun(ctx, id, 0); !ok || err != nil {
				t.Fatal(ok, err)
			}
			if ok, err := s.FinishRun(ctx, id, 0, Succeeded, json.RawMessage(`{"metrics": {"test": {"accuracy": 0.75, "r2": null}}}`), ""); !ok || err != nil {
				t.Fatal(ok, err)
			}
			if got := vals(id); got != "metric.accuracy=0.75/0.75 metric.r2= param.lr=0.1/0.1" {
				t.Errorf("finished: %s", got)
			}
			if _, err := s.db.ExecContext(ctx, `UPDATE mlf_runs SET spec = $1 WHERE id = $2`, `{"model": {"params": {"lr": 0.2}}}`, id); err != nil {
				t.Fatal(err)
			}
			if got := vals(id); got != "metric.accuracy=0.75/0.75 metric.r2= param.lr=0.2/0.2" {
				t.Errorf("spec rewritten: %s", got)
			}
			page, err := s.QueryRuns(ctx, RunQuery{Sort: "metric.accuracy", Desc: true, Filter: "param.lr > 0.15"})
			if err != nil || len(page.Runs) != 2 || page.Runs[0].ID != id || page.Runs[1].Name != "before" {
				t.Fatalf("sorted by accuracy, lr > 0.15: %v %v", page, err)
			}
			if page, err = s.QueryRuns(ctx, RunQuery{Sort: "param.opt.beta.one", Filter: "param.max-depth = 3"}); err != nil || len(page.Runs) != 1 || page.Runs[0].Name != "before" {
				t.Fatalf("nested and dashed names: %v %v", page, err)
			}
			if err := s.DeleteRun(ctx, id); err != nil {
				t.Fatal(err)
			}
			if got := vals(id); got != "" {
				t.Errorf("deleted, still %s", got)
			}
			// Not JSON: the run is stored, without keys.
			if _, err := s.db.ExecContext(ctx, `INSERT INTO mlf_runs (id, name, status, class, spec, result, attempt, created_at) VALUES ('0000000000003aabbccdd', 'bad', 'failed', 'X', '{not json', 'nor this', 0, 3)`); err != nil {
				t.Fatalf("a run whose spec is not JSON: %v", err)
			}
			if got := vals("0000000000003aabbccdd"); got != "" {
				t.Errorf("keys of a spec that is not JSON: %s", got)
			}
		})
	}
}
