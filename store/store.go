// Package store keeps what the training service must not lose: runs (spec,
// status, result), their metric series and their event logs. One
// implementation over database/sql serves both backends: an embedded SQLite
// file (modernc.org/sqlite, pure Go, the default) and PostgreSQL (pgx) for
// several machines sharing one database.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mlforge/mlforge/api"
	"os"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// ErrNotFound is returned when a run does not exist.
var ErrNotFound = errors.New("not found")

// changed is the outcome of a statement that must change a row, given
// what ExecContext returned: its error, or ErrNotFound when it changed
// none.
func changed(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// changedOne reports whether a statement, given what ExecContext
// returned, changed exactly one row: false without an error is a row
// that was not in the state the statement required.
func changedOne(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Status is the state of a run; the store keeps the API's values (package
// api declares them once, for the server and its clients).
//
// The states a run goes through: queued → running → succeeded, failed or
// cancelled. A run interrupted by a crash goes back to queued with its
// attempt counter raised.
type Status = api.Status

// The run states.
const (
	Queued    = api.Queued
	Running   = api.Running
	Succeeded = api.Succeeded
	Failed    = api.Failed
	Cancelled = api.Cancelled
)

// Run is one training run.
type Run struct {
	ID     string          `json:"id"`
	Name   string          `json:"name"`
	Status Status          `json:"status"`
	Class  string          `json:"class"` // model class or "Sequential"
	Spec   json.RawMessage `json:"spec,omitempty"`
	// Result is the train result (metrics, timings, model path) once done.
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
	// Attempt counts the times the run was started; a restart after a
	// crash raises it, and workers holding an older attempt stop.
	Attempt int `json:"attempt"`
	// Crashes counts the attempts that ended because the process training
	// the run died (a crash, not a clean stop); recovery gives up on a run
	// after a set number of them.
	Crashes         int        `json:"crashes,omitempty"`
	CancelRequested bool       `json:"cancel_requested,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	StartedAt       *time.Time `json:"started_at,omitempty"`
	FinishedAt      *time.Time `json:"finished_at,omitempty"`
	HeartbeatAt     *time.Time `json:"heartbeat_at,omitempty"`
	// Note is the run's free text, and Tags its key/value labels
	// (runtable.go), both edited by people after the run was made.
	Note string            `json:"note,omitempty"`
	Tags map[string]string `json:"tags,omitempty"`

	// A sweep (sweeps.go): ParentID and ChildIndex place a child run (a
	// search candidate or a cross-validation fold) in its parent; Sweep is
	// the run's place in the fan-out (SweepPending, SweepWaiting or "");
	// MaxParallel is a parent's limit on its children queued or running
	// at once.
	ParentID    string `json:"parent_id,omitempty"`
	ChildIndex  int    `json:"child_index,omitempty"`
	Sweep       string `json:"sweep,omitempty"`
	MaxParallel int    `json:"max_parallel,omitempty"`
	// Trials are a sweep parent's finished children, handed to the runner
	// that gathers them (never stored on the parent's row).
	Trials []Trial `json:"trials,omitempty"`
}

// Point is one value of a metric series.
type Point struct {
	Series string    `json:"series"` // e.g. "loss", "val_accuracy", "lr"
	Step   int       `json:"step"`
	Epoch  int       `json:"epoch"`
	Value  float64   `json:"value"`
	Time   time.Time `json:"time"`
}

// Event is one entry of a run's event log, numbered from 1 within the run.
type Event struct {
	Seq  int64           `json:"seq"`
	Type string          `json:"type"` // "status", "progress", "metric", "log"
	Data json.RawMessage `json:"data"`
	Time time.Time       `json:"time"`
}

// ListOptions filters and pages ListRuns.
type ListOptions struct {
	Status Status // "" = any
	Name   string // exact name, "" = any
	Limit  int    // 1..500, default 50
	Before string // return runs older than this run ID (the next-page cursor)
	// Parent lists the children of that sweep run; "" lists top-level
	// runs only.
	Parent string
}

// Store is the run store.
type Store struct {
	db       *sql.DB // writes (SQLite: one connection, so writers queue here, not on the file lock)
	rdb      *sql.DB // reads (SQLite in WAL mode: readers never wait for writers)
	postgres bool
	// Path is the SQLite file, "" for PostgreSQL.
	Path string
}

// Open opens the store at url: "postgres://..." or "postgresql://..." for
// PostgreSQL, otherwise the path of an SQLite file (created if missing). It
// creates the tables if they do not exist.
func Open(ctx context.Context, url string) (*Store, error) {
	s := &Store{}
	var err error
	if IsPostgres(url) {
		s.postgres = true
		s.db, err = sql.Open("pgx", url)
		if err == nil {
			s.db.SetMaxOpenConns(16)
		}
		s.rdb = s.db
	} else {
		s.Path = url
		if err := createPrivate(url); err != nil {
			return nil, err
		}
		s.db, err = sql.Open("sqlite", SQLiteDSN(url))
		if err == nil {
			s.db.SetMaxOpenConns(1)
			s.rdb, err = sql.Open("sqlite", "file:"+url+"?_pragma=busy_timeout(10000)&_pragma=query_only(true)")
		}
		if err == nil {
			s.rdb.SetMaxOpenConns(8)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("store: cannot reach the database: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if !s.postgres {
		// SQLite gives the -wal and -shm files the database file's mode;
		// files left by an older version may still be wider.
		for _, p := range []string{url + "-wal", url + "-shm"} {
			if err := restrictMode(p); err != nil {
				s.Close()
				return nil, err
			}
		}
	}
	return s, nil
}

// createPrivate creates the SQLite file readable by its owner only (0600),
// and narrows the mode of an existing one: the store holds every spec and
// result, which are nobody else's business.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	f.Close()
	return restrictMode(path)
}

// restrictMode removes group and other permissions from path, if it exists.
func restrictMode(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, fi.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	return nil
}

// IsPostgres reports whether url names a PostgreSQL database.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// SQLiteDSN returns the connection string for an SQLite file: WAL journal,
// a busy timeout so writers wait for each other, and full fsync on commit.
func SQLiteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_pragma=foreign_keys(ON)&_txlock=immediate"
}

// DB returns the underlying database handle.
func (s *Store) DB() *sql.DB { return s.db }

// Postgres reports whether the store runs on PostgreSQL.
func (s *Store) Postgres() bool { return s.postgres }

// Close closes the database.
func (s *Store) Close() error {
	if s.rdb != s.db {
		s.rdb.Close()
	}
	return s.db.Close()
}

// runSchema is the first schema of the run tables (migration 1); the
// crashes and note columns came later (migrations 2 and 7).
var runSchema = []string{
	`CREATE TABLE IF NOT EXISTS mlf_runs (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		status TEXT NOT NULL,
		class TEXT NOT NULL,
		spec TEXT NOT NULL,
		result TEXT,
		error TEXT NOT NULL DEFAULT '',
		attempt INTEGER NOT NULL DEFAULT 0,
		cancel_requested INTEGER NOT NULL DEFAULT 0,
		created_at BIGINT NOT NULL,
		started_at BIGINT,
		finished_at BIGINT,
		heartbeat_at BIGINT)`,
	`CREATE INDEX IF NOT EXISTS mlf_runs_status ON mlf_runs (status, id)`,
	`CREATE INDEX IF NOT EXISTS mlf_runs_name ON mlf_runs (name, id)`,
	`CREATE INDEX IF NOT EXISTS mlf_runs_created ON mlf_runs (created_at)`,
	`CREATE TABLE IF NOT EXISTS mlf_points (
		run_id TEXT NOT NULL,
		series TEXT NOT NULL,
		step INTEGER NOT NULL,
		epoch INTEGER NOT NULL,
		value DOUBLE PRECISION NOT NULL,
		t BIGINT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS mlf_points_run ON mlf_points (run_id, series, step)`,
	`CREATE TABLE IF NOT EXISTS mlf_events (
		run_id TEXT NOT NULL,
		seq BIGINT NOT NULL,
		type TEXT NOT NULL,
		data TEXT NOT NULL,
		t BIGINT NOT NULL,
		PRIMARY KEY (run_id, seq))`,
}

// NewID returns a new run ID: 13 hex digits of Unix milliseconds then 8
// random hex digits, so IDs sort by creation time.
func NewID() string {
	var r [4]byte
	_, _ = rand.Read(r[:])
	return fmt.Sprintf("%013x%s", time.Now().UnixMilli(), hex.EncodeToString(r[:]))
}

// ValidID reports whether id has the form NewID makes.
func ValidID(id string) bool {
	if len(id) != 21 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

// CreateRun inserts r, which must have an ID, name, class and spec. Status
// defaults to queued and CreatedAt to now.
func (s *Store) CreateRun(ctx context.Context, r *Run) error {
	if r.Status == "" {
		r.Status = Queued
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO mlf_runs (id, name, status, class, spec, attempt, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		r.ID, r.Name, string(r.Status), r.Class, string(r.Spec), r.Attempt, ms(r.CreatedAt))
	return err
}

const runCols = `id, name, status, class, spec, result, error, attempt, crashes, cancel_requested, created_at, started_at, finished_at, heartbeat_at, note, parent_id, child_index, sweep, max_parallel`

// rowScanner is a row to scan: *sql.Row or *sql.Rows.
type rowScanner = interface{ Scan(...any) error }

// scanRows scans every row of a query, given as QueryContext returns it,
// with scan, and closes the rows. No rows is a nil slice.
func scanRows[T any](rows *sql.Rows, err error, scan func(rowScanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanRun(sc rowScanner) (*Run, error) {
	var r Run
	var spec string
	var result sql.NullString
	var created int64
	var cancel int
	var started, finished, hb sql.NullInt64
	if err := sc.Scan(&r.ID, &r.Name, &r.Status, &r.Class, &spec, &result, &r.Error, &r.Attempt, &r.Crashes, &cancel, &created, &started, &finished, &hb, &r.Note, &r.ParentID, &r.ChildIndex, &r.Sweep, &r.MaxParallel); err != nil {
		return nil, err
	}
	r.Spec = json.RawMessage(spec)
	if result.Valid && result.String != "" {
		r.Result = json.RawMessage(result.String)
	}
	r.CancelRequested = cancel != 0
	r.CreatedAt = time.UnixMilli(created).UTC()
	r.StartedAt, r.FinishedAt, r.HeartbeatAt = fromMS(started), fromMS(finished), fromMS(hb)
	return &r, nil
}

// GetRun returns the run with the given ID, or ErrNotFound.
func (s *Store) GetRun(ctx context.Context, id string) (*Run, error) {
	r, err := scanRun(s.rdb.QueryRowContext(ctx, `SELECT `+runCols+` FROM mlf_runs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return r, s.loadTags(ctx, []*Run{r})
}

// ListRuns returns runs newest first.
func (s *Store) ListRuns(ctx context.Context, o ListOptions) ([]*Run, error) {
	if o.Limit <= 0 || o.Limit > 500 {
		o.Limit = 50
	}
	var where []string
	var args []any
	if o.Status != "" {
		args = append(args, string(o.Status))
		where = append(where, "status = $"+strconv.Itoa(len(args)))
	}
	if o.Name != "" {
		args = append(args, o.Name)
		where = append(where, "name = $"+strconv.Itoa(len(args)))
	}
	if o.Before != "" {
		args = append(args, o.Before)
		where = append(where, "id < $"+strconv.Itoa(len(args)))
	}
	args = append(args, o.Parent)
	where = append(where, "parent_id = $"+strconv.Itoa(len(args)))
	query := `SELECT ` + runCols + ` FROM mlf_runs`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY id DESC LIMIT " + strconv.Itoa(o.Limit)
	runs, err := s.queryRuns(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return runs, s.loadTags(ctx, runs)
}

// queryRuns runs a SELECT of runCols and scans every row.
func (s *Store) queryRuns(ctx context.Context, query string, args ...any) ([]*Run, error) {
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	return scanRows(rows, err, scanRun)
}

// CountRuns returns how many runs have the given status ("" = all).
func (s *Store) CountRuns(ctx context.Context, status Status) (int, error) {
	var n int
	var err error
	if status == "" {
		err = s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM mlf_runs`).Scan(&n)
	} else {
		err = s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM mlf_runs WHERE status = $1`, string(status)).Scan(&n)
	}
	return n, err
}

// StartRun marks attempt of run id as running. It returns false, without
// error, when the run is no longer queued or running under that attempt
// (cancelled, finished, or taken over by a newer attempt).
func (s *Store) StartRun(ctx context.Context, id string, attempt int) (bool, error) {
	now := ms(time.Now())
	return changedOne(s.db.ExecContext(ctx, `UPDATE mlf_runs SET status = $1, started_at = COALESCE(started_at, $2), heartbeat_at = $3
		WHERE id = $4 AND attempt = $5 AND status IN ($6, $7) AND cancel_requested = 0`,
		string(Running), now, now, id, attempt, string(Queued), string(Running)))
}

// Heartbeat records that attempt of run id is alive. It returns false when
// the attempt no longer owns the run or a cancel was requested.
func (s *Store) Heartbeat(ctx context.Context, id string, attempt int) (bool, error) {
	return changedOne(s.db.ExecContext(ctx, `UPDATE mlf_runs SET heartbeat_at = $1 WHERE id = $2 AND attempt = $3 AND status = $4 AND cancel_requested = 0`,
		ms(time.Now()), id, attempt, string(Running)))
}

// FinishRun records the end of attempt of run id, and appends events (the
// final status event) in the same transaction, so that a reader who sees the
// run done also sees its last event. It returns false when the attempt no
// longer owns the run.
func (s *Store) FinishRun(ctx context.Context, id string, attempt int, status Status, result json.RawMessage, errMsg string, events ...Event) (bool, error) {
	return s.finish(ctx, id, attempt, status, result, errMsg, false, events)
}

// FailCrashed fails attempt of run id, found running with its worker gone,
// counting the crash: recovery gives up on it with errMsg. Like FinishRun,
// it appends events in the same transaction and returns false when the
// attempt no longer owns the run.
func (s *Store) FailCrashed(ctx context.Context, id string, attempt int, errMsg string, events ...Event) (bool, error) {
	return s.finish(ctx, id, attempt, Failed, nil, errMsg, true, events)
}

func (s *Store) finish(ctx context.Context, id string, attempt int, status Status, result json.RawMessage, errMsg string, crashed bool, events []Event) (bool, error) {
	crash, from := 0, []any{string(Queued), string(Running)}
	if crashed {
		crash, from = 1, []any{string(Running), string(Running)}
	}
	var rs any
	if result != nil {
		rs = string(result)
	}
	finished := false
	err := s.sqlTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE mlf_runs SET status = $1, result = $2, error = $3, finished_at = $4, crashes = crashes + $5
		WHERE id = $6 AND attempt = $7 AND status IN ($8, $9)`,
			string(status), rs, errMsg, ms(time.Now()), crash, id, attempt, from[0], from[1])
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errNotOwner
		}
		if err := s.insertEvents(ctx, tx, id, events); err != nil {
			return err
		}
		finished = true
		return nil
	})
	if errors.Is(err, errNotOwner) {
		return false, nil
	}
	return finished, err
}

// RequestCancel asks run id to stop. A queued run is cancelled at once; a
// running one is flagged and its worker stops within a step. It returns the
// run as it is afterwards.
func (s *Store) RequestCancel(ctx context.Context, id string) (*Run, error) {
	if _, err := s.db.ExecContext(ctx, `UPDATE mlf_runs SET status = $1, finished_at = $2, cancel_requested = 1 WHERE id = $3 AND status = $4`,
		string(Cancelled), ms(time.Now()), id, string(Queued)); err != nil {
		return nil, err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE mlf_runs SET cancel_requested = 1 WHERE id = $1 AND status = $2`, id, string(Running)); err != nil {
		return nil, err
	}
	return s.GetRun(ctx, id)
}

// Requeue moves a run back to queued with attempt+1, if it is still at
// attempt: a queued run found at a start, or a running one whose server
// stopped cleanly. It returns false if someone else already did.
func (s *Store) Requeue(ctx context.Context, id string, attempt int) (bool, error) {
	return s.requeue(ctx, id, attempt, false)
}

// RequeueCrashed is Requeue for a run found running with its worker gone:
// the crash is counted.
func (s *Store) RequeueCrashed(ctx context.Context, id string, attempt int) (bool, error) {
	return s.requeue(ctx, id, attempt, true)
}

// RequeueQueued is Requeue for a run found queued whose job will not run
// (the worker that took the job died before starting the run, or the job
// is gone): only while the run is still queued at attempt and is not a
// sweep's child waiting for its job (SweepPending) nor a waiting parent.
// A worker that starts attempt first keeps the run (this finds it
// running); one that starts it after finds the attempt raised.
func (s *Store) RequeueQueued(ctx context.Context, id string, attempt int) (bool, error) {
	return changedOne(s.db.ExecContext(ctx, `UPDATE mlf_runs SET attempt = attempt + 1 WHERE id = $1 AND attempt = $2 AND status = $3 AND sweep = ''`,
		id, attempt, string(Queued)))
}

func (s *Store) requeue(ctx context.Context, id string, attempt int, crashed bool) (bool, error) {
	crash, from := 0, []any{string(Queued), string(Running)}
	if crashed {
		crash, from = 1, []any{string(Running), string(Running)}
	}
	return changedOne(s.db.ExecContext(ctx, `UPDATE mlf_runs SET status = $1, attempt = attempt + 1, crashes = crashes + $2 WHERE id = $3 AND attempt = $4 AND status IN ($5, $6)`,
		string(Queued), crash, id, attempt, from[0], from[1]))
}

// Unfinished returns runs that are queued or running, oldest first,
// leaving out a sweep's children not yet given their job (SweepPending):
// their parent launches them.
func (s *Store) Unfinished(ctx context.Context) ([]*Run, error) {
	return s.queryRuns(ctx, `SELECT `+runCols+` FROM mlf_runs WHERE status IN ($1, $2) AND sweep <> $3 ORDER BY id`, string(Queued), string(Running), SweepPending)
}

// DeleteRun removes a run with its points, events, tags and aliases.
func (s *Store) DeleteRun(ctx context.Context, id string) error {
	return s.sqlTx(ctx, func(tx *sql.Tx) error { return deleteRunTx(ctx, tx, id) })
}

// deleteRunTx removes run id and what belongs to it in tx; ErrNotFound if
// there is no such run.
func deleteRunTx(ctx context.Context, tx *sql.Tx, id string) error {
	if err := deleteChildrenTx(ctx, tx, id); err != nil { // a sweep's children (sweeps.go)
		return err
	}
	for _, q := range []string{`DELETE FROM mlf_points WHERE run_id = $1`, `DELETE FROM mlf_events WHERE run_id = $1`, `DELETE FROM mlf_evaluations WHERE run_id = $1`, `DELETE FROM mlf_run_tags WHERE run_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	if err := deleteAliasesOf(ctx, tx, id); err != nil {
		return err
	}
	return changed(tx.ExecContext(ctx, `DELETE FROM mlf_runs WHERE id = $1`, id))
}

// Append writes a batch of metric points and events of one run in one
// transaction. Events must carry their sequence numbers.
func (s *Store) Append(ctx context.Context, runID string, points []Point, events []Event) error {
	if len(points) == 0 && len(events) == 0 {
		return nil
	}
	return s.sqlTx(ctx, func(tx *sql.Tx) error {
		if len(points) > 0 {
			st, err := tx.PrepareContext(ctx, `INSERT INTO mlf_points (run_id, series, step, epoch, value, t) VALUES ($1, $2, $3, $4, $5, $6)`)
			if err != nil {
				return err
			}
			for _, p := range points {
				if _, err := st.ExecContext(ctx, runID, p.Series, p.Step, p.Epoch, p.Value, ms(p.Time)); err != nil {
					st.Close()
					return err
				}
			}
			st.Close()
		}
		return s.insertEvents(ctx, tx, runID, events)
	})
}

func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, runID string, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO mlf_events (run_id, seq, type, data, t) VALUES ($1, $2, $3, $4, $5)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, e := range events {
		if _, err := st.ExecContext(ctx, runID, e.Seq, e.Type, string(e.Data), ms(e.Time)); err != nil {
			return err
		}
	}
	return nil
}

// Points returns every metric point of a run, by series then step.
func (s *Store) Points(ctx context.Context, runID string) ([]Point, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT series, step, epoch, value, t FROM mlf_points WHERE run_id = $1 ORDER BY series, step, t`, runID)
	return scanRows(rows, err, func(sc rowScanner) (Point, error) {
		var p Point
		var t int64
		err := sc.Scan(&p.Series, &p.Step, &p.Epoch, &p.Value, &t)
		p.Time = time.UnixMilli(t).UTC()
		return p, err
	})
}

// Events returns up to limit events of a run with Seq > after, in order.
func (s *Store) Events(ctx context.Context, runID string, after int64, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT seq, type, data, t FROM mlf_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT `+strconv.Itoa(limit), runID, after)
	return scanRows(rows, err, func(sc rowScanner) (Event, error) {
		var e Event
		var data string
		var t int64
		err := sc.Scan(&e.Seq, &e.Type, &data, &t)
		e.Data, e.Time = json.RawMessage(data), time.UnixMilli(t).UTC()
		return e, err
	})
}

// LastEventSeq returns the highest event number of a run, 0 if none.
func (s *Store) LastEventSeq(ctx context.Context, runID string) (int64, error) {
	var n sql.NullInt64
	err := s.rdb.QueryRowContext(ctx, `SELECT MAX(seq) FROM mlf_events WHERE run_id = $1`, runID).Scan(&n)
	return n.Int64, err
}
