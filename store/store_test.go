package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mlforge/mlforge/internal/pgtest"
)

// freshDB makes, on each backend, a database for one test (the test is
// skipped where PostgreSQL is off): the URL that Open takes, and the
// driver and the DSN that database/sql opens it with.
var freshDB = map[string]func(t testing.TB) (url, driver, dsn string){
	"sqlite": func(t testing.TB) (string, string, string) {
		path := filepath.Join(t.TempDir(), "mlforge.db")
		return path, "sqlite", SQLiteDSN(path)
	},
	"postgres": func(t testing.TB) (string, string, string) {
		url := pgtest.URL(t)
		return url, "pgx", url
	},
}

// backends opens a fresh store on each backend.
func backends(t *testing.T) map[string]func(t *testing.T) *Store {
	out := map[string]func(t *testing.T) *Store{}
	for name, fresh := range freshDB {
		out[name] = func(t *testing.T) *Store {
			url, _, _ := fresh(t)
			s, err := Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	}
	return out
}

// onBackends runs test as a subtest on each backend, with a fresh store.
func onBackends(t *testing.T, test func(t *testing.T, ctx context.Context, s *Store)) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) { test(t, context.Background(), open(t)) })
	}
}

// checked holds the results of a call that sets up or reads the state under
// test: try(call).must(t, what) fails the test on its error, naming the
// call, instead of going on with a zero value.
type checked[T any] struct {
	v   T
	err error
}

func try[T any](v T, err error) checked[T] { return checked[T]{v, err} }

func (c checked[T]) must(t *testing.T, what string) T {
	t.Helper()
	if c.err != nil {
		t.Fatalf("%s: %v", what, c.err)
	}
	return c.v
}

func TestStore(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		var ids []string
		for _, n := range []string{"a", "b", "a"} {
			r := &Run{ID: NewID(), Name: n, Class: "Ridge", Spec: json.RawMessage(`{"name":"` + n + `"}`)}
			if err := s.CreateRun(ctx, r); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
			time.Sleep(2 * time.Millisecond) // distinct millisecond prefixes
		}
		runs, err := s.ListRuns(ctx, ListOptions{})
		if err != nil || len(runs) != 3 || runs[0].ID != ids[2] {
			t.Fatalf("ListRuns = %v, %v; want newest first", runs, err)
		}
		runs = try(s.ListRuns(ctx, ListOptions{Name: "a", Limit: 1})).must(t, "ListRuns(name a, limit 1)")
		if len(runs) != 1 || runs[0].ID != ids[2] {
			t.Fatalf("filter by name: %v", runs)
		}
		runs = try(s.ListRuns(ctx, ListOptions{Name: "a", Before: ids[2]})).must(t, "ListRuns(name a, before)")
		if len(runs) != 1 || runs[0].ID != ids[0] {
			t.Fatalf("page 2: %v", runs)
		}
		if _, err := s.GetRun(ctx, "0000000000000deadbeef"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetRun(missing) = %v", err)
		}

		// Lifecycle: start, heartbeat, points and events, finish.
		id := ids[0]
		if ok, err := s.StartRun(ctx, id, 0); !ok || err != nil {
			t.Fatalf("StartRun = %v, %v", ok, err)
		}
		if try(s.StartRun(ctx, id, 1)).must(t, "StartRun(stale attempt)") {
			t.Fatal("StartRun with a stale attempt succeeded")
		}
		if !try(s.Heartbeat(ctx, id, 0)).must(t, "Heartbeat") {
			t.Fatal("Heartbeat failed")
		}
		pts := []Point{{Series: "loss", Step: 1, Value: 0.5, Time: time.Now()}, {Series: "loss", Step: 2, Value: 0.25, Time: time.Now()}}
		evs := []Event{{Seq: 1, Type: "status", Data: json.RawMessage(`{"status":"running"}`), Time: time.Now()}, {Seq: 2, Type: "log", Data: json.RawMessage(`{}`), Time: time.Now()}}
		if err := s.Append(ctx, id, pts, evs); err != nil {
			t.Fatal(err)
		}
		got := try(s.Points(ctx, id)).must(t, "Points")
		if len(got) != 2 || got[1].Value != 0.25 {
			t.Fatalf("Points = %v", got)
		}
		es := try(s.Events(ctx, id, 1, 0)).must(t, "Events")
		if len(es) != 1 || es[0].Seq != 2 {
			t.Fatalf("Events after 1 = %v", es)
		}
		if n := try(s.LastEventSeq(ctx, id)).must(t, "LastEventSeq"); n != 2 {
			t.Fatalf("LastEventSeq = %d", n)
		}
		// A crash: the run is requeued with a new attempt; the old
		// attempt can no longer finish it.
		if !try(s.Requeue(ctx, id, 0)).must(t, "Requeue") {
			t.Fatal("Requeue failed")
		}
		if try(s.FinishRun(ctx, id, 0, Succeeded, nil, "")).must(t, "FinishRun(stale attempt)") {
			t.Fatal("a stale attempt finished the run")
		}
		if !try(s.StartRun(ctx, id, 1)).must(t, "StartRun(attempt 1)") {
			t.Fatal("attempt 1 could not start")
		}
		if !try(s.FinishRun(ctx, id, 1, Succeeded, json.RawMessage(`{"metrics":{}}`), "")).must(t, "FinishRun") {
			t.Fatal("FinishRun failed")
		}
		r := try(s.GetRun(ctx, id)).must(t, "GetRun")
		if r.Status != Succeeded || r.Attempt != 1 || r.FinishedAt == nil || string(r.Result) != `{"metrics":{}}` {
			t.Fatalf("run after finish = %+v", r)
		}

		// Cancel: queued → cancelled at once; running → flagged.
		r = try(s.RequestCancel(ctx, ids[1])).must(t, "RequestCancel(queued)")
		if r.Status != Cancelled {
			t.Fatalf("cancel queued: %+v", r)
		}
		if !try(s.StartRun(ctx, ids[2], 0)).must(t, "StartRun(ids[2])") {
			t.Fatal("StartRun of a queued run failed")
		}
		r = try(s.RequestCancel(ctx, ids[2])).must(t, "RequestCancel(running)")
		if r.Status != Running || !r.CancelRequested {
			t.Fatalf("cancel running: %+v", r)
		}
		if try(s.Heartbeat(ctx, ids[2], 0)).must(t, "Heartbeat(cancelling)") {
			t.Fatal("heartbeat of a run being cancelled succeeded")
		}
		un := try(s.Unfinished(ctx)).must(t, "Unfinished")
		if len(un) != 1 || un[0].ID != ids[2] {
			t.Fatalf("Unfinished = %v", un)
		}
		if n := try(s.CountRuns(ctx, "")).must(t, "CountRuns"); n != 3 {
			t.Fatalf("CountRuns = %d", n)
		}
		if err := s.DeleteRun(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteRun(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete = %v", err)
		}
		if got := try(s.Points(ctx, id)).must(t, "Points after delete"); len(got) != 0 {
			t.Fatal("points survived the delete")
		}
	})
}

func TestIDs(t *testing.T) {
	a := NewID()
	time.Sleep(2 * time.Millisecond)
	b := NewID()
	if !ValidID(a) || !ValidID(b) || a >= b {
		t.Fatalf("ids %q, %q", a, b)
	}
	for _, bad := range []string{"", "../etc/passwd", "0000000000000DEADBEEF", "0000000000000deadbee", "0000000000000deadbeef0"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
}

// TestCrashesCounted checks that a crash is counted by RequeueCrashed and
// FailCrashed, and not by a plain Requeue (a queued run found at a start or
// a clean stop), on both backends.
func TestCrashesCounted(t *testing.T) {
	onBackends(t, func(t *testing.T, ctx context.Context, s *Store) {
		r := &Run{ID: NewID(), Name: "c", Class: "Ridge", Spec: json.RawMessage(`{}`)}
		if err := s.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.RequeueCrashed(ctx, r.ID, 0); ok {
			t.Fatal("a queued run was requeued as crashed")
		}
		if ok, _ := s.Requeue(ctx, r.ID, 0); !ok {
			t.Fatal("Requeue of a queued run failed")
		}
		s.StartRun(ctx, r.ID, 1)
		if ok, err := s.RequeueCrashed(ctx, r.ID, 1); !ok || err != nil {
			t.Fatalf("RequeueCrashed = %v, %v", ok, err)
		}
		got, _ := s.GetRun(ctx, r.ID)
		if got.Status != Queued || got.Attempt != 2 || got.Crashes != 1 {
			t.Fatalf("after one crash: %+v", got)
		}
		if ok, _ := s.FailCrashed(ctx, r.ID, 2, "gave up"); ok {
			t.Fatal("FailCrashed took a run that is not running")
		}
		s.StartRun(ctx, r.ID, 2)
		ev := Event{Seq: 1, Type: "status", Data: json.RawMessage(`{"status":"failed"}`), Time: time.Now()}
		if ok, err := s.FailCrashed(ctx, r.ID, 2, "gave up", ev); !ok || err != nil {
			t.Fatalf("FailCrashed = %v, %v", ok, err)
		}
		got, _ = s.GetRun(ctx, r.ID)
		if got.Status != Failed || got.Crashes != 2 || got.Error != "gave up" || got.FinishedAt == nil {
			t.Fatalf("after giving up: %+v", got)
		}
		if evs, _ := s.Events(ctx, r.ID, 0, 0); len(evs) != 1 {
			t.Fatalf("events = %v", evs)
		}
	})
}

// TestFileModes checks that the SQLite file and its WAL files are private
// (0600), also when an older version left them world-readable, and that a
// store made before the crashes column gets it.
func TestFileModes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "mlforge.db")
	check := func() {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
			}
		}
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRun(ctx, &Run{ID: NewID(), Name: "m", Class: "X", Spec: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	check()
	s.Close()

	// An old store: world-readable, without the crashes column (and made
	// before the schema had versions).
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	if _, err := s.db.ExecContext(ctx, `SELECT 1`); err == nil {
		t.Fatal("closed store still answers")
	}
	old, err := sql.Open("sqlite", SQLiteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`ALTER TABLE mlf_runs DROP COLUMN crashes; DROP TABLE mlf_schema_migrations`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Chmod(p, 0o644)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.ListRuns(ctx, ListOptions{})
	if err != nil || len(runs) != 1 || runs[0].Crashes != 0 {
		t.Fatalf("old store: %v, %v", runs, err)
	}
	check()
}
