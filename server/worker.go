package server

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/mlforge/mlforge/jobs"
	"github.com/mlforge/mlforge/store"
)

// Worker is the training half of the service without its HTTP half
// (`mlforge worker`): it takes runs from the queue of a PostgreSQL
// database that API servers (serve --workers 0) and other workers share.
type Worker struct {
	store *store.Store
	jobs  *jobs.Manager
}

// NewWorker opens the store and the job manager of cfg (DB must be a
// postgres:// URL; Addr, Token and the request limits are unused). Models
// are written under cfg.DataDir/runs, which the API servers must read: the
// same folder for every process (a shared disk), until artifacts go to an
// object store.
func NewWorker(ctx context.Context, cfg Config) (*Worker, error) {
	if !store.IsPostgres(cfg.DB) {
		return nil, errors.New(SQLiteOneProcess)
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "mlforge-data"
	}
	for _, d := range []string{cfg.DataDir, filepath.Join(cfg.DataDir, "files"), filepath.Join(cfg.DataDir, "runs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	m, err := jobs.New(ctx, jobs.Config{Store: st, DB: cfg.DB, Workers: cfg.Workers, Runner: Runner(cfg.DataDir, cfg.RunLimits),
		Child: cfg.Child, Limits: cfg.RunLimits, MaxAttempts: cfg.MaxAttempts, Logger: cfg.Logger})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Worker{store: st, jobs: m}, nil
}

// Start recovers runs whose workers died and starts taking jobs.
func (w *Worker) Start(ctx context.Context) error { return w.jobs.Start(ctx) }

// Shutdown stops taking jobs (the runs it was training go back to the
// queue for another worker) and closes the store.
func (w *Worker) Shutdown(ctx context.Context) error {
	return errors.Join(w.jobs.Stop(ctx), w.store.Close())
}

// IsPostgres reports whether url names a PostgreSQL database.
func IsPostgres(url string) bool { return store.IsPostgres(url) }
