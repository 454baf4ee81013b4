package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlforge/mlforge/internal/pgtest"
)

// tableRun is one run of the runs table's fixture.
type tableRun struct {
	name, class, status, dataset string
	params                       string // JSON object
	metrics                      string // JSON object of test metrics, "" = no result
	durationS                    int    // 0 = never started
	tags                         map[string]string
}

var tableFixture = []tableRun{
	{"alpha", "LogisticRegression", "succeeded", "builtin:iris", `{"C": 1, "lr": 0.1, "solver": "lbfgs", "fit_intercept": true}`, `{"accuracy": 0.95, "f1_macro": 0.94}`, 30, map[string]string{"team": "vision"}},
	{"bravo", "LogisticRegression", "succeeded", "builtin:wine", `{"C": 0.5, "lr": 0.001, "solver": "adam"}`, `{"accuracy": 0.85}`, 10, map[string]string{"team": "nlp"}},
	{"Charlie", "Ridge", "succeeded", "builtin:diabetes", `{"alpha": 2}`, `{"r2": 0.4}`, 5, nil},
	{"delta", "MLPClassifier", "failed", "data/x.csv", `{"lr": 0.05, "solver": "adam"}`, "", 100, map[string]string{"team": "vision", "note": "x"}},
	{"echo", "MLPClassifier", "queued", "builtin:iris", `{"lr": "0.2"}`, "", 0, nil},
	{"foxtrot", "KNeighborsClassifier", "succeeded", "builtin:iris", `{}`, `{"accuracy": null, "f1_macro": 0.5}`, 2, nil},
}

// seedTable stores tableFixture, created a second apart from base, and
// returns the runs' ids in fixture order.
func seedTable(t *testing.T, s *Store, base time.Time) []string {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for i, f := range tableFixture {
		spec := fmt.Sprintf(`{"name": %q, "data": {"train": %q}, "model": {"class": %q, "params": %s}}`, f.name, f.dataset, f.class, f.params)
		r := &Run{ID: NewID(), Name: f.name, Class: f.class, Spec: json.RawMessage(spec), CreatedAt: base.Add(time.Duration(i) * time.Second)}
		if err := s.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		var result any
		if f.metrics != "" {
			result = `{"metrics": {"test": ` + f.metrics + `, "train": {"accuracy": 1}}}`
		}
		var started, finished any
		if f.durationS > 0 {
			st := ms(base.Add(time.Hour))
			started, finished = st, st+int64(f.durationS)*1000
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE mlf_runs SET status = $1, result = $2, started_at = $3, finished_at = $4 WHERE id = $5`,
			f.status, result, started, finished, r.ID); err != nil {
			t.Fatal(err)
		}
		for k, v := range f.tags {
			if err := s.SetTag(ctx, r.ID, k, v); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, r.ID)
	}
	return ids
}

func names(runs []*Run) string {
	var out []string
	for _, r := range runs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ",")
}

// TestRunsTableSortFilter sorts and filters the fixture by every kind of
// column, on both backends; the expected orders are worked out by hand
// from tableFixture.
func TestRunsTableSortFilter(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		seedTable(t, s, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		for _, c := range []struct {
			filter, sort string
			desc         bool
			want         string
		}{
			{"", "", true, "foxtrot,echo,delta,Charlie,bravo,alpha"},
			{"", "created", false, "alpha,bravo,Charlie,delta,echo,foxtrot"},
			// Names sort by bytes on both backends (upper case first).
			{"", "name", false, "Charlie,alpha,bravo,delta,echo,foxtrot"},
			{"", "status", false, "delta,echo,alpha,bravo,Charlie,foxtrot"},
			{"", "class", true, "Charlie,echo,delta,bravo,alpha,foxtrot"},
			// Runs without the value come last in either direction.
			{"", "metric.accuracy", true, "alpha,bravo,foxtrot,echo,delta,Charlie"},
			{"", "metric.accuracy", false, "bravo,alpha,Charlie,delta,echo,foxtrot"},
			{"", "metrics.f1_macro", false, "foxtrot,alpha,bravo,Charlie,delta,echo"},
			{"", "main_metric", true, "alpha,bravo,foxtrot,Charlie,echo,delta"},
			// A numeric param sorts by number; a string value after the numbers.
			{"", "param.lr", false, "bravo,delta,alpha,echo,Charlie,foxtrot"},
			{"", "param.solver", false, "bravo,delta,alpha,Charlie,echo,foxtrot"},
			{"", "duration", true, "delta,alpha,bravo,Charlie,foxtrot,echo"},
			{"", "dataset", false, "Charlie,alpha,echo,foxtrot,bravo,delta"},
			{"", "tag.team", false, "bravo,alpha,delta,Charlie,echo,foxtrot"},

			{"ar", "", false, "Charlie"},
			{"A", "name", false, "Charlie,alpha,bravo,delta"},
			{"param.lr > 0.01", "name", false, "alpha,delta"},
			{"params.lr = '0.2'", "", false, "echo"},
			{"param.solver = adam", "name", false, "bravo,delta"},
			{"param.fit_intercept = true", "", false, "alpha"},
			{"param.C <= 0.5", "", false, "bravo"},
			{"metric.accuracy >= 0.9", "", false, "alpha"},
			{"metric.accuracy < 0.9 AND metric.accuracy > 0.1", "", false, "bravo"},
			{"status = failed", "", false, "delta"},
			{"attributes.status = 'FAILED'", "", false, "delta"},
			{"status != succeeded", "name", false, "delta,echo"},
			{"tag.team = vision", "name", false, "alpha,delta"},
			{"tags.team = 'vision' and metric.accuracy > 0.5", "", false, "alpha"},
			{"tag.team != vision", "", false, "bravo"},
			{`name LIKE 'c%'`, "", false, ""},
			{`name LIKE 'C%'`, "", false, "Charlie"},
			{`name ILIKE 'c%'`, "", false, "Charlie"},
			{`name LIKE '_lpha'`, "", false, "alpha"},
			{`run_name = "bravo"`, "", false, "bravo"},
			{"class = MLPClassifier", "name", false, "delta,echo"},
			{"model ILIKE '%regr%'", "name", false, "alpha,bravo"},
			{"dataset = builtin:iris", "name", false, "alpha,echo,foxtrot"},
			{"duration > 20", "name", false, "alpha,delta"},
			{"created >= 2026-12-01T00:00:04Z", "name", false, "echo,foxtrot"},
			{"created < 1796083202000", "name", false, "alpha,bravo"},
			{"main_metric > 0.9", "", false, "alpha"},
		} {
			page, err := s.QueryRuns(ctx, RunQuery{Filter: c.filter, Sort: c.sort, Desc: c.desc})
			if err != nil {
				t.Errorf("filter %q sort %q: %v", c.filter, c.sort, err)
				continue
			}
			if got := names(page.Runs); got != c.want || page.Total != len(page.Runs) {
				t.Errorf("filter %q sort %q desc %v: %s (total %d), want %s", c.filter, c.sort, c.desc, got, page.Total, c.want)
			}
		}
		page, err := s.QueryRuns(ctx, RunQuery{Status: Succeeded, Filter: "param.solver = lbfgs"})
		if err != nil || names(page.Runs) != "alpha" || page.Runs[0].Tags["team"] != "vision" {
			t.Fatalf("status and filter: %v %v", page, err)
		}
	})
}

// TestRunsTablePageHoldsStill pages through the runs by metric, inserts
// new runs (one would sort first) between two pages, and finds the second
// page and the count as they were; a fresh snapshot then shows the new
// runs.
func TestRunsTablePageHoldsStill(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		seedTable(t, s, time.Now().Add(-time.Hour).UTC())
		q := RunQuery{Sort: "name", Limit: 2}
		first, err := s.QueryRuns(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if names(first.Runs) != "Charlie,alpha" || first.Total != 6 || first.Newer != 0 {
			t.Fatalf("first page: %s, total %d, newer %d", names(first.Runs), first.Total, first.Newer)
		}
		// New runs, created after the snapshot: "Aardvark" sorts first.
		for _, n := range []string{"Aardvark", "zulu"} {
			r := &Run{ID: NewID(), Name: n, Class: "Ridge", Spec: json.RawMessage(`{}`), CreatedAt: first.AsOf.Add(time.Millisecond)}
			if err := s.CreateRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		q.AsOf, q.Offset = first.AsOf, 2
		second, err := s.QueryRuns(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if names(second.Runs) != "bravo,delta" || second.Total != 6 || second.Newer != 2 || !second.AsOf.Equal(first.AsOf) {
			t.Fatalf("second page with the snapshot: %s, total %d, newer %d", names(second.Runs), second.Total, second.Newer)
		}
		q.Offset = 0
		again, _ := s.QueryRuns(ctx, q)
		if names(again.Runs) != "Charlie,alpha" {
			t.Fatalf("first page again with the snapshot: %s", names(again.Runs))
		}
		fresh, err := s.QueryRuns(ctx, RunQuery{Sort: "name", Limit: 2, AsOf: first.AsOf.Add(time.Second)})
		if err != nil || names(fresh.Runs) != "Aardvark,Charlie" || fresh.Total != 8 || fresh.Newer != 0 {
			t.Fatalf("a fresh snapshot: %v, %v", fresh, err)
		}
		// The last page is short; past the end is empty.
		q = RunQuery{Sort: "name", Limit: 3, Offset: 6, AsOf: fresh.AsOf}
		last, _ := s.QueryRuns(ctx, q)
		q.Offset = 9
		past, _ := s.QueryRuns(ctx, q)
		if names(last.Runs) != "foxtrot,zulu" || len(past.Runs) != 0 || past.Total != 8 {
			t.Fatalf("last page %s, past the end %s", names(last.Runs), names(past.Runs))
		}
	})
}

// TestRunsTableHostile sends sorts and filters that try to reach the SQL:
// each is refused with an error naming what is wrong, or matches nothing,
// and the table is intact afterwards.
func TestRunsTableHostile(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		seedTable(t, s, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		for _, c := range []struct {
			filter, sort string
			errHas       string // "" = no error, no match
		}{
			{filter: `name = 'x''; DROP TABLE mlf_runs; --'`, errHas: "expected AND"},
			{filter: `name = "x'; DROP TABLE mlf_runs; --"`},
			{filter: `tag.team = "vision' OR '1'='1"`},
			{filter: `param.lr"); DROP TABLE mlf_runs; -- = 1`, errHas: "not closed"},
			{filter: "param.`lr\"); DROP TABLE mlf_runs; --` = 1", errHas: `param column`},
			{filter: `metric.a' OR 1=1 -- = 1`, errHas: "not closed"},
			{filter: `metric.acc = 1 OR 1 = 1`, errHas: "OR is not supported"},
			{filter: `mlf_runs.name = x`, errHas: `unknown column "mlf_runs.name"`},
			{filter: `spec = x`, errHas: `unknown column "spec"`},
			{filter: `tag.a/b = x`, errHas: "tag column"},
			{filter: `metric.accuracy = high`, errHas: `metric.accuracy is a number, got "high"`},
			{filter: `metric.accuracy LIKE '%'`, errHas: "LIKE does not apply"},
			{filter: `status = exploded`, errHas: `unknown status "exploded"`},
			{filter: `created > yesterday`, errHas: "takes a time"},
			{filter: `name =`, errHas: "expected a value"},
			{filter: `name x`, errHas: ""}, // two words: a name substring that matches nothing
			{filter: `= x`, errHas: "expected a column name"},
			{filter: `name === x`, errHas: "unknown operator"},
			{filter: `name = x;`, errHas: `unexpected ";"`},
			{filter: `param.a.b.c.d.e = 1`, errHas: "param column"},
			{filter: strings.Repeat("a", MaxFilterLen+1), errHas: "more than"},
			{filter: strings.Repeat("name = x AND ", MaxFilterConds) + "name = x", errHas: "conditions"},
			{filter: "name = 'é' #", errHas: "unexpected"},
			{filter: "name = 'a\x00b'", errHas: "NUL"},
			{filter: "name = '\xff'", errHas: "UTF-8"},
			{sort: "name; DROP TABLE mlf_runs", errHas: "unknown column"},
			{sort: "metric.accuracy DESC", errHas: "metric column"},
			{sort: "param.", errHas: "param column"},
			{sort: "(SELECT 1)", errHas: "unknown column"},
		} {
			page, err := s.QueryRuns(ctx, RunQuery{Filter: c.filter, Sort: c.sort})
			var qe *QueryError
			switch {
			case c.errHas == "" && err != nil:
				t.Errorf("filter %q sort %q: %v", c.filter, c.sort, err)
			case c.errHas == "" && len(page.Runs) != 0:
				t.Errorf("filter %q sort %q matched %s", c.filter, c.sort, names(page.Runs))
			case c.errHas != "" && (!errors.As(err, &qe) || !strings.Contains(err.Error(), c.errHas)):
				t.Errorf("filter %q sort %q: error %v, want a QueryError with %q", c.filter, c.sort, err, c.errHas)
			}
		}
		if n, err := s.CountRuns(ctx, ""); err != nil || n != len(tableFixture) {
			t.Fatalf("after the hostile queries: %d runs, %v", n, err)
		}
	})
}

// TestRunsTableTagsNoteDelete edits tags, the note and the name, lists the
// columns, and deletes runs in bulk (all or none).
func TestRunsTableTagsNoteDelete(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		ids := seedTable(t, s, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		if err := s.SetTag(ctx, ids[0], "team", "robotics"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTag(ctx, "0000000000000deadbeef", "team", "x"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("tag on a missing run: %v", err)
		}
		if err := s.DeleteTag(ctx, ids[3], "note"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteTag(ctx, ids[3], "note"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second tag delete: %v", err)
		}
		name, note := "alpha-2", "first try; lr too high\nsee run bravo"
		if err := s.UpdateRun(ctx, ids[0], RunEdit{Name: &name, Note: &note}); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateRun(ctx, "0000000000000deadbeef", RunEdit{Note: &note}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("edit of a missing run: %v", err)
		}
		r := try(s.GetRun(ctx, ids[0])).must(t, "GetRun")
		if r.Name != name || r.Note != note || r.Tags["team"] != "robotics" || len(r.Tags) != 1 {
			t.Fatalf("after the edits: %+v", r)
		}
		if d := try(s.GetRun(ctx, ids[3])).must(t, "GetRun(delta)"); len(d.Tags) != 1 {
			t.Fatalf("delta's tags: %v", d.Tags)
		}
		page := try(s.QueryRuns(ctx, RunQuery{Filter: "note ILIKE '%too high%'"})).must(t, "QueryRuns(note)")
		if names(page.Runs) != "alpha-2" {
			t.Fatalf("by note: %s", names(page.Runs))
		}
		for i := range MaxTags - 1 {
			if err := s.SetTag(ctx, ids[0], fmt.Sprintf("k%d", i), "v"); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetTag(ctx, ids[0], "one-more", "v"); !errors.Is(err, ErrTooManyTags) {
			t.Fatalf("tag %d: %v", MaxTags+1, err)
		}
		if err := s.SetTag(ctx, ids[0], "team", "again"); err != nil {
			t.Fatalf("changing a tag at the cap: %v", err)
		}

		cols := try(s.RunColumns(ctx, 0)).must(t, "RunColumns")
		if got := strings.Join(cols.Params, ","); got != "C,alpha,fit_intercept,lr,solver" {
			t.Errorf("params %s", got)
		}
		if got := strings.Join(cols.Metrics, ","); got != "accuracy,f1_macro,r2" {
			t.Errorf("metrics %s", got)
		}
		if len(cols.Tags) != MaxTags || cols.Tags[len(cols.Tags)-1] != "team" {
			t.Errorf("tags %v", cols.Tags)
		}

		// echo is queued: nothing of the batch is deleted.
		var nd *NotDoneError
		if _, err := s.DeleteRuns(ctx, []string{ids[0], ids[4]}); !errors.As(err, &nd) || nd.ID != ids[4] {
			t.Fatalf("delete with a queued run: %v", err)
		}
		if _, err := s.DeleteRuns(ctx, []string{ids[0], "0000000000000deadbeef"}); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "deadbeef") {
			t.Fatalf("delete with a missing run: %v", err)
		}
		if n := try(s.CountRuns(ctx, "")).must(t, "CountRuns"); n != len(tableFixture) {
			t.Fatalf("a refused batch deleted runs: %d left", n)
		}
		if gone, err := s.DeleteRuns(ctx, []string{ids[0], ids[1], ids[3]}); err != nil || strings.Join(gone, ",") != "alpha-2,bravo,delta" {
			t.Fatalf("DeleteRuns = %v, %v", gone, err)
		}
		left := try(s.QueryRuns(ctx, RunQuery{Sort: "name"})).must(t, "QueryRuns")
		if names(left.Runs) != "Charlie,echo,foxtrot" {
			t.Fatalf("after the bulk delete: %s", names(left.Runs))
		}
		var tags int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM mlf_run_tags`).Scan(&tags); err != nil || tags != 0 {
			t.Fatalf("tags of deleted runs: %d, %v", tags, err)
		}
	})
}

// TestRunsTableMigration opens a store made before runs had notes and
// tags: the column and the table are added, and old runs have neither.
func TestRunsTableMigration(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			url := filepath.Join(t.TempDir(), "mlforge.db")
			if backend == "postgres" {
				url = pgtest.URL(t)
			}
			s, err := Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			r := &Run{ID: NewID(), Name: "old", Class: "Ridge", Spec: json.RawMessage(`{}`)}
			if err := s.CreateRun(ctx, r); err != nil {
				t.Fatal(err)
			}
			// A store made before the schema had versions (migrations).
			for _, q := range []string{`ALTER TABLE mlf_runs DROP COLUMN note`, `DROP TABLE mlf_run_tags`, `DROP TABLE mlf_schema_migrations`} {
				if _, err := s.db.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			again, err := Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			got, err := again.GetRun(ctx, r.ID)
			if err != nil || got.Note != "" || got.Tags != nil {
				t.Fatalf("old run: %+v, %v", got, err)
			}
			if err := again.SetTag(ctx, r.ID, "k", "v"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// FuzzRunsTableFilter parses any filter and builds its SQL for both
// backends: an error or SQL, never a panic; a column name never reaches
// the SQL text.
func FuzzRunsTableFilter(f *testing.F) {
	for _, s := range []string{"param.lr > 0.01 AND metric.accuracy >= 0.9", "status = failed", "tag.k = v", "name LIKE 'a%'",
		"created >= 2026-12-01", "param.`a-b`.c = 'x'", "mnist", `run_name = "x' OR 1=1 --"`, "duration<3", "a = b AND"} {
		f.Add(s, "metric.accuracy")
	}
	f.Fuzz(func(t *testing.T, filter, sortCol string) {
		conds, err := ParseFilter(filter)
		if err != nil {
			return
		}
		for _, pg := range []bool{false, true} {
			b := &builder{pg: pg}
			where, err := b.where(conds)
			if err != nil {
				continue
			}
			order, err := b.orderBy(sortCol, true)
			if err != nil {
				continue
			}
			sql := strings.Join(where, " AND ") + " ORDER BY " + order
			for _, bad := range []string{";", "--", "/*"} {
				if strings.Contains(sql, bad) {
					t.Fatalf("filter %q sort %q made SQL with %q: %s", filter, sortCol, bad, sql)
				}
			}
		}
	})
}
