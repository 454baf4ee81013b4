// Package jobs runs training runs in the background on River, a maintained
// job queue that works the same on SQLite (embedded default) and PostgreSQL
// (several machines). The store's run row is the source of truth: each job
// carries (run ID, attempt), and a worker whose attempt is no longer the
// run's stops without touching it.
//
// Durability: a worker heartbeats its run every few seconds. When a process
// dies mid-run, the next start (SQLite: every unfinished run belongs to a
// dead process, since one process owns the data folder) or a periodic sweep
// (PostgreSQL: runs whose heartbeat is stale) requeues the run with its
// attempt raised, and a new job picks it up; the run's events say so.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/mlforge/mlforge/event"
	"github.com/mlforge/mlforge/internal/budget"
	"github.com/mlforge/mlforge/internal/crashpoint"
	"github.com/mlforge/mlforge/store"
)

// Tunables; variables so tests can shorten them.
var (
	HeartbeatEvery = 2 * time.Second
	// StaleAfter is how old a heartbeat must be before a run is taken for
	// dead on PostgreSQL.
	StaleAfter = 30 * time.Second
	// FlushEvery is how often metric points and events are written.
	FlushEvery = 300 * time.Millisecond
)

// TrainArgs are the arguments of a training job.
type TrainArgs struct {
	RunID   string `json:"run_id"`
	Attempt int    `json:"attempt"`
}

// Kind names the job kind for River.
func (TrainArgs) Kind() string { return "mlforge_train" }

// InsertOpts: no retries by River (a failed run is final; crash recovery is
// ours) and no unique constraint.
func (TrainArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// Runner executes one run. The server supplies it (it calls train.Run); it
// must stop promptly when ctx is cancelled and report through rec.
type Runner func(ctx context.Context, run *store.Run, rec Progress) (result json.RawMessage, err error)

// Progress is where a Runner reports: progress events, and the final
// metric values. *Recorder is one; a child process's stdout is another.
type Progress interface {
	event.Reporter
	// Metrics records final metric values (e.g. "test_accuracy").
	Metrics(values map[string]float64, step int)
}

// Limits are the memory limits of a run, in bytes (0: none).
type Limits struct {
	// MaxModelBytes is the most memory a model's parameters and
	// activations may need, as estimated from the spec before training.
	MaxModelBytes int64
	// MaxRunMemory is the most memory one run may use while it trains: a
	// child process is killed past it (and runs under GOMEMLIMIT and an
	// address-space limit); in the server's process it sets the Go memory
	// limit.
	MaxRunMemory int64
}

// Budget returns the limits as the budget checks take them
// (internal/budget): the same numbers, with 0 (none here) as a negative
// budget field (no limit there; budget's 0 means its default).
func (l Limits) Budget() budget.Limits {
	none := func(v int64) int64 {
		if v == 0 {
			return -1
		}
		return v
	}
	return budget.Limits{MaxModelBytes: none(l.MaxModelBytes), MaxRunMemory: none(l.MaxRunMemory)}
}

// DefaultMaxAttempts is how many attempts of a run may die with the server
// before recovery gives up on it.
const DefaultMaxAttempts = 2

// Config configures a Manager.
type Config struct {
	Store *store.Store
	// DB is the database URL the store was opened with (SQLite path or
	// postgres:// URL); River keeps its queue there too.
	DB string
	// Workers is how many runs train at once (default 2).
	Workers int
	// InsertOnly makes a manager that queues runs but never trains nor
	// recovers them (a server started with --workers 0: worker processes
	// on the same PostgreSQL database do the training).
	InsertOnly bool
	Runner     Runner
	// Child, when set, trains each attempt in a child process that runs
	// Runner through ServeChild; otherwise Runner runs in this process,
	// with panics turned into failed runs.
	Child *Child
	// Limits are passed to every run (the child applies MaxRunMemory).
	Limits Limits
	// Fanout, when set, is asked when a top-level run starts whether it
	// is a sweep (a search or a cross-validation) whose trials train as
	// child runs (sweep.go); nil means an ordinary run.
	Fanout func(ctx context.Context, run *store.Run) (*Fanout, error)
	// MaxAttempts is how many attempts of a run may end with the death of
	// the process that trained it (the server, or with Child the server
	// while the child ran) before the run is failed instead of recovered
	// (default DefaultMaxAttempts). A run that fails on its own, a child
	// killed for its memory included, is failed at once.
	MaxAttempts int
	Logger      *slog.Logger
}

type queue interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Manager owns the River client and the background bookkeeping.
type Manager struct {
	cfg Config
	q   queue
	// insertTx inserts a job in the store's transaction (River's InsertTx
	// on the backend's transaction type).
	insertTx func(ctx context.Context, tx store.Tx, args river.JobArgs) error
	closer   func()
	// liveJobs returns the run attempts with a job that will still run
	// (stranded.go); nil on SQLite, where a start requeues every queued
	// run.
	liveJobs func(ctx context.Context, fresh time.Duration) (map[jobKey]bool, error)
	log      *slog.Logger
	Broker   *Broker

	mu      sync.Mutex
	running map[string]context.CancelFunc
	stop    chan struct{}
	wg      sync.WaitGroup
}

// New creates the River client (migrating its tables) but does not start
// working; call Start.
func New(ctx context.Context, cfg Config) (*Manager, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m := &Manager{cfg: cfg, log: cfg.Logger, Broker: NewBroker(), running: map[string]context.CancelFunc{}, stop: make(chan struct{})}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &worker{m: m}); err != nil {
		return nil, err
	}
	rc := &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		JobTimeout:           -1,                     // training may take hours: no timeout
		RescueStuckJobsAfter: 30 * 24 * time.Hour,    // crash recovery is ours (heartbeats)
		FetchPollInterval:    200 * time.Millisecond, // SQLite has no LISTEN/NOTIFY
		FetchCooldown:        50 * time.Millisecond,
		Logger:               slog.New(slog.DiscardHandler),
	}
	if cfg.InsertOnly {
		rc.Queues = nil // River's insert-only client
	}
	if store.IsPostgres(cfg.DB) {
		pool, err := pgxpool.New(ctx, cfg.DB)
		if err != nil {
			return nil, err
		}
		drv := riverpgxv5.New(pool)
		applied := func(ctx context.Context) (int, error) {
			var exists bool
			if err := pool.QueryRow(ctx, `SELECT to_regclass('river_migration') IS NOT NULL`).Scan(&exists); err != nil || !exists {
				return 0, err
			}
			var v int
			err := pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM river_migration WHERE line = 'main'`).Scan(&v)
			return v, err
		}
		if err := migrateLocked(ctx, pool, func() error { return migrate[pgx.Tx](ctx, drv, applied) }); err != nil {
			pool.Close()
			return nil, err
		}
		c, err := river.NewClient(drv, rc)
		if err != nil {
			pool.Close()
			return nil, err
		}
		m.q, m.closer, m.liveJobs = c, pool.Close, liveJobsPG(pool)
		m.insertTx = func(ctx context.Context, tx store.Tx, args river.JobArgs) error {
			_, err := c.InsertTx(ctx, tx.PGX, args, nil)
			return err
		}
	} else {
		db, err := sql.Open("sqlite", store.SQLiteDSN(cfg.DB))
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1) // as riversqlite recommends
		drv := riversqlite.New(db)
		applied := func(ctx context.Context) (int, error) {
			var n, v int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'river_migration'`).Scan(&n); err != nil || n == 0 {
				return 0, err
			}
			err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM river_migration WHERE line = 'main'`).Scan(&v)
			return v, err
		}
		if err := migrate[*sql.Tx](ctx, drv, applied); err != nil {
			db.Close()
			return nil, err
		}
		c, err := river.NewClient(drv, rc)
		if err != nil {
			db.Close()
			return nil, err
		}
		m.q, m.closer = c, func() { db.Close() }
		m.insertTx = func(ctx context.Context, tx store.Tx, args river.JobArgs) error {
			_, err := c.InsertTx(ctx, tx.SQL, args, nil)
			return err
		}
	}
	return m, nil
}

// migrateLock is the PostgreSQL advisory lock key under which a process
// migrates River's tables, so that processes starting together on one
// database (servers and workers) do not race on them.
const migrateLock = 0x6d6c66_726976 // "mlf" "riv"

// migrateLocked runs f holding migrateLock on a connection of pool.
func migrateLocked(ctx context.Context, pool *pgxpool.Pool, f func() error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("jobs: migrating the queue tables: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
		return fmt.Errorf("jobs: taking the migration lock: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrateLock))
	return f()
}

// migrate brings River's tables up to this binary's version. Tables that
// a newer release migrated further (an older binary started after a newer
// one) are refused, naming both versions, as the store refuses mlforge's
// own (store.Open): River would otherwise run on a schema it does not know.
// applied returns the highest version recorded in the database (0 when
// River's tables are not there yet).
func migrate[TTx any](ctx context.Context, drv riverdriver.Driver[TTx], applied func(context.Context) (int, error)) error {
	mig, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	have, err := applied(ctx)
	if err != nil {
		return fmt.Errorf("jobs: reading the queue tables' schema version: %w", err)
	}
	known := 0
	for _, m := range mig.AllVersions() {
		known = max(known, m.Version)
	}
	if have > known {
		return fmt.Errorf("jobs: the database's queue tables (River's) are at schema version %d, newer than this mlforge, whose River knows versions up to %d: the database was upgraded by a newer release; run that release (or a newer one) on it", have, known)
	}
	if _, err := mig.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrating the queue tables: %w", err)
	}
	return nil
}

// Start recovers runs left unfinished by a previous process, then starts
// working jobs.
func (m *Manager) Start(ctx context.Context) error {
	if m.cfg.InsertOnly {
		return nil
	}
	if err := m.recover(ctx, !store.IsPostgres(m.cfg.DB)); err != nil {
		return err
	}
	if err := m.q.Start(ctx); err != nil {
		return err
	}
	if store.IsPostgres(m.cfg.DB) {
		m.wg.Add(1)
		go m.sweep()
	}
	return nil
}

// Stop stops taking jobs, cancels running ones and waits for them (up to
// ctx's deadline). Cancelled runs are left to be resumed by the next start:
// a stop is not a user's cancel.
func (m *Manager) Stop(ctx context.Context) error {
	close(m.stop)
	m.mu.Lock()
	for _, cancel := range m.running {
		cancel()
	}
	m.mu.Unlock()
	var err error
	if !m.cfg.InsertOnly {
		err = m.q.Stop(ctx)
	}
	m.wg.Wait()
	m.closer()
	return err
}

// Enqueue starts the background work of a run that the caller created in
// the store (queued, attempt 0).
func (m *Manager) Enqueue(ctx context.Context, run *store.Run) error {
	_, err := m.q.Insert(ctx, TrainArgs{RunID: run.ID, Attempt: run.Attempt}, nil)
	return err
}

// Create stores a new run (queued, attempt 0) and its job in one
// transaction: no run without its job, even if the process dies between.
func (m *Manager) Create(ctx context.Context, run *store.Run) error {
	return m.cfg.Store.CreateRunTx(ctx, run, func(ctx context.Context, tx store.Tx) error {
		return m.insertTx(ctx, tx, TrainArgs{RunID: run.ID, Attempt: run.Attempt})
	})
}

// Cancel asks a run to stop: a queued run is cancelled at once, a running
// one within a step (on this machine through its context; on others at
// their next heartbeat).
func (m *Manager) Cancel(ctx context.Context, id string) (*store.Run, error) {
	r, err := m.cfg.Store.RequestCancel(ctx, id)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	if cancel, ok := m.running[id]; ok {
		cancel()
	}
	m.mu.Unlock()
	m.cancelChildren(ctx, id) // a sweep's (sweep.go)
	if r.Sweep == store.SweepWaiting {
		// Wake the parent now to end it (the claim drops the duplicate).
		if _, err := m.q.Insert(ctx, TrainArgs{RunID: r.ID, Attempt: r.Attempt}, nil); err != nil {
			return nil, err
		}
	}
	if r.Status == store.Cancelled {
		m.emitStatus(ctx, r.ID, store.Cancelled, "cancelled before it started", r.Attempt)
	}
	return r, nil
}

// recover requeues unfinished runs. With all, every queued or running run is
// taken as orphaned (one process owns an SQLite store); otherwise running
// runs whose heartbeat is older than StaleAfter, and queued runs that no
// job will train (stranded.go).
func (m *Manager) recover(ctx context.Context, all bool) error {
	runs, err := m.cfg.Store.Unfinished(ctx)
	if err != nil {
		return err
	}
	var live map[jobKey]bool // read once, when a queued run is first looked at
	for _, r := range runs {
		if r.Sweep == store.SweepWaiting {
			// A sweep parent waiting on its children has no attempt in
			// flight: another wake, in case its snoozed job went with a
			// dead process, is all it needs (the claim drops duplicates).
			if all || r.HeartbeatAt == nil || time.Since(*r.HeartbeatAt) >= StaleAfter {
				if _, err := m.q.Insert(ctx, TrainArgs{RunID: r.ID, Attempt: r.Attempt}, nil); err != nil {
					return err
				}
			}
			continue
		}
		stranded := false
		if !all {
			if r.Status == store.Queued {
				// Queued with no job that will run: its worker died
				// before starting it (stranded.go).
				if stranded, err = m.stranded(ctx, r, &live); err != nil {
					return err
				}
				if !stranded {
					continue
				}
			} else if r.Status != store.Running || r.HeartbeatAt != nil && time.Since(*r.HeartbeatAt) < StaleAfter {
				continue
			}
		}
		if r.CancelRequested {
			if ok, _ := m.cfg.Store.FinishRun(ctx, r.ID, r.Attempt, store.Cancelled, nil, "cancelled"); ok {
				m.emitStatus(ctx, r.ID, store.Cancelled, "cancelled while the server was down", r.Attempt)
			}
			continue
		}
		crashed := r.Status == store.Running
		if crashed && r.Crashes+1 >= m.cfg.MaxAttempts {
			msg := fmt.Sprintf("the server stopped while this run was training, %s; it is not started again", times(r.Crashes+1))
			seq, err := m.cfg.Store.LastEventSeq(ctx, r.ID)
			if err != nil {
				return err
			}
			data, _ := json.Marshal(map[string]any{"status": store.Failed, "message": msg, "attempt": r.Attempt})
			ok, err := m.cfg.Store.FailCrashed(ctx, r.ID, r.Attempt, msg, store.Event{Seq: seq + 1, Type: "status", Data: data, Time: time.Now()})
			if err != nil {
				return err
			}
			if ok {
				m.Broker.Notify(r.ID)
				m.log.Warn("run failed: its attempts died with the server", "run", r.ID, "name", r.Name, "crashes", r.Crashes+1)
			}
			continue
		}
		requeue := m.cfg.Store.Requeue
		if crashed {
			requeue = m.cfg.Store.RequeueCrashed
		} else if stranded {
			requeue = m.cfg.Store.RequeueQueued
		}
		ok, err := requeue(ctx, r.ID, r.Attempt)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		msg := "queued again after a restart"
		if stranded {
			msg = "queued again: the worker that took its job stopped before starting it"
		} else if crashed {
			msg = "the server stopped during the run; it will resume (networks from their last checkpoint, other estimators from the start)"
		}
		m.emitStatus(ctx, r.ID, store.Queued, msg, r.Attempt+1)
		m.log.Info("recovering run", "run", r.ID, "name", r.Name, "attempt", r.Attempt+1)
		if _, err := m.q.Insert(ctx, TrainArgs{RunID: r.ID, Attempt: r.Attempt + 1}, nil); err != nil {
			return err
		}
	}
	return nil
}

// times says how many times: "once", "twice", "3 times".
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// sweep periodically requeues runs whose worker died on another machine.
func (m *Manager) sweep() {
	defer m.wg.Done()
	t := time.NewTicker(StaleAfter / 2)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := m.recover(ctx, false); err != nil {
				m.log.Warn("recovery sweep failed", "err", err)
			}
			cancel()
		}
	}
}

// emitStatus appends a status event to a run's log.
func (m *Manager) emitStatus(ctx context.Context, id string, st store.Status, msg string, attempt int) {
	seq, err := m.cfg.Store.LastEventSeq(ctx, id)
	if err != nil {
		return
	}
	data, _ := json.Marshal(map[string]any{"status": st, "message": msg, "attempt": attempt})
	_ = m.cfg.Store.Append(ctx, id, nil, []store.Event{{Seq: seq + 1, Type: "status", Data: data, Time: time.Now()}})
	m.Broker.Notify(id)
}

type worker struct {
	river.WorkerDefaults[TrainArgs]
	m *Manager
}

// Work runs one attempt of a run.
func (w *worker) Work(ctx context.Context, job *river.Job[TrainArgs]) (err error) {
	m, st := w.m, w.m.cfg.Store
	id, attempt := job.Args.RunID, job.Args.Attempt
	run, err := st.GetRun(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && run.Attempt != attempt {
		return nil // deleted, or superseded by a newer attempt
	}
	if err != nil {
		return err
	}
	if run.Sweep == store.SweepWaiting { // a sweep parent waking (sweep.go)
		if run, err = m.wake(ctx, run); err != nil || run == nil {
			return err
		}
	} else {
		// A worker killed here leaves the run queued and its job running
		// in River: recovery requeues it once the job's attempted_at is
		// older than StaleAfter (stranded.go).
		if run.ParentID != "" {
			crashpoint.At("child-start") // a sweep's child
		} else {
			crashpoint.At("run-start")
		}
		if ok, err := st.StartRun(ctx, id, attempt); err != nil || !ok {
			return err
		}
	}
	rec, err := newRecorder(ctx, st, m.Broker, id, attempt)
	if err != nil {
		return err
	}
	if run.Trials == nil {
		msg := "started"
		if attempt > 0 {
			msg = fmt.Sprintf("resumed (attempt %d)", attempt+1)
		}
		rec.status(store.Running, msg, attempt)
		fo, err := m.fanout(ctx, run)
		if err != nil {
			rec.close()
			ok, err := st.FinishRun(context.Background(), id, attempt, store.Failed, nil, err.Error(), rec.statusEvent(store.Failed, err.Error(), attempt))
			if ok {
				m.Broker.Notify(id)
			}
			return err
		}
		if fo != nil && len(fo.Children) > 0 {
			return m.startSweep(ctx, run, rec, fo)
		}
		if fo != nil && fo.Note != "" {
			rec.log(fo.Note)
		}
	}

	runCtx, cancel := context.WithCancel(ctx)
	m.mu.Lock()
	m.running[id] = cancel
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.running, id)
		m.mu.Unlock()
		cancel()
	}()
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		t := time.NewTicker(HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				if ok, err := st.Heartbeat(context.Background(), id, attempt); err == nil && !ok {
					cancel() // cancel requested elsewhere, or run taken over
				}
			}
		}
	}()

	var result json.RawMessage
	var runErr error
	if m.cfg.Child != nil {
		result, runErr = m.runChild(runCtx, run, rec)
	} else {
		func() {
			defer func() {
				if r := recover(); r != nil {
					runErr = fmt.Errorf("internal error: %v", r)
				}
			}()
			result, runErr = m.cfg.Runner(runCtx, run, rec)
		}()
	}
	cancel()
	<-hbDone

	if m.stopped(ctx, id, runErr) {
		// Server shutting down: the run goes back to the queue for the
		// next start (or, on PostgreSQL, another server) to resume. A clean
		// stop is not a crash and is not counted against the run.
		rec.log("the server is stopping; the run will resume when it starts again")
		rec.close()
		ctx := context.Background()
		if ok, err := st.Requeue(ctx, id, attempt); err != nil || !ok {
			return err
		}
		m.emitStatus(ctx, id, store.Queued, "queued again: the server stopped during the run", attempt+1)
		if _, err := m.q.Insert(ctx, TrainArgs{RunID: id, Attempt: attempt + 1}, nil); err != nil {
			m.log.Warn("could not queue the run for the next start", "run", id, "err", err)
		}
		return nil
	}
	final, errMsg := store.Succeeded, ""
	if runErr != nil {
		final, errMsg = store.Failed, runErr.Error()
		if errors.Is(runErr, context.Canceled) {
			final, errMsg = store.Cancelled, "cancelled"
		}
	}
	rec.close() // points and events land before the status says done
	ok, err := st.FinishRun(context.Background(), id, attempt, final, result, errMsg, rec.statusEvent(final, errMsg, attempt))
	if ok {
		m.Broker.Notify(id)
	}
	return err
}

// stopped reports whether a run that returned runErr was stopped by the
// server shutting down rather than finished or cancelled by a user: Stop
// has begun, or the job's own context ended (the queue stops with the
// server's context, which a signal cancels before Stop runs) while no
// user asked to cancel the run.
func (m *Manager) stopped(ctx context.Context, id string, runErr error) bool {
	select {
	case <-m.stop:
		return true
	default:
	}
	if ctx.Err() == nil || !errors.Is(runErr, context.Canceled) {
		return false
	}
	r, err := m.cfg.Store.GetRun(context.Background(), id)
	return err == nil && !r.CancelRequested
}

// ModelDir is where the service keeps the model of a run, relative to the
// data folder.
func ModelDir(runID string) string { return filepath.Join("runs", runID) }
