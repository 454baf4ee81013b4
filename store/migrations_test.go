package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/mlforge/mlforge/internal/pgtest"
)

// release4682ff5 is the schema as mlforge made it before its schema had
// versions (commit 4682ff5): every table, no mlf_schema_migrations.
var release4682ff5 = []string{
	`CREATE TABLE mlf_runs (id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, class TEXT NOT NULL, spec TEXT NOT NULL, result TEXT,
		error TEXT NOT NULL DEFAULT '', attempt INTEGER NOT NULL DEFAULT 0, crashes INTEGER NOT NULL DEFAULT 0, cancel_requested INTEGER NOT NULL DEFAULT 0,
		created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT, heartbeat_at BIGINT, note TEXT NOT NULL DEFAULT '')`,
	`CREATE INDEX mlf_runs_status ON mlf_runs (status, id)`,
	`CREATE TABLE mlf_points (run_id TEXT NOT NULL, series TEXT NOT NULL, step INTEGER NOT NULL, epoch INTEGER NOT NULL, value DOUBLE PRECISION NOT NULL, t BIGINT NOT NULL)`,
	`CREATE TABLE mlf_events (run_id TEXT NOT NULL, seq BIGINT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, t BIGINT NOT NULL, PRIMARY KEY (run_id, seq))`,
	`CREATE TABLE mlf_model_aliases (name TEXT NOT NULL, alias TEXT NOT NULL, run_id TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (name, alias))`,
	`CREATE TABLE mlf_run_tags (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key))`,
	`INSERT INTO mlf_runs (id, name, status, class, spec, attempt, created_at, note) VALUES ('0000000000001aabbccdd', 'old', 'succeeded', 'X', '{}', 0, 1, 'kept')`,
	`INSERT INTO mlf_run_tags (run_id, key, value) VALUES ('0000000000001aabbccdd', 'team', 'a')`,
}

// release49d013d is an older one still: the first tables, without the
// crashes and note columns.
var release49d013d = []string{
	`CREATE TABLE mlf_runs (id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, class TEXT NOT NULL, spec TEXT NOT NULL, result TEXT,
		error TEXT NOT NULL DEFAULT '', attempt INTEGER NOT NULL DEFAULT 0, cancel_requested INTEGER NOT NULL DEFAULT 0,
		created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT, heartbeat_at BIGINT)`,
	`CREATE TABLE mlf_points (run_id TEXT NOT NULL, series TEXT NOT NULL, step INTEGER NOT NULL, epoch INTEGER NOT NULL, value DOUBLE PRECISION NOT NULL, t BIGINT NOT NULL)`,
	`CREATE TABLE mlf_events (run_id TEXT NOT NULL, seq BIGINT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, t BIGINT NOT NULL, PRIMARY KEY (run_id, seq))`,
	`INSERT INTO mlf_runs (id, name, status, class, spec, attempt, created_at) VALUES ('0000000000001aabbccdd', 'old', 'succeeded', 'X', '{}', 0, 1)`,
}

// emptyDB is a database with nothing in it, on each backend: its URL and
// a handle to set it up with.
func emptyDB(t *testing.T) map[string]func(t *testing.T) (string, *sql.DB) {
	out := map[string]func(t *testing.T) (string, *sql.DB){}
	for name, fresh := range freshDB {
		out[name] = func(t *testing.T) (string, *sql.DB) {
			url, driver, dsn := fresh(t)
			db, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return url, db
		}
	}
	return out
}

func versions(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT version, name FROM mlf_schema_migrations ORDER BY version`)
	out, err := scanRows(rows, err, func(sc rowScanner) (string, error) {
		var v int
		var n string
		err := sc.Scan(&v, &n)
		return n, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrations: a fresh store gets every migration once (a second open
// applies none); stores made before the schema had versions, by two
// releases, are migrated with their runs kept; a store with a migration
// this binary does not know, or another build's, is refused.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	for backend, empty := range emptyDB(t) {
		t.Run(backend, func(t *testing.T) {
			t.Run("fresh", func(t *testing.T) {
				url, db := empty(t)
				for range 2 {
					s, err := Open(ctx, url)
					if err != nil {
						t.Fatal(err)
					}
					if v, err := s.AppliedMigrations(ctx); err != nil || v != SchemaVersion {
						t.Fatalf("version %d (%v), want %d", v, err, SchemaVersion)
					}
					s.Close()
				}
				if got := versions(t, db); len(got) != SchemaVersion || got[0] != migrations[0].name {
					t.Fatalf("recorded migrations %q", got)
				}
			})
			for name, old := range map[string][]string{"4682ff5": release4682ff5, "49d013d": release49d013d} {
				t.Run(name, func(t *testing.T) {
					url, db := empty(t)
					for _, q := range old {
						if _, err := db.Exec(q); err != nil {
							t.Fatalf("%s: %v", q, err)
						}
					}
					s, err := Open(ctx, url)
					if err != nil {
						t.Fatal(err)
					}
					defer s.Close()
					r, err := s.GetRun(ctx, "0000000000001aabbccdd")
					if err != nil || r.Name != "old" || r.Status != Succeeded {
						t.Fatalf("the old run: %+v %v", r, err)
					}
					if name == "4682ff5" && (r.Note != "kept" || r.Tags["team"] != "a") {
						t.Fatalf("the old run lost its note or tags: %+v", r)
					}
					if got := versions(t, db); len(got) != SchemaVersion {
						t.Fatalf("recorded migrations %q", got)
					}
					// Every table works: a new run with a crash, a note, a
					// tag, an alias, an evaluation and a dataset.
					id := NewID()
					if err := s.CreateRun(ctx, &Run{ID: id, Name: "new", Class: "X", Spec: json.RawMessage(`{}`)}); err != nil {
						t.Fatal(err)
					}
					if ok, err := s.StartRun(ctx, id, 0); !ok || err != nil {
						t.Fatal(ok, err)
					}
					if ok, err := s.RequeueCrashed(ctx, id, 0); !ok || err != nil {
						t.Fatal(ok, err)
					}
					note := "n"
					if err := s.UpdateRun(ctx, id, RunEdit{Note: &note}); err != nil {
						t.Fatal(err)
					}
					if err := s.SetTag(ctx, id, "k", "v"); err != nil {
						t.Fatal(err)
					}
					if err := s.SetAlias(ctx, "old", "champion", "0000000000001aabbccdd"); err != nil {
						t.Fatal(err)
					}
					if err := s.CreateDataset(ctx, &Dataset{ID: NewID(), Name: "ds", Kind: "images"}); err != nil {
						t.Fatal(err)
					}
					if r, err := s.GetRun(ctx, id); err != nil || r.Crashes != 1 || r.Note != "n" || r.Tags["k"] != "v" {
						t.Fatalf("new run: %+v %v", r, err)
					}
				})
			}
			t.Run("newer", func(t *testing.T) {
				url, db := empty(t)
				s, err := Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
				if _, err := db.Exec(`INSERT INTO mlf_schema_migrations (version, name, applied_at) VALUES ($1, 'runs have owners', 0)`, SchemaVersion+1); err != nil {
					t.Fatal(err)
				}
				_, err = Open(ctx, url)
				if err == nil || !strings.Contains(err.Error(), fmt.Sprintf(`migration %d ("runs have owners"), newer than this mlforge, which knows versions up to %d`, SchemaVersion+1, SchemaVersion)) ||
					!strings.Contains(err.Error(), "newer release") {
					t.Fatalf("a newer store opened: %v", err)
				}
				if _, err := db.Exec(`DELETE FROM mlf_schema_migrations WHERE version > 6; UPDATE mlf_schema_migrations SET name = 'tags' WHERE version = 6`); err != nil {
					t.Fatal(err)
				}
				if _, err = Open(ctx, url); err == nil || !strings.Contains(err.Error(), `migration 6 is "tags", but this mlforge's is "run tags"`) {
					t.Fatalf("another build's store opened: %v", err)
				}
			})
		})
	}
}

// TestMigrationsConcurrent: processes that start together on one
// PostgreSQL database (here: opens in parallel) apply each migration once.
func TestMigrationsConcurrent(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(context.Background(), url)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db, _ := sql.Open("pgx", url)
	defer db.Close()
	if got := versions(t, db); len(got) != SchemaVersion {
		t.Fatalf("recorded migrations %q", got)
	}
}
